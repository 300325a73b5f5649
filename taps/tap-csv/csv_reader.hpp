// A streaming RFC 4180 reader: records come out as views into one large buffer, so a
// file of any size is read in constant memory and no field of a UTF-8 file is copied
// (other encodings pass through a Transcoder on their way into the buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "singer/error.hpp"
#include "transcoder.hpp"

namespace tap_csv {

namespace detail {
// The stop and escape masks of the block of input scanned last (see csv_reader.cpp).
struct BlockCache {
  const unsigned char* block = nullptr;
  std::uint32_t stops = 0;
  std::uint32_t specials = 0;
};
}  // namespace detail

struct CsvDialect {
  char delimiter = ',';
  char quote = '"';
  // Of files without a byte order mark; a UTF-8 or UTF-16 BOM always decides.
  Encoding encoding = Encoding::Utf8;
};

class CsvReader {
 public:
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

  // Opens a file. Throws Error("<path>: cannot open: <reason>"). `stream` only names
  // the stream in error locations.
  CsvReader(const std::string& path, CsvDialect dialect, std::string stream = {},
            std::size_t buffer_bytes = kBufferBytes);
  // Reads `text` as if it were the file `name`; a small buffer_bytes exercises every
  // refill boundary in tests.
  static CsvReader from_string(std::string text, std::string name, CsvDialect dialect = {},
                               std::size_t buffer_bytes = kBufferBytes);

  CsvReader(CsvReader&& other) noexcept;
  CsvReader& operator=(CsvReader&&) = delete;
  CsvReader(const CsvReader&) = delete;
  ~CsvReader();

  // Moves to the next record, skipping blank lines; false at the end of the input.
  // The fields stay valid until the next call. Throws Error naming file and line for
  // NUL bytes, invalid UTF-8 (or bytes invalid in the encoding, with their file
  // offset), unterminated quotes and text after a closing quote.
  bool next();
  // Names fields in errors by these column names rather than by position; the
  // vector must outlive the reader.
  void set_field_names(const std::vector<std::string>* names) noexcept { field_names_ = names; }

  std::size_t size() const noexcept { return fields_.size(); }
  std::string_view operator[](std::size_t i) const noexcept { return fields_[i]; }
  const std::vector<std::string_view>& fields() const noexcept { return fields_; }
  // True when field i is ASCII without '"', '\\' or control characters, so it can be
  // written as a JSON string by just quoting it.
  bool plain(std::size_t i) const noexcept { return plain_[i] != 0; }

  // The record's size in the input; no field is longer, nor all of them together.
  std::size_t record_bytes() const noexcept { return record_bytes_; }
  // The physical line (1-based) on which the current record starts.
  std::int64_t line() const noexcept { return record_line_; }
  const std::string& path() const noexcept { return path_; }
  // Where the current record is, for errors about its content.
  singer::Location location() const { return {path_, record_line_, stream_}; }

 private:
  enum class Step : std::uint8_t { Record, NeedMore, End };

  CsvReader(std::string path, CsvDialect dialect, std::string stream, std::size_t buffer_bytes, int fd,
            std::string text);
  void allocate(std::size_t capacity);
  Step parse_record();
  void refill();
  void finish_record();
  std::size_t read_raw(char* out, std::size_t room);
  void start_decoding(Encoding encoding);
  std::string field_label(std::size_t i) const;
  [[noreturn]] void fail_nul(std::int64_t line) const;
  [[noreturn]] void fail_encoding(std::size_t field) const;

  std::string path_;
  std::string stream_;
  CsvDialect dialect_;
  int fd_ = -1;
  std::string text_;  // the input when reading from a string
  std::size_t text_pos_ = 0;

  // Bytes [pos_, end_) of buffer_ are read but not yet parsed.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool bom_checked_ = false;
  bool bom_decided_ = false;                 // the encoding came from a byte order mark
  std::int64_t buffer_offset_ = 0;           // file offset of buffer_[0], without transcoder_
  std::unique_ptr<Transcoder> transcoder_;   // null for UTF-8, read without a copy
  const std::vector<std::string>* field_names_ = nullptr;

  std::int64_t line_ = 1;  // physical line at pos_
  std::int64_t record_line_ = 0;
  std::size_t record_bytes_ = 0;
  std::vector<std::string_view> fields_;
  std::vector<unsigned char> plain_;    // parallel to fields_
  detail::BlockCache unquoted_cache_;
  detail::BlockCache quoted_cache_;
  std::vector<std::uint32_t> doubled_;  // fields holding "" pairs to collapse
  bool first_quoted_ = false;
};

}  // namespace tap_csv
