// The encodings tap-csv reads besides UTF-8 (Excel's Windows-1252 and UTF-16, the
// ISO-8859 family), turned into UTF-8 by glibc's iconv in constant memory, so the CSV
// scanner only ever sees UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace tap_csv {

enum class Encoding : std::uint8_t { Utf8, Utf16Le, Utf16Be, Windows1252, Latin1, Latin9 };

// A config name, in any case and with '_' or '-' (Python's codec names: "utf-8-sig",
// "cp1252", "latin1", "utf_16"...); nullopt when tap-csv cannot read it. Plain
// "utf-16" is little-endian when the file has no byte order mark, as Windows writes it.
std::optional<Encoding> parse_encoding(std::string_view name);
// "UTF-8", "UTF-16LE", "windows-1252", "ISO-8859-1", ... as errors show them.
std::string_view encoding_name(Encoding encoding) noexcept;
// The names parse_encoding accepts, for an error message.
inline constexpr std::string_view kSupportedEncodings =
    "utf-8, utf-8-sig, utf-16, utf-16le, utf-16be, windows-1252 (cp1252), iso-8859-1 (latin-1), "
    "iso-8859-15 (latin-9)";

class Transcoder {
 public:
  // Reads raw bytes in `from`, starting with `pending`, the raw bytes already read;
  // `offset` is the file offset of pending's first byte.
  Transcoder(Encoding from, std::string_view pending, std::int64_t offset);
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;
  ~Transcoder();

  // Reads the rest of the input through `read` (which returns 0 at its end).
  using Read = std::function<std::size_t(char*, std::size_t)>;
  // Writes up to `room` bytes of UTF-8 to `out`; fewer only at the end of the input,
  // 0 once it is over. A byte sequence that is not valid in the encoding becomes one
  // 0xFF byte, never valid UTF-8, so the reader's UTF-8 check stops at the field that
  // holds it; first_invalid() then tells where it was in the file.
  std::size_t fill(char* out, std::size_t room, const Read& read);
  std::optional<std::int64_t> first_invalid() const noexcept { return first_invalid_; }
  Encoding encoding() const noexcept { return from_; }

 private:
  bool decode_more(const Read& read);
  bool read_more(const Read& read);
  void skip_invalid(std::size_t bytes);

  Encoding from_;
  void* cd_;  // iconv_t
  std::unique_ptr<char[]> raw_;
  std::size_t raw_capacity_ = 0;
  std::size_t raw_pos_ = 0;
  std::size_t raw_end_ = 0;
  bool raw_eof_ = false;
  std::int64_t raw_offset_ = 0;  // file offset of raw_[0]
  std::unique_ptr<char[]> out_;
  std::size_t out_pos_ = 0;
  std::size_t out_end_ = 0;
  bool flushed_ = false;
  std::optional<std::int64_t> first_invalid_;
};

}  // namespace tap_csv
