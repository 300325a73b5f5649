// What the children print, cut into lines: the target's stdout (one state per line) and
// both stderrs (log lines, some of them Singer METRIC lines with record counts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace singer_run {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line) : max_line_(max_line) {}

  // Calls emit(line, complete) for every line ended in data, without its '\n'. When more
  // than max_line bytes are buffered without an end of line, they are handed on as
  // pieces with complete = false (memory stays bounded); the line's end comes with true.
  template <typename Emit>
  void feed(std::string_view data, Emit&& emit) {
    buffer_.append(data);
    size_t start = 0;
    for (;;) {
      size_t nl = buffer_.find('\n', scanned_);
      if (nl == std::string::npos) break;
      emit(std::string_view(buffer_).substr(start, nl - start), true);
      start = scanned_ = nl + 1;
    }
    while (buffer_.size() - start > max_line_) {
      emit(std::string_view(buffer_).substr(start, max_line_), false);
      start += max_line_;
    }
    buffer_.erase(0, start);
    scanned_ = buffer_.size();
  }

  // The last line when the input ended without a '\n'.
  template <typename Emit>
  void finish(Emit&& emit) {
    if (!buffer_.empty()) emit(std::string_view(buffer_), true);
    buffer_.clear();
    scanned_ = 0;
  }

 private:
  size_t max_line_;
  std::string buffer_;
  size_t scanned_ = 0;
};

// A record_count counter from a METRIC line, as singer-python and the Meltano SDK print
// them: `INFO METRIC: {"type": "counter", "metric": "record_count", "value": 12,
// "tags": {"stream": "users"}}`, anything before "METRIC:" ignored.
struct RecordCountMetric {
  std::string stream;
  std::int64_t value = 0;
};
std::optional<RecordCountMetric> parse_record_count(std::string_view line);

// Records per stream in the order streams first appeared. Each METRIC value is added:
// singer-python's Counter logs the count since its previous line and resets.
class RecordCounts {
 public:
  void add(const RecordCountMetric& m);
  std::int64_t total() const noexcept { return total_; }
  bool any() const noexcept { return !streams_.empty(); }
  const std::vector<std::pair<std::string, std::int64_t>>& streams() const noexcept { return streams_; }
  // "users: 10, orders: 4"
  std::string to_string() const;

 private:
  std::vector<std::pair<std::string, std::int64_t>> streams_;
  std::int64_t total_ = 0;
};

}  // namespace singer_run
