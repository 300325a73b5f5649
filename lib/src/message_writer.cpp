// Buffered Singer message output on stdout; the only code that writes there.
#include "singer/message_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "singer/error.hpp"

namespace singer {

void enlarge_pipe(int fd) noexcept {
#ifdef F_SETPIPE_SZ
  // Larger pipes mean fewer context switches between tap and target. Try 1 MiB,
  // then whatever /proc/sys/fs/pipe-max-size allows an unprivileged user.
  for (int size : {1 << 20, 1 << 19, 1 << 18}) {
    if (::fcntl(fd, F_SETPIPE_SZ, size) >= 0) return;
    if (errno != EPERM && errno != EBUSY) return;  // not a pipe, or no such fd
  }
#else
  (void)fd;
#endif
}

MessageWriter::MessageWriter(int fd) : fd_(fd), json_(buffer_) {
  buffer_.reserve(kBufferBytes + (kBufferBytes >> 2));
  enlarge_pipe(fd_);
}

MessageWriter::~MessageWriter() {
  if (in_record_) buffer_.resize(record_start_);
  try {
    flush();
  } catch (...) {
    // A destructor cannot report; the error path already flushed or failed loudly.
  }
}

bool write_all(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void MessageWriter::flush() {
  if (!write_all(fd_, buffer_)) {
    int err = errno;
    buffer_.clear();
    throw Error(Location{"<stdout>", 0, ""}, "write failed: {}", std::strerror(err));
  }
  written_ += buffer_.size();
  buffer_.clear();
}

void MessageWriter::write_schema(const SchemaMessage& message) {
  json_.reset();
  json_.begin_object();
  json_.key("type");
  json_.string("SCHEMA");
  json_.key("stream");
  json_.string(message.stream);
  json_.key("schema");
  json_.value(message.schema);
  json_.key("key_properties");
  json_.begin_array();
  for (const auto& k : message.key_properties) json_.string(k);
  json_.end_array();
  if (!message.bookmark_properties.empty()) {
    json_.key("bookmark_properties");
    json_.begin_array();
    for (const auto& k : message.bookmark_properties) json_.string(k);
    json_.end_array();
  }
  json_.end_object();
  buffer_.push_back('\n');
  maybe_flush();
}

JsonWriter& MessageWriter::begin_record(std::string_view stream) {
  record_start_ = buffer_.size();
  in_record_ = true;
  if (prefix_.empty() || stream != prefix_stream_) {
    prefix_stream_ = std::string(stream);
    prefix_ = R"({"type":"RECORD","stream":)";
    append_json_string(prefix_, stream);
    prefix_ += R"(,"record":)";
  }
  buffer_ += prefix_;
  json_.reset();
  return json_;
}

void MessageWriter::end_record(std::string_view time_extracted, std::optional<std::int64_t> version) {
  if (!time_extracted.empty()) {
    if (suffix_.empty() || time_extracted != suffix_time_) {
      suffix_time_ = std::string(time_extracted);
      suffix_ = R"(,"time_extracted":)";
      append_json_string(suffix_, time_extracted);
    }
    buffer_ += suffix_;
  }
  if (version) {
    buffer_ += R"(,"version":)";
    buffer_ += std::to_string(*version);
  }
  buffer_.append("}\n", 2);
  in_record_ = false;
  maybe_flush();
}

void MessageWriter::write_record(std::string_view stream, std::string_view record_json,
                                 std::string_view time_extracted) {
  begin_record(stream);
  buffer_ += record_json;
  end_record(time_extracted);
}

void MessageWriter::write_state(const Json& value) {
  json_.reset();
  json_.begin_object();
  json_.key("type");
  json_.string("STATE");
  json_.key("value");
  json_.value(value);
  json_.end_object();
  buffer_.push_back('\n');
  flush();
}

void MessageWriter::write_activate_version(std::string_view stream, std::int64_t version) {
  buffer_ += R"({"type":"ACTIVATE_VERSION","stream":)";
  append_json_string(buffer_, stream);
  buffer_ += R"(,"version":)";
  buffer_ += std::to_string(version);
  buffer_ += "}\n";
  maybe_flush();
}

void MessageWriter::write_line(std::string_view text) {
  buffer_ += text;
  buffer_.push_back('\n');
  maybe_flush();
}

}  // namespace singer
