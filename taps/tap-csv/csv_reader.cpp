// RFC 4180 parsing over a refillable buffer. A record that runs past the end of the
// buffer is parsed again from its start after the refill, which keeps the state
// machine simple; with 1 MiB reads that costs one partial record per MiB. Fields are
// found 16 or 32 bytes at a time (SSE2, AVX2), which also tells which fields need JSON escaping.
#include "csv_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "singer/json.hpp"

namespace tap_csv {

using singer::Error;
using singer::Location;

namespace {

// Block loads may read this far past the end of the data.
constexpr std::size_t kPadding = 64;

// Finds the first of four stop bytes, and notes whether a byte before it needs JSON
// escaping or a UTF-8 check: '"', '\\', control characters, bytes >= 0x80. Works on
// 32-byte blocks, with AVX2 when the build enables it (SINGER_SIMD), else SSE2, else
// byte by byte; the last block's masks are kept, so the fields that follow in the
// same block cost no new load.
class Scanner {
 public:
  using Cache = detail::BlockCache;
  static constexpr std::size_t kBlock = 32;

  Scanner(char a, char b, char c, char d) noexcept {
#if defined(__AVX2__)
    a_ = _mm256_set1_epi8(a);
    b_ = _mm256_set1_epi8(b);
    c_ = _mm256_set1_epi8(c);
    d_ = _mm256_set1_epi8(d);
#elif defined(__SSE2__)
    a_ = _mm_set1_epi8(a);
    b_ = _mm_set1_epi8(b);
    c_ = _mm_set1_epi8(c);
    d_ = _mm_set1_epi8(d);
#else
    for (char s : {a, b, c, d}) stop_[static_cast<unsigned char>(s)] = true;
#endif
  }

  const unsigned char* find(const unsigned char* p, const unsigned char* end, bool& special,
                            Cache& cache) const noexcept {
    if (cache.block != nullptr && p >= cache.block && p < cache.block + kBlock) {
      const std::uint32_t from_p = ~std::uint32_t{0} << (p - cache.block);
      if (const std::uint32_t stops = cache.stops & from_p) return found(cache.block, stops, cache.specials & from_p, special);
      if (cache.specials & from_p) special = true;
      p = cache.block + kBlock;
    }
    for (; p < end; p += kBlock) {
      std::uint32_t stops = 0, specials = 0;
      masks(p, stops, specials);
      if (const auto left = static_cast<std::size_t>(end - p); left < kBlock) {
        const std::uint32_t valid = (std::uint32_t{1} << left) - 1;
        stops &= valid;
        specials &= valid;
      }
      cache = Cache{p, stops, specials};
      if (stops != 0) return found(p, stops, specials, special);
      if (specials != 0) special = true;
    }
    return end;
  }

 private:
  static const unsigned char* found(const unsigned char* block, std::uint32_t stops, std::uint32_t specials,
                                    bool& special) noexcept {
    const auto at = static_cast<unsigned>(__builtin_ctz(stops));
    if (specials & ((std::uint32_t{1} << at) - 1)) special = true;
    return block + at;
  }

  // Bit i of stops/specials: byte p[i] is a stop byte / needs attention.
  void masks(const unsigned char* p, std::uint32_t& stops, std::uint32_t& specials) const noexcept {
#if defined(__AVX2__)
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    stops = static_cast<std::uint32_t>(_mm256_movemask_epi8(
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, a_), _mm256_cmpeq_epi8(v, b_)),
                        _mm256_or_si256(_mm256_cmpeq_epi8(v, c_), _mm256_cmpeq_epi8(v, d_)))));
    // Signed: bytes >= 0x80 are negative, so "< 0x20" also catches them.
    specials = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))),
        _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v))));
#elif defined(__SSE2__)
    stops = specials = 0;
    for (int half = 0; half < 2; ++half) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * half));
      auto s = static_cast<std::uint32_t>(_mm_movemask_epi8(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, a_), _mm_cmpeq_epi8(v, b_)),
                       _mm_or_si128(_mm_cmpeq_epi8(v, c_), _mm_cmpeq_epi8(v, d_)))));
      auto x = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
          _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)))));
      stops |= s << (16 * half);
      specials |= x << (16 * half);
    }
#else
    stops = specials = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
      const unsigned char c = p[i];
      if (stop_[c]) stops |= std::uint32_t{1} << i;
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') specials |= std::uint32_t{1} << i;
    }
#endif
  }

#if defined(__AVX2__)
  __m256i a_, b_, c_, d_;
#elif defined(__SSE2__)
  __m128i a_, b_, c_, d_;
#else
  bool stop_[256] = {};
#endif
};

}  // namespace

CsvReader::CsvReader(std::string path, CsvDialect dialect, std::string stream, std::size_t buffer_bytes,
                     int fd, std::string text)
    : path_(std::move(path)),
      stream_(std::move(stream)),
      dialect_(dialect),
      fd_(fd),
      text_(std::move(text)) {
  allocate(std::max<std::size_t>(buffer_bytes, 1));
}

void CsvReader::allocate(std::size_t capacity) {
  // Zeroed, so loads that reach past the data read defined bytes.
  std::unique_ptr<char[]> fresh(new char[capacity + kPadding]());
  if (buffer_) std::memcpy(fresh.get(), buffer_.get(), end_);
  buffer_ = std::move(fresh);
  capacity_ = capacity;
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
      bom_decided_(other.bom_decided_),
      buffer_offset_(other.buffer_offset_),
      transcoder_(std::move(other.transcoder_)),
      field_names_(other.field_names_),
      line_(other.line_),
      record_line_(other.record_line_),
      fields_(std::move(other.fields_)),
      plain_(std::move(other.plain_)),
      unquoted_cache_(other.unquoted_cache_),
      quoted_cache_(other.quoted_cache_),
      doubled_(std::move(other.doubled_)),
      first_quoted_(other.first_quoted_) {}

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
  unquoted_cache_ = quoted_cache_ = detail::BlockCache{};  // the bytes are about to move or grow
  if (pos_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
    end_ -= pos_;
    buffer_offset_ += static_cast<std::int64_t>(pos_);
    pos_ = 0;
  }
  if (end_ == capacity_) {
    // One record is larger than the buffer (a huge quoted field): grow, don't fail.
    allocate(capacity_ * 2);
  }
  const std::size_t room = capacity_ - end_;
  char* const into = buffer_.get() + end_;
  const std::size_t got =
      transcoder_ ? transcoder_->fill(into, room, [this](char* out, std::size_t n) { return read_raw(out, n); })
                  : read_raw(into, room);
  end_ += got;
  if (got == 0) eof_ = true;
}

std::size_t CsvReader::read_raw(char* out, std::size_t room) {
  if (fd_ < 0) {
    const std::size_t got = std::min(room, text_.size() - text_pos_);
    std::memcpy(out, text_.data() + text_pos_, got);
    text_pos_ += got;
    return got;
  }
  for (;;) {
    ssize_t n = ::read(fd_, out, room);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) throw Error(Location{path_, 0, stream_}, "cannot read: {}", std::strerror(errno));
  }
}

// From here on the bytes not yet parsed are raw input of the transcoder, which puts
// UTF-8 in their place.
void CsvReader::start_decoding(Encoding encoding) {
  try {
    transcoder_ = std::make_unique<Transcoder>(encoding, std::string_view(buffer_.get() + pos_, end_ - pos_),
                                               buffer_offset_ + static_cast<std::int64_t>(pos_));
  } catch (const Error& e) {
    throw Error(Location{path_, 0, stream_}, "{}", e.detail());  // iconv lacks the encoding
  }
  end_ = pos_;
  eof_ = false;
}

std::string CsvReader::field_label(std::size_t i) const {
  if (field_names_ && i < field_names_->size()) return fmt::format("field '{}'", (*field_names_)[i]);
  return fmt::format("field {}", i + 1);
}

void CsvReader::fail_nul(std::int64_t line) const {
  // UTF-16 text without a BOM has a NUL byte next to every ASCII character.
  if (transcoder_ || line > 1) throw Error(Location{path_, line, stream_}, "NUL byte in input");
  throw Error(Location{path_, line, stream_},
              "NUL byte in input (if the file is UTF-16 without a byte order mark, set 'encoding' to "
              "\"utf-16le\" or \"utf-16be\" in the config)");
}

namespace {

// Where the first invalid UTF-8 sequence of s starts; s.size() when there is none.
std::size_t first_invalid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return i;
    }
    if (s.size() - i < len) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return s.size();
}

}  // namespace

// Called before "" pairs collapse, so a field's bytes still sit where the file had them.
void CsvReader::fail_encoding(std::size_t field) const {
  if (transcoder_) {
    const Encoding encoding = transcoder_->encoding();
    throw Error(location(), "{}: invalid {} at byte {}{}", field_label(field), encoding_name(encoding),
                transcoder_->first_invalid().value_or(0),
                bom_decided_ ? "" : " (check 'encoding' in the config)");
  }
  const std::string_view f = fields_[field];
  const std::int64_t offset =
      buffer_offset_ + (f.data() - buffer_.get()) + static_cast<std::int64_t>(first_invalid_utf8(f));
  throw Error(location(),
              "{}: invalid UTF-8 at byte {} (set 'encoding' in the config if the file is not UTF-8, e.g. "
              "\"windows-1252\")",
              field_label(field), offset);
}

CsvReader::Step CsvReader::parse_record() {
  if (!bom_checked_) {
    if (end_ - pos_ < 3 && !eof_) return Step::NeedMore;
    bom_checked_ = true;
    const std::size_t have = end_ - pos_;
    const char* b = buffer_.get() + pos_;
    Encoding encoding = dialect_.encoding;
    if (have >= 3 && std::memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
      encoding = Encoding::Utf8;
      pos_ += 3;
      bom_decided_ = true;
    } else if (have >= 2 && (std::memcmp(b, "\xFF\xFE", 2) == 0 || std::memcmp(b, "\xFE\xFF", 2) == 0)) {
      encoding = b[0] == '\xFF' ? Encoding::Utf16Le : Encoding::Utf16Be;
      pos_ += 2;
      bom_decided_ = true;
    }
    if (encoding != Encoding::Utf8) {
      start_decoding(encoding);
      return Step::NeedMore;
    }
  }
  const auto* const base = reinterpret_cast<const unsigned char*>(buffer_.get());
  const unsigned char* p = base + pos_;
  const unsigned char* const end = base + end_;
  if (p == end) return eof_ ? Step::End : Step::NeedMore;

  const auto delimiter = static_cast<unsigned char>(dialect_.delimiter);
  const auto quote = static_cast<unsigned char>(dialect_.quote);
  const Scanner unquoted(dialect_.delimiter, '\n', '\r', '\0');
  const Scanner quoted(dialect_.quote, '\n', '\0', '\0');
  std::int64_t line = line_;
  fields_.clear();
  plain_.clear();
  doubled_.clear();
  first_quoted_ = false;
  record_line_ = line;

  bool any_special = false;
  auto add_field = [&](const unsigned char* from, const unsigned char* to, bool special) {
    fields_.emplace_back(reinterpret_cast<const char*>(from), static_cast<std::size_t>(to - from));
    plain_.push_back(special ? 0 : 1);
    any_special |= special;
  };

  for (;;) {
    // p is at the start of a field.
    if (p == end) {
      if (!eof_) return Step::NeedMore;
      add_field(p, p, false);  // "a," at the end of the input ends with an empty field
      break;
    }
    bool special = false;
    if (*p == quote) {
      if (fields_.empty()) first_quoted_ = true;
      const std::int64_t quote_line = line;
      const unsigned char* start = ++p;
      bool doubled = false;
      for (;;) {
        p = quoted.find(p, end, special, quoted_cache_);
        if (p == end) {
          if (!eof_) return Step::NeedMore;
          throw Error(Location{path_, record_line_, stream_}, "unterminated quoted field starting at line {}",
                      quote_line);
        }
        if (*p == '\n') {
          special = true;
          ++line;
          ++p;
        } else if (*p == '\0') {
          fail_nul(line);
        } else if (p + 1 == end && !eof_) {
          return Step::NeedMore;  // a quote at the end of the buffer: "" or the closing one?
        } else if (p + 1 < end && p[1] == quote) {
          doubled = special = true;
          p += 2;
        } else {
          break;
        }
      }
      if (doubled) doubled_.push_back(static_cast<std::uint32_t>(fields_.size()));
      add_field(start, p, special);
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
                  "{}: text after the closing quote (a quote inside a quoted field is written twice)",
                  field_label(fields_.size() - 1));
    }
    // Unquoted: a quote here is an ordinary character, as in Python's csv module.
    const unsigned char* start = p;
    p = unquoted.find(p, end, special, unquoted_cache_);
    if (p == end && !eof_) return Step::NeedMore;
    add_field(start, p, special);
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
  record_bytes_ = static_cast<std::size_t>(p - (base + pos_));
  pos_ = static_cast<std::size_t>(p - base);
  line_ = line;
  if (any_special) finish_record();
  return Step::Record;
}

void CsvReader::finish_record() {
  // Only fields with bytes >= 0x80 can be invalid UTF-8, and those are never plain.
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (!plain_[i] && !singer::is_valid_utf8(fields_[i])) fail_encoding(i);
  }
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
}

}  // namespace tap_csv
