// Human output on stderr: "<program>: info: ..." and "<program>: warning: ..." lines,
// and Singer METRIC lines ("INFO METRIC: {...}") that runners and Meltano parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace singer::log {

void set_program(std::string_view name);
const std::string& program();

// Writes "<program>: <level>: <text>\n" to stderr in one write.
void line(std::string_view level, std::string_view text);

template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  line("info", fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
  line("warning", fmt::format(format, std::forward<Args>(args)...));
}

// "1 record", "2 records": n and its noun, singular for exactly one. plural defaults
// to singular + "s".
std::string counted(std::int64_t n, std::string_view singular, std::string_view plural = {});

// Warns only the first time `key` is seen in this process (e.g. one per unknown type).
void warning_once(std::string_view key, std::string_view text);

// INFO METRIC: {"type": "counter", "metric": "record_count", "value": N, "tags": {"stream": S}}
void metric_counter(std::string_view metric, std::int64_t value, std::string_view stream);
// INFO METRIC: {"type": "timer", "metric": "sync_duration", "value": secs, "tags": {"stream": S, "status": ...}}
void metric_timer(std::string_view metric, double seconds, std::string_view stream,
                  std::string_view status);

}  // namespace singer::log
