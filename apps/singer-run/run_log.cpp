// Writing run records. Field names are stable: cron wrappers and dashboards parse them.
#include "run_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cmath>
#include <ctime>

#include "command_line.hpp"
#include "process.hpp"
#include "singer/json.hpp"

namespace singer_run {

using singer::Json;

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

Json child_json(const ChildReport& child) {
  Json out = Json::object();
  out.set("command", display_command(redact_arguments(child.argv)));
  out.set("started", child.started);
  out.set("exit_code", child.exit_code ? Json(*child.exit_code) : Json());
  out.set("signal", child.signal ? Json(signal_name(*child.signal)) : Json());
  if (!child.error.empty()) out.set("error", child.error);
  return out;
}

}  // namespace

std::string run_record_json(const RunRecord& r) {
  Json out = Json::object();
  out.set("started", iso8601_utc(r.started));
  out.set("ended", iso8601_utc(r.ended));
  double secs = std::chrono::duration<double>(r.ended - r.started).count();
  out.set("duration_s", std::round(secs * 1000.0) / 1000.0);
  out.set("pipeline", r.pipeline_file.empty() ? Json() : Json(r.pipeline_file));
  out.set("state", r.state_path);
  out.set("full_refresh", r.full_refresh);
  out.set("tap", child_json(r.tap));
  out.set("target", child_json(r.target));
  Json records = Json::object();
  for (const auto& [stream, count] : r.records.streams()) records.set(stream, Json(count));
  out.set("records", std::move(records));
  out.set("records_total", Json(r.records.total()));
  out.set("state_saves", Json(r.state_saves));
  out.set("state_advanced", r.state_advanced);
  out.set("result", r.result);
  out.set("exit_code", r.exit_code);
  if (!r.error.empty()) out.set("error", r.error);
  return out.dump();
}

void append_run_log(const std::string& path, const RunRecord& record) {
  std::string line = run_record_json(record);
  line.push_back('\n');
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw singer::Error({path}, "cannot write the run log: {}", std::strerror(errno));
  ssize_t n;
  do {
    n = ::write(fd.get(), line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(line.size())) {
    throw singer::Error({path}, "cannot write the run log: {}",
                        n < 0 ? std::strerror(errno) : "short write");
  }
}

}  // namespace singer_run
