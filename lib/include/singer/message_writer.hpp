// The only thing that writes to stdout. Buffered; a tap writes RECORD messages
// straight into the buffer through a JsonWriter; flushes before every STATE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "singer/json.hpp"
#include "singer/message.hpp"

namespace singer {

class MessageWriter {
 public:
  explicit MessageWriter(int fd = 1);
  ~MessageWriter();  // flushes; never throws
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  void write_schema(const SchemaMessage& message);

  // {"type":"RECORD","stream":S,"record":  ...the caller writes one JSON object...
  // then end_record() closes the message.
  JsonWriter& begin_record(std::string_view stream);
  void end_record(std::string_view time_extracted = {}, std::optional<std::int64_t> version = {});
  // A RECORD whose record object is already JSON text.
  void write_record(std::string_view stream, std::string_view record_json,
                    std::string_view time_extracted = {});

  // A STATE message; flushes everything before it, then itself.
  void write_state(const Json& value);
  void write_activate_version(std::string_view stream, std::int64_t version);

  // One raw line (a target's state value, or a catalog); a newline is added.
  void write_line(std::string_view text);

  void flush();
  std::uint64_t bytes_written() const noexcept { return written_ + buffer_.size(); }

  // Flush once the buffer holds this much.
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

 private:
  void maybe_flush() {
    if (buffer_.size() >= kBufferBytes) flush();
  }

  int fd_;
  std::string buffer_;
  // Where the open RECORD began: a record left half-written by an error is dropped,
  // never flushed (the buffer only reaches fd_ between whole messages).
  size_t record_start_ = 0;
  bool in_record_ = false;
  // Taps write many records of one stream with one time_extracted: render the message
  // head and tail once, not per record.
  std::string prefix_stream_, prefix_;
  std::string suffix_time_, suffix_;
  JsonWriter json_;
  std::uint64_t written_ = 0;
};

// Writes all of data to fd, through short writes and EINTR. Returns false with errno
// set on failure.
bool write_all(int fd, std::string_view data) noexcept;

// Tries to enlarge a pipe's kernel buffer (F_SETPIPE_SZ); silently does nothing for
// files, terminals and when the system refuses.
void enlarge_pipe(int fd) noexcept;

}  // namespace singer
