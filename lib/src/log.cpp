// stderr lines for people and METRIC lines for runners; each line is one write(2) so
// lines from a tap and a target sharing a terminal never interleave mid-line.
#include "singer/log.hpp"

#include <unistd.h>

#include <mutex>
#include <set>

#include "singer/json.hpp"
#include "singer/message_writer.hpp"

namespace singer::log {
namespace {
std::string& program_name() {
  static std::string name = "singer";
  return name;
}

}  // namespace

void set_program(std::string_view name) { program_name() = std::string(name); }
const std::string& program() { return program_name(); }

void line(std::string_view level, std::string_view text) {
  std::string out;
  out.reserve(program_name().size() + level.size() + text.size() + 5);
  out += program_name();
  out += ": ";
  out += level;
  out += ": ";
  out += text;
  out += '\n';
  write_all(2, out);
}

std::string counted(std::int64_t n, std::string_view singular, std::string_view plural) {
  if (n == 1) return fmt::format("1 {}", singular);
  if (plural.empty()) return fmt::format("{} {}s", n, singular);
  return fmt::format("{} {}", n, plural);
}

void warning_once(std::string_view key, std::string_view text) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> seen;
  {
    std::lock_guard lock(mutex);
    if (!seen.insert(std::string(key)).second) return;
  }
  line("warning", text);
}

void metric_counter(std::string_view metric, std::int64_t value, std::string_view stream) {
  std::string out = "INFO METRIC: {\"type\": \"counter\", \"metric\": ";
  append_json_string(out, metric);
  out += fmt::format(", \"value\": {}, \"tags\": {{\"stream\": ", value);
  append_json_string(out, stream);
  out += "}}\n";
  write_all(2, out);
}

void metric_timer(std::string_view metric, double seconds, std::string_view stream,
                  std::string_view status) {
  std::string out = "INFO METRIC: {\"type\": \"timer\", \"metric\": ";
  append_json_string(out, metric);
  out += ", \"value\": ";
  append_json_double(out, seconds);
  out += ", \"tags\": {\"stream\": ";
  append_json_string(out, stream);
  out += ", \"status\": ";
  append_json_string(out, status);
  out += "}}\n";
  write_all(2, out);
}

}  // namespace singer::log
