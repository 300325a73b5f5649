// The live status line on a terminal: elapsed time, records, records/s. Never drawn when
// stderr is a file or a pipe, so cron mail and CI logs stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace singer_run {

class Progress {
 public:
  static constexpr std::chrono::milliseconds kInterval{250};

  explicit Progress(bool enabled) : enabled_(enabled) {}
  ~Progress() { clear(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const noexcept { return enabled_; }
  // Redraws if kInterval has passed since the last draw.
  void update(std::chrono::steady_clock::duration elapsed, std::int64_t records,
              std::int64_t state_saves);
  // Erases the line; call before anything else is written to stderr.
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "1:02:03", "2:03", "0:05"
std::string format_elapsed(std::chrono::steady_clock::duration elapsed);

}  // namespace singer_run
