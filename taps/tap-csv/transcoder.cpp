// iconv into a staging buffer the reader copies from: the copy costs little next to
// iconv itself, and lets the reader ask for any amount, even less than one character.
// Only non-UTF-8 files pay for this; UTF-8 is read straight into the reader's buffer.
#include "transcoder.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "singer/error.hpp"

namespace tap_csv {

namespace {

constexpr std::size_t kRawBytes = std::size_t{64} << 10;
// Every raw byte becomes at most 3 bytes of UTF-8 (a UTF-16 pair: 4 bytes for 4).
constexpr std::size_t kOutBytes = 3 * kRawBytes + 16;

const char* iconv_name(Encoding e) noexcept {
  switch (e) {
    case Encoding::Utf16Le: return "UTF-16LE";
    case Encoding::Utf16Be: return "UTF-16BE";
    case Encoding::Windows1252: return "CP1252";
    case Encoding::Latin1: return "ISO-8859-1";
    case Encoding::Latin9: return "ISO-8859-15";
    case Encoding::Utf8: break;
  }
  return "UTF-8";
}

// The smallest unit an invalid sequence is skipped by.
std::size_t unit_bytes(Encoding e) noexcept { return e == Encoding::Utf16Le || e == Encoding::Utf16Be ? 2 : 1; }

}  // namespace

std::optional<Encoding> parse_encoding(std::string_view name) {
  std::string n;
  for (char c : name) n += c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (n == "utf-8" || n == "utf8" || n == "utf-8-sig" || n == "utf8-sig") return Encoding::Utf8;
  if (n == "utf-16" || n == "utf16" || n == "utf-16le" || n == "utf16le") return Encoding::Utf16Le;
  if (n == "utf-16be" || n == "utf16be") return Encoding::Utf16Be;
  if (n == "windows-1252" || n == "cp1252" || n == "windows1252") return Encoding::Windows1252;
  if (n == "iso-8859-1" || n == "iso8859-1" || n == "latin-1" || n == "latin1" || n == "l1") return Encoding::Latin1;
  if (n == "iso-8859-15" || n == "iso8859-15" || n == "latin-9" || n == "latin9" || n == "l9") return Encoding::Latin9;
  return std::nullopt;
}

std::string_view encoding_name(Encoding e) noexcept {
  switch (e) {
    case Encoding::Utf8: return "UTF-8";
    case Encoding::Utf16Le: return "UTF-16LE";
    case Encoding::Utf16Be: return "UTF-16BE";
    case Encoding::Windows1252: return "windows-1252";
    case Encoding::Latin1: return "ISO-8859-1";
    case Encoding::Latin9: return "ISO-8859-15";
  }
  return "UTF-8";
}

Transcoder::Transcoder(Encoding from, std::string_view pending, std::int64_t offset)
    : from_(from), raw_offset_(offset) {
  iconv_t cd = ::iconv_open("UTF-8", iconv_name(from));
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    throw singer::Error(singer::Location{}, "cannot read {}: {}", encoding_name(from), std::strerror(errno));
  }
  cd_ = cd;
  raw_capacity_ = std::max(kRawBytes, pending.size());
  raw_.reset(new char[raw_capacity_]);
  std::memcpy(raw_.get(), pending.data(), pending.size());
  raw_end_ = pending.size();
  out_.reset(new char[kOutBytes]);
}

Transcoder::~Transcoder() { ::iconv_close(static_cast<iconv_t>(cd_)); }

std::size_t Transcoder::fill(char* out, std::size_t room, const Read& read) {
  std::size_t written = 0;
  while (written < room) {
    if (out_pos_ == out_end_ && !decode_more(read)) break;
    const std::size_t n = std::min(room - written, out_end_ - out_pos_);
    std::memcpy(out + written, out_.get() + out_pos_, n);
    out_pos_ += n;
    written += n;
  }
  return written;
}

// Keeps the unread raw bytes and reads more after them; false at the end of the input.
bool Transcoder::read_more(const Read& read) {
  if (raw_eof_) return false;
  const std::size_t left = raw_end_ - raw_pos_;
  std::memmove(raw_.get(), raw_.get() + raw_pos_, left);
  raw_offset_ += static_cast<std::int64_t>(raw_pos_);
  raw_pos_ = 0;
  raw_end_ = left;
  const std::size_t got = read(raw_.get() + left, raw_capacity_ - left);
  raw_end_ += got;
  if (got == 0) raw_eof_ = true;
  return got > 0;
}

void Transcoder::skip_invalid(std::size_t bytes) {
  if (!first_invalid_) first_invalid_ = raw_offset_ + static_cast<std::int64_t>(raw_pos_);
  raw_pos_ += bytes;
  out_[out_end_++] = '\xFF';
}

// Refills the staging buffer; false when the input is over and nothing is left.
bool Transcoder::decode_more(const Read& read) {
  out_pos_ = out_end_ = 0;
  const auto cd = static_cast<iconv_t>(cd_);
  while (out_end_ == 0) {
    if (raw_pos_ == raw_end_ && !read_more(read)) {
      if (!flushed_) {
        flushed_ = true;
        char* o = out_.get();
        std::size_t oleft = kOutBytes;
        ::iconv(cd, nullptr, nullptr, &o, &oleft);
        out_end_ = static_cast<std::size_t>(o - out_.get());
      }
      return out_end_ > 0;
    }
    char* in = raw_.get() + raw_pos_;
    std::size_t inleft = raw_end_ - raw_pos_;
    char* o = out_.get();
    // One byte stays free for the marker of an invalid sequence.
    std::size_t oleft = kOutBytes - 1;
    const std::size_t rc = ::iconv(cd, &in, &inleft, &o, &oleft);
    const int err = errno;
    raw_pos_ = static_cast<std::size_t>(in - raw_.get());
    out_end_ = static_cast<std::size_t>(o - out_.get());
    if (rc != static_cast<std::size_t>(-1) || err == E2BIG) continue;
    if (err == EILSEQ) {
      skip_invalid(std::min(unit_bytes(from_), raw_end_ - raw_pos_));
    } else if (err == EINVAL) {
      // A sequence cut by the end of the raw buffer: read on, unless the file ends there.
      if (out_end_ == 0 && !read_more(read)) skip_invalid(raw_end_ - raw_pos_);
    } else {
      throw singer::Error(singer::Location{}, "cannot read {}: {}", encoding_name(from_), std::strerror(err));
    }
  }
  return true;
}

}  // namespace tap_csv
