// Drawing with "\r" and "erase to end of line", cut to the terminal's width: a line that
// wraps could not be erased with "\r".
#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "singer/log.hpp"

namespace singer_run {

namespace {

void write_stderr(const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(2, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string format_elapsed(std::chrono::steady_clock::duration elapsed) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void Progress::update(std::chrono::steady_clock::duration elapsed, std::int64_t records,
                      std::int64_t state_saves) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_draw_ < kInterval) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(elapsed).count();
  std::string text = fmt::format("singer-run: {} elapsed, {}, {:.0f} records/s, {}",
                                 format_elapsed(elapsed), singer::log::counted(records, "record"),
                                 secs > 0 ? static_cast<double>(records) / secs : 0.0,
                                 singer::log::counted(state_saves, "state save"));
  winsize ws{};
  if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && text.size() >= ws.ws_col) {
    text.resize(ws.ws_col - 1u);
  }
  write_stderr("\r" + text + "\x1b[K");
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  write_stderr("\r\x1b[K");
  shown_ = false;
}

}  // namespace singer_run
