// A Sink that appends each record's own JSON bytes to <destination_path>/<stream>.jsonl.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "singer/json.hpp"
#include "singer/sink.hpp"

namespace target_jsonl {

struct JsonlOptions {
  std::string destination_path = ".";
  bool add_record_metadata = false;
};

JsonlOptions options_from_config(const singer::Json& config);

// A file name for a stream that can never leave the destination directory: bytes
// outside [A-Za-z0-9._-] and a leading '.' are %XX-escaped, so distinct streams get
// distinct files ("a/b" -> "a%2Fb.jsonl", "../x" -> "%2E.%2Fx.jsonl"). The README
// states this rule; change both together.
std::string file_name_for_stream(std::string_view stream);

class JsonlSink : public singer::Sink {
 public:
  JsonlSink(std::string_view stream, const JsonlOptions& options);
  ~JsonlSink() override;

  void write(const singer::RecordMessage& record, const singer::RecordContext& context) override;
  void flush() override;

  const std::string& path() const noexcept { return path_; }

 private:
  void write_buffer();
  void drop_torn_tail();

  std::string stream_;
  std::string path_;
  bool add_metadata_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace target_jsonl
