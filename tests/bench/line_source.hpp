// Lines of a file descriptor read in big blocks, each with simdjson's padding readable
// after it, so the limit programs parse in place the way a target's reader does.
#pragma once

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

class LineSource {
 public:
  explicit LineSource(int fd) : fd_(fd) { allocate(kInitialBytes); }

  // The next line without its '\n'; false at end of input.
  bool next(std::string_view& line) {
    for (;;) {
      if (begin_ + scanned_ < end_) {
        const char* from = buf_.get() + begin_ + scanned_;
        if (auto* nl = static_cast<const char*>(std::memchr(from, '\n', end_ - begin_ - scanned_))) {
          line = std::string_view(buf_.get() + begin_, static_cast<std::size_t>(nl - buf_.get()) - begin_);
          begin_ += line.size() + 1;
          scanned_ = 0;
          return true;
        }
        scanned_ = end_ - begin_;
      }
      if (eof_) {
        if (begin_ == end_) return false;
        line = std::string_view(buf_.get() + begin_, end_ - begin_);
        begin_ = end_;
        scanned_ = 0;
        return true;
      }
      fill();
    }
  }

  // Bytes readable from p onwards: the `allocated` argument of simdjson's iterate().
  std::size_t capacity_from(const char* p) const {
    return static_cast<std::size_t>(buf_.get() + cap_ + simdjson::SIMDJSON_PADDING - p);
  }

 private:
  static constexpr std::size_t kInitialBytes = std::size_t{4} << 20;
  static constexpr std::size_t kReadBytes = std::size_t{1} << 20;

  void allocate(std::size_t capacity) {
    auto fresh = std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING);
    if (end_ > begin_) std::memcpy(fresh.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    buf_ = std::move(fresh);
    cap_ = capacity;
  }

  void fill() {
    if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == cap_) allocate(cap_ * 2);
    for (;;) {
      ssize_t n = ::read(fd_, buf_.get() + end_, std::min(kReadBytes, cap_ - end_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(std::string("read failed: ") + std::strerror(errno));
      if (n == 0) eof_ = true;
      end_ += static_cast<std::size_t>(n);
      return;
    }
  }

  int fd_;
  bool eof_ = false;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, begin_ = 0, end_ = 0, scanned_ = 0;
};
