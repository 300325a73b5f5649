// RFC 4180 parsing over a refillable buffer. A record that runs past the end of the
// buffer is parsed again from its start after the refill, which keeps the state
// machine simple; with 1 MiB reads that costs one partial record per MiB. Fields are
// found 16 bytes at a time (SSE2), which also tells which fields need JSON escaping.
#include "csv_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "singer/json.hpp"

namespace tap_csv {

using singer::Error;
using singer::Location;

CsvReader::CsvReader(std::string path, CsvDialect dialect, std::string stream, std::size_t buffer_bytes,
                     int fd, std::string text)
    : path_(std::move(path)),
      stream_(std::move(stream)),
      dialect_(dialect),
      fd_(fd),
      text_(std::move(text)),
      buffer_(new char[std::max<std::size_t>(buffer_bytes, 1)]),
      capacity_(std::max<std::size_t>(buffer_bytes, 1)) {
  for (unsigned char c : {static_cast<unsigned char>(dialect_.delimiter), static_cast<unsigned char>('\n'),
                          static_cast<unsigned char>('\r'), static_cast<unsigned char>('\0')}) {
    stop_plain_[c] = true;
  }
  for (unsigned char c : {static_cast<unsigned char>(dialect_.quote), static_cast<unsigned char>('\n'),
                          static_cast<unsigned char>('\0')}) {
    stop_quoted_[c] = true;
  }
}

CsvReader::CsvReader(const std::string& path, CsvDialect dialect, std::string stream, std::size_t buffer_bytes)
    : CsvReader(path, dialect, std::move(stream), buffer_bytes, -1, {}) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(Location{path, 0, ""}, "cannot open: {}", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error(Location{path, 0, ""}, "cannot open: {}", std::strerror(EISDIR));
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

CsvReader CsvReader::from_string(std::string text, std::string name, CsvDialect dialect,
                                 std::size_t buffer_bytes) {
  return CsvReader(std::move(name), dialect, {}, buffer_bytes, -1, std::move(text));
}

CsvReader::CsvReader(CsvReader&& other) noexcept
    : path_(std::move(other.path_)),
      stream_(std::move(other.stream_)),
      dialect_(other.dialect_),
      fd_(std::exchange(other.fd_, -1)),
      text_(std::move(other.text_)),
      text_pos_(other.text_pos_),
      buffer_(std::move(other.buffer_)),
      capacity_(other.capacity_),
      pos_(other.pos_),
      end_(other.end_),
      eof_(other.eof_),
      bom_checked_(other.bom_checked_),
      line_(other.line_),
      record_line_(other.record_line_),
      fields_(std::move(other.fields_)),
      doubled_(std::move(other.doubled_)),
      first_quoted_(other.first_quoted_) {
  std::copy(std::begin(other.stop_plain_), std::end(other.stop_plain_), stop_plain_);
  std::copy(std::begin(other.stop_quoted_), std::end(other.stop_quoted_), stop_quoted_);
}

CsvReader::~CsvReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool CsvReader::next() {
  for (;;) {
    switch (parse_record()) {
      case Step::NeedMore:
        refill();
        break;
      case Step::End:
        return false;
      case Step::Record:
        // A blank line is one empty unquoted field; Singer tap-csv skips those too.
        if (fields_.size() == 1 && fields_[0].empty() && !first_quoted_) break;
        return true;
    }
  }
}

void CsvReader::refill() {
  if (pos_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == capacity_) {
    // One record is larger than the buffer (a huge quoted field): grow, don't fail.
    std::size_t grown = capacity_ * 2;
    std::unique_ptr<char[]> bigger(new char[grown]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  std::size_t room = capacity_ - end_;
  std::size_t got = 0;
  if (fd_ >= 0) {
    for (;;) {
      ssize_t n = ::read(fd_, buffer_.get() + end_, room);
      if (n >= 0) {
        got = static_cast<std::size_t>(n);
        break;
      }
      if (errno != EINTR) throw Error(Location{path_, 0, stream_}, "cannot read: {}", std::strerror(errno));
    }
  } else {
    got = std::min(room, text_.size() - text_pos_);
    std::memcpy(buffer_.get() + end_, text_.data() + text_pos_, got);
    text_pos_ += got;
  }
  end_ += got;
  if (got == 0) eof_ = true;
}

void CsvReader::fail_nul(std::int64_t line) const {
  throw Error(Location{path_, line, stream_}, "NUL byte in input");
}

CsvReader::Step CsvReader::parse_record() {
  if (!bom_checked_) {
    if (end_ - pos_ < 3 && !eof_) return Step::NeedMore;
    if (end_ - pos_ >= 3 && std::memcmp(buffer_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
    bom_checked_ = true;
  }
  const auto* const base = reinterpret_cast<const unsigned char*>(buffer_.get());
  const unsigned char* p = base + pos_;
  const unsigned char* const end = base + end_;
  if (p == end) return eof_ ? Step::End : Step::NeedMore;

  const auto delimiter = static_cast<unsigned char>(dialect_.delimiter);
  const auto quote = static_cast<unsigned char>(dialect_.quote);
  std::int64_t line = line_;
  unsigned char high = 0;  // OR of every byte: bit 7 set means the record needs a UTF-8 check
  fields_.clear();
  doubled_.clear();
  first_quoted_ = false;
  record_line_ = line;

  auto add_field = [&](const unsigned char* from, const unsigned char* to) {
    fields_.emplace_back(reinterpret_cast<const char*>(from), static_cast<std::size_t>(to - from));
  };

  for (;;) {
    // p is at the start of a field.
    if (p == end) {
      if (!eof_) return Step::NeedMore;
      add_field(p, p);  // "a," at the end of the input ends with an empty field
      break;
    }
    if (*p == quote) {
      if (fields_.empty()) first_quoted_ = true;
      const std::int64_t quote_line = line;
      const unsigned char* start = ++p;
      bool doubled = false;
      for (;;) {
        while (p < end && !stop_quoted_[*p]) high |= *p++;
        if (p == end) {
          if (!eof_) return Step::NeedMore;
          throw Error(Location{path_, record_line_, stream_}, "unterminated quoted field starting at line {}",
                      quote_line);
        }
        if (*p == '\n') {
          ++line;
          ++p;
        } else if (*p == '\0') {
          fail_nul(line);
        } else if (p + 1 == end && !eof_) {
          return Step::NeedMore;  // a quote at the end of the buffer: "" or the closing one?
        } else if (p + 1 < end && p[1] == quote) {
          doubled = true;
          p += 2;
        } else {
          break;
        }
      }
      if (doubled) doubled_.push_back(static_cast<std::uint32_t>(fields_.size()));
      add_field(start, p);
      ++p;  // the closing quote
      if (p == end) {
        if (!eof_) return Step::NeedMore;
        break;
      }
      if (*p == delimiter) {
        ++p;
        continue;
      }
      if (*p == '\n' || *p == '\r') break;
      if (*p == '\0') fail_nul(line);
      throw Error(Location{path_, line, stream_},
                  "field {}: text after the closing quote (a quote inside a quoted field is written twice)",
                  fields_.size());
    }
    // Unquoted: a quote here is an ordinary character, as in Python's csv module.
    const unsigned char* start = p;
    while (p < end && !stop_plain_[*p]) high |= *p++;
    if (p == end && !eof_) return Step::NeedMore;
    add_field(start, p);
    if (p == end) break;
    if (*p == delimiter) {
      ++p;
      continue;
    }
    if (*p == '\0') fail_nul(line);
    break;  // '\n' or '\r'
  }

  // p is at the end of the input or at the record's line break: LF, CRLF or a lone CR.
  if (p < end) {
    if (*p == '\r') {
      if (p + 1 == end && !eof_) return Step::NeedMore;
      ++p;
      if (p < end && *p == '\n') ++p;
    } else {
      ++p;
    }
    ++line;
  }
  pos_ = static_cast<std::size_t>(p - base);
  line_ = line;
  finish_record(high);
  return Step::Record;
}

void CsvReader::finish_record(unsigned char high_bits) {
  // Collapse "" to " in place: the record is complete, so nothing parses these bytes again.
  for (std::uint32_t i : doubled_) {
    std::string_view f = fields_[i];
    char* out = buffer_.get() + (f.data() - buffer_.get());
    std::size_t w = 0;
    for (std::size_t r = 0; r < f.size(); ++r) {
      out[w++] = f[r];
      if (f[r] == dialect_.quote) ++r;
    }
    fields_[i] = std::string_view(out, w);
  }
  if (high_bits & 0x80) {
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (!singer::is_valid_utf8(fields_[i])) throw Error(location(), "invalid UTF-8 in field {}", i + 1);
    }
  }
}

}  // namespace tap_csv
