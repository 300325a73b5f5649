// The owned Json value, its parser (simdjson On-Demand, numbers kept as literals),
// the JSON string escaper and the streaming writer.
#include "singer/json.hpp"

#include <simdjson.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <cstring>

#include "json_number.hpp"
#include "json_syntax.hpp"
#include "singer/simdjson_errors.hpp"

namespace singer {

namespace od = simdjson::ondemand;

Json::Json(std::int64_t i) : type_(Type::Number), text_(fmt::format("{}", i)) {}

Json::Json(double d) : type_(Type::Number) {
  if (!std::isfinite(d)) {
    type_ = Type::Null;
    return;
  }
  append_json_double(text_, d);
}

Json Json::number_literal(std::string_view text) {
  Json j(Type::Number);
  j.text_ = std::string(text);
  return j;
}

bool Json::is_integer() const noexcept {
  if (type_ != Type::Number) return false;
  return text_.find_first_of(".eE") == std::string::npos;
}

std::optional<std::int64_t> Json::as_int() const noexcept {
  if (!is_integer()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || p != text_.data() + text_.size()) return std::nullopt;
  return v;
}

double Json::as_double() const noexcept {
  if (type_ != Type::Number) return 0.0;
  // strtod, unlike from_chars, gives +-inf / 0 for literals beyond double's range.
  return std::strtod(text_.c_str(), nullptr);
}

void Json::push_back(Json value) {
  if (type_ == Type::Null) type_ = Type::Array;
  items_.push_back(std::move(value));
}

const Json* Json::find(std::string_view key) const noexcept {
  if (type_ != Type::Object) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

Json* Json::find(std::string_view key) noexcept {
  return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

Json& Json::set(std::string_view key, Json value) {
  if (type_ == Type::Null) type_ = Type::Object;
  if (type_ != Type::Object) throw std::logic_error("Json::set on a value that is not an object");
  if (Json* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  keys_.emplace_back(key);
  items_.push_back(std::move(value));
  return items_.back();
}

Json& Json::operator[](std::string_view key) {
  if (type_ == Type::Null) type_ = Type::Object;
  if (type_ != Type::Object) throw std::logic_error("Json::operator[] on a value that is not an object");
  if (Json* existing = find(key)) return *existing;
  return set(key, Json());
}

bool Json::erase(std::string_view key) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

bool Json::operator==(const Json& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::Null: return true;
    case Type::Bool: return bool_ == other.bool_;
    case Type::Number:
      if (text_ == other.text_) return true;
      if (is_integer() && other.is_integer()) return false;  // integer literals are canonical
      // Decimals compare by value; beyond double's range only the same text is equal.
      return std::isfinite(as_double()) && as_double() == other.as_double();
    case Type::String: return text_ == other.text_;
    case Type::Array: return items_ == other.items_;
    case Type::Object:
      if (keys_.size() != other.keys_.size()) return false;
      for (size_t i = 0; i < keys_.size(); ++i) {
        const Json* o = other.find(keys_[i]);
        if (!o || !(*o == items_[i])) return false;
      }
      return true;
  }
  return false;
}

// ---- parsing -------------------------------------------------------------------

namespace {

[[noreturn]] void fail(const Location& where, simdjson::error_code code) {
  throw Error(where, "invalid JSON: {}", describe_json_error(code));
}

Json from_value(od::value value, const Location& where, int depth);

Json from_scalar_token(od::json_type type, std::string_view token, const Location& where) {
  token = detail::trim_json_token(token);
  switch (type) {
    case od::json_type::number: {
      bool frac = false;
      if (!detail::scan_json_number(token, frac)) fail(where, simdjson::NUMBER_ERROR);
      return Json::number_literal(token);
    }
    case od::json_type::boolean:
      if (token == "true") return Json(true);
      if (token == "false") return Json(false);
      fail(where, simdjson::T_ATOM_ERROR);
    case od::json_type::null:
      if (token == "null") return Json();
      fail(where, simdjson::N_ATOM_ERROR);
    default:
      fail(where, simdjson::TAPE_ERROR);
  }
}

Json from_value(od::value value, const Location& where, int depth) {
  if (depth > 512) fail(where, simdjson::DEPTH_ERROR);
  od::json_type type;
  if (auto e = value.type().get(type)) fail(where, e);
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = value.get_object().get(object)) fail(where, e);
      Json out = Json::object();
      for (auto field : object) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) fail(where, e);
        std::string k(key);
        out.set(k, from_value(field.value(), where, depth + 1));
      }
      return out;
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = value.get_array().get(array)) fail(where, e);
      Json out = Json::array();
      for (auto item : array) {
        od::value v;
        if (auto e = item.get(v)) fail(where, e);
        out.push_back(from_value(v, where, depth + 1));
      }
      return out;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = value.get_string().get(s)) fail(where, e);
      return Json(std::string(s));
    }
    default:
      return from_scalar_token(type, value.raw_json_token(), where);
  }
}

Json parse_document(std::string_view text, const Location& where);

}  // namespace

Json Json::parse(std::string_view text, const Location& where) {
  try {
    return parse_document(text, where);
  } catch (const Error&) {
    // A text on a line of its own (where.line set) may be a fragment of that line:
    // only its reader can say where the byte is, so only whole texts get a position.
    if (where.line > 0) throw;
    auto syntax = detail::find_json_syntax_error(text);
    if (!syntax) throw;
    if (syntax->what == "empty document") throw Error(where, "invalid JSON: empty document");
    if (where.file.empty()) {
      throw Error(where, "invalid JSON: {} at byte {}", syntax->what, syntax->offset + 1);
    }
    throw Error(where, "invalid JSON: {} at {}", syntax->what,
                detail::line_and_column(text, syntax->offset));
  }
}

namespace {

Json parse_document(std::string_view text, const Location& where) {
  static thread_local od::parser parser;
  simdjson::padded_string padded(text);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) fail(where, e);
  Json out;
  bool scalar = false;
  if (auto e = doc.is_scalar().get(scalar)) fail(where, e);
  if (scalar) {
    od::json_type type;
    if (auto e = doc.type().get(type)) fail(where, e);
    std::string_view token;
    if (auto e = doc.raw_json_token().get(token)) fail(where, e);
    // A lone scalar's token runs to the end of the input; a shorter one means more
    // tokens follow ("1 2").
    if (token.data() + token.size() != padded.data() + padded.size()) {
      fail(where, simdjson::TRAILING_CONTENT);
    }
    if (type == od::json_type::string) {
      std::string_view s;
      if (auto e = doc.get_string().get(s)) fail(where, e);
      out = Json(std::string(s));
    } else {
      out = from_scalar_token(type, token, where);
    }
  } else {
    od::value root;
    if (auto e = doc.get_value().get(root)) fail(where, e);
    out = from_value(root, where, 0);
  }
  // This simdjson has no document::at_end(): measure the value and look past it.
  if (!scalar) {
    doc.rewind();
    std::string_view span;
    if (auto e = doc.raw_json().get(span)) fail(where, e);
    size_t end = static_cast<size_t>(span.data() - padded.data()) + span.size();
    if (!detail::trim_json_token(std::string_view(padded.data() + end, padded.size() - end)).empty()) {
      fail(where, simdjson::TRAILING_CONTENT);
    }
  }
  return out;
}

}  // namespace

// ---- writing -------------------------------------------------------------------

namespace {

// 0 = copy as is; 1 = needs escaping; 2 = start of a multi-byte sequence.
constexpr unsigned char kPlain = 0, kEscape = 1, kHigh = 2;
struct ByteClass {
  unsigned char table[256];
  constexpr ByteClass() : table() {
    for (int c = 0; c < 256; ++c) {
      table[c] = c < 0x20 || c == '"' || c == '\\' ? kEscape : c >= 0x80 ? kHigh : kPlain;
    }
  }
};
constexpr ByteClass kByteClass;

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8_sequence(const unsigned char* s, size_t i, size_t n) noexcept {
  unsigned char c = s[i];
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && s[i + 1] < 0xA0) return 0;  // overlong
    if (c == 0xED && s[i + 1] > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && s[i + 1] < 0x90) return 0;
    if (c == 0xF4 && s[i + 1] > 0x8F) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  for (size_t i = 0; i < n;) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = utf8_sequence(s, i, n);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

namespace {

#ifdef __SSE2__
// The bytes of x that are not plain ASCII (a control byte, '"', '\\' or a byte >= 0x80)
// as a bit mask: as signed bytes, control bytes and bytes >= 0x80 are all below 0x20.
inline unsigned special_bytes(__m128i x) noexcept {
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  return static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmplt_epi8(x, space), _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)))));
}
#endif

// Escapes the characters of s (n bytes) that start in [i, stop) to p, and moves i past
// them (a character that starts before stop may end after it). p needs room for
// 6 * (stop - i) + 32 bytes: no byte turns into more than six, and whole blocks of
// sixteen are stored at once.
template <bool kTrusted>
char* escape_into(char* p, const unsigned char* s, size_t& i, size_t stop, size_t n, bool& valid) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  while (i < stop) {
#ifdef __SSE2__
    // Plain bytes sixteen at a time.
    if (i + 16 <= stop) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), x);
      const unsigned mask = special_bytes(x);
      if (!mask) {
        p += 16;
        i += 16;
        continue;
      }
      const unsigned plain = static_cast<unsigned>(__builtin_ctz(mask));
      p += plain;
      i += plain;
    } else {
      // The last 1-15 bytes: two overlapping loads of 8 (or 4) bytes, nothing read past
      // the end of s, and their masks put back in place.
      const size_t r = stop - i;
      unsigned mask;
      if (r >= 8) {
        std::uint64_t lo, hi;
        std::memcpy(&lo, s + i, 8);
        std::memcpy(&hi, s + stop - 8, 8);
        std::memcpy(p, &lo, 8);
        std::memcpy(p + r - 8, &hi, 8);
        const unsigned m = special_bytes(_mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo)));
        mask = (m & 0xFFu) | ((m >> 8) << (r - 8));
      } else if (r >= 4) {
        std::uint32_t lo, hi;
        std::memcpy(&lo, s + i, 4);
        std::memcpy(&hi, s + stop - 4, 4);
        std::memcpy(p, &lo, 4);
        std::memcpy(p + r - 4, &hi, 4);
        const unsigned m = special_bytes(_mm_set_epi32(0, 0, static_cast<int>(hi), static_cast<int>(lo)));
        mask = (m & 0xFu) | (((m >> 4) & 0xFu) << (r - 4));
      } else {
        const std::uint32_t v = s[i] | (r > 1 ? std::uint32_t{s[i + 1]} << 8 : 0u) | (r > 2 ? std::uint32_t{s[i + 2]} << 16 : 0u);
        std::memcpy(p, &v, 4);
        mask = special_bytes(_mm_cvtsi32_si128(static_cast<int>(v))) & ((1u << r) - 1);
      }
      if (!mask) {
        p += r;
        i = stop;
        break;
      }
      const unsigned plain = static_cast<unsigned>(__builtin_ctz(mask));
      p += plain;
      i += plain;
    }
#else
    if (kByteClass.table[s[i]] == kPlain) {
      *p++ = static_cast<char>(s[i++]);
      continue;
    }
#endif
    const unsigned char c = s[i];
    if (c >= 0x80) {
      // Multi-byte UTF-8 is copied, unless invalid (U+FFFD) or U+2028/U+2029, which are
      // legal JSON but end lines in JavaScript.
      const size_t len = kTrusted ? (c != 0xE2 ? 1 : i + 2 < n ? 3 : n - i) : utf8_sequence(s, i, n);
      if (len == 0) {
        valid = false;
        std::memcpy(p, "\xEF\xBF\xBD", 3);
        p += 3;
        ++i;
      } else if (len == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
        std::memcpy(p, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
        p += 6;
        i += 3;
      } else {
        std::memcpy(p, s + i, len);
        p += len;
        i += len;
      }
      continue;
    }
    p[0] = '\\';
    switch (c) {
      case '"': p[1] = '"'; break;
      case '\\': p[1] = '\\'; break;
      case '\n': p[1] = 'n'; break;
      case '\r': p[1] = 'r'; break;
      case '\t': p[1] = 't'; break;
      case '\b': p[1] = 'b'; break;
      case '\f': p[1] = 'f'; break;
      default:
        std::memcpy(p, "\\u00", 4);
        p[4] = kHex[c >> 4];
        p[5] = kHex[c & 15];
        p += 4;
    }
    p += 2;
    ++i;
  }
  return p;
}

// Text is escaped in slices, so that the room reserved (six times the input) stays small
// for large values.
constexpr size_t kSliceBytes = 16 * 1024;

template <bool kTrusted>
bool append_escaped(std::string& out, std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  bool valid = true;
  size_t used = out.size();
  out.resize(used + 1 + 6 * std::min(n, kSliceBytes) + 32 + 1);
  out[used++] = '"';
  for (size_t i = 0;;) {
    const size_t stop = std::min(n, i + kSliceBytes);
    char* end = escape_into<kTrusted>(out.data() + used, s, i, stop, n, valid);
    used = static_cast<size_t>(end - out.data());
    if (i >= n) break;
    out.resize(used + 6 * std::min(n - i, kSliceBytes) + 32 + 1);
  }
  out[used++] = '"';
  out.resize(used);
  return valid;
}

}  // namespace

bool append_json_string(std::string& out, std::string_view text) { return append_escaped<false>(out, text); }

void append_trusted_json_string(std::string& out, std::string_view text) { append_escaped<true>(out, text); }

namespace {

// The shortest round-trip text of d when it has few decimals (prices, coordinates,
// ratios: most real data), as std::to_chars(buf, end, d) writes it, at a fraction of the
// cost; nullptr when d is not of that kind (to_chars then does the work).
//
// d is m / 10^k for the smallest k (0-17) for which an integer m < 2^52 gives back d:
// m and 10^k are exact doubles and IEEE division rounds m / 10^k to the nearest double,
// as reading the text "m e-k" does, so the text reads back as d. Below 2^52 no other m
// does so for the same k, and no text with fewer digits does for a smaller k: this is
// the shortest text, the one to_chars writes. Only the shapes where to_chars prefers
// the plain form over the exponent form are taken (it writes the shorter, the plain one
// on a tie).
char* short_decimal(double d, char* buf) noexcept {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                      1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
  constexpr double kMaxMantissa = 4503599627370496.0;  // 2^52
  const double a = std::fabs(d);
  if (!(a >= 1e-7) || !(a < kMaxMantissa)) return nullptr;
  int k = 0;
  std::uint64_t m = 0;
  for (;; ++k) {
    if (k == 18) return nullptr;
    const double scaled = a * kPow10[k];
    if (scaled >= kMaxMantissa) return nullptr;
    m = static_cast<std::uint64_t>(scaled + 0.5);
    if (static_cast<double>(m) / kPow10[k] == a) break;
  }
  char digits[24];
  const int len = static_cast<int>(std::to_chars(digits, digits + sizeof digits, m).ptr - digits);
  if (k == 0) {
    if (digits[len - 1] == '0') return nullptr;  // 1000 is "1e+03" in to_chars
  } else if (len <= k) {
    // 0.000908: "0." and k digits, against s digits "d.ddde-XX" (s + 4, + 1 when s > 1).
    if (2 + k > len + 4 + (len > 1 ? 1 : 0)) return nullptr;
  }
  char* p = buf;
  if (d < 0) *p++ = '-';
  if (k == 0) {
    std::memcpy(p, digits, static_cast<size_t>(len));
    return p + len;
  }
  if (len <= k) {
    *p++ = '0';
    *p++ = '.';
    std::memset(p, '0', static_cast<size_t>(k - len));
    p += k - len;
    std::memcpy(p, digits, static_cast<size_t>(len));
    return p + len;
  }
  std::memcpy(p, digits, static_cast<size_t>(len - k));
  p += len - k;
  *p++ = '.';
  std::memcpy(p, digits + (len - k), static_cast<size_t>(k));
  return p + k;
}

}  // namespace

char* write_json_double(char* p, double d) noexcept {
  if (!std::isfinite(d)) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  char* end = short_decimal(d, p);
  return end ? end : std::to_chars(p, p + kJsonDoubleRoom, d).ptr;
}

void append_json_double(std::string& out, double d) {
  char buf[kJsonDoubleRoom];
  out.append(buf, write_json_double(buf, d));
}

char* write_json_string(char* p, std::string_view s, bool& valid) noexcept {
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  *p++ = '"';
  p = escape_into<false>(p, bytes, i, s.size(), s.size(), valid);
  *p++ = '"';
  return p;
}

void JsonWriter::begin_object() {
  separate();
  out_->push_back('{');
  need_comma_ = false;
}
void JsonWriter::end_object() {
  out_->push_back('}');
  need_comma_ = true;
}
void JsonWriter::begin_array() {
  separate();
  out_->push_back('[');
  need_comma_ = false;
}
void JsonWriter::end_array() {
  out_->push_back(']');
  need_comma_ = true;
}
void JsonWriter::key(std::string_view name) {
  if (need_comma_) out_->push_back(',');
  if (!append_json_string(*out_, name)) throw Error({}, "invalid UTF-8 in key");
  out_->push_back(':');
  need_comma_ = false;
}
void JsonWriter::string(std::string_view s) {
  separate();
  if (!append_json_string(*out_, s)) throw Error({}, "invalid UTF-8 in string");
}
void JsonWriter::trusted_string(std::string_view s) {
  separate();
  append_trusted_json_string(*out_, s);
}
void JsonWriter::integer(std::int64_t i) {
  separate();
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, i);
  (void)ec;
  out_->append(buf, p);
}
void JsonWriter::number(double d) {
  separate();
  append_json_double(*out_, d);
}
void JsonWriter::number_literal(std::string_view text) {
  separate();
  out_->append(text);
}
void JsonWriter::boolean(bool b) {
  separate();
  *out_ += b ? "true" : "false";
}
void JsonWriter::null() {
  separate();
  *out_ += "null";
}
void JsonWriter::raw(std::string_view json) {
  separate();
  out_->append(json);
}

void JsonWriter::value(const Json& v) {
  switch (v.type()) {
    case Json::Type::Null: null(); break;
    case Json::Type::Bool: boolean(v.as_bool()); break;
    case Json::Type::Number: number_literal(v.number_text()); break;
    case Json::Type::String: string(v.as_string()); break;
    case Json::Type::Array:
      begin_array();
      for (const Json& item : v.items()) value(item);
      end_array();
      break;
    case Json::Type::Object:
      begin_object();
      for (size_t i = 0; i < v.size(); ++i) {
        key(v.key(i));
        value(v.items()[i]);
      }
      end_object();
      break;
  }
}

std::string Json::dump() const {
  std::string out;
  JsonWriter writer(out);
  writer.value(*this);
  return out;
}

namespace {
void dump_pretty_to(const Json& v, std::string& out, int indent, int depth) {
  auto newline = [&](int d) {
    out.push_back('\n');
    out.append(static_cast<size_t>(indent * d), ' ');
  };
  if (v.is_array() && v.size() > 0) {
    out.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out.push_back(',');
      newline(depth + 1);
      dump_pretty_to(v.items()[i], out, indent, depth + 1);
    }
    newline(depth);
    out.push_back(']');
  } else if (v.is_object() && v.size() > 0) {
    out.push_back('{');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out.push_back(',');
      newline(depth + 1);
      append_json_string(out, v.key(i));
      out += ": ";
      dump_pretty_to(v.items()[i], out, indent, depth + 1);
    }
    newline(depth);
    out.push_back('}');
  } else {
    out += v.dump();
  }
}
}  // namespace

std::string Json::dump_pretty(int indent) const {
  std::string out;
  dump_pretty_to(*this, out, indent, 0);
  return out;
}

// ---- numbers people write -----------------------------------------------------

std::size_t write_json_number(std::string_view text, char* out) noexcept {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const std::size_t n = text.size();
  std::size_t i = 0;
  char* d = out;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    if (text[i] == '-') *d++ = '-';
    ++i;
  }
  const std::size_t int_start = i;
  while (i < n && digit(text[i])) ++i;
  std::string_view int_part = text.substr(int_start, i - int_start);
  std::string_view fraction;
  bool point = false;
  if (i < n && text[i] == '.') {
    point = true;
    const std::size_t start = ++i;
    while (i < n && digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
  }
  if (int_part.empty() && fraction.empty()) return 0;
  std::string_view exponent;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    const std::size_t start = i++;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t digits = i;
    while (i < n && digit(text[i])) ++i;
    if (i == digits) return 0;
    exponent = text.substr(start, i - start);
  }
  if (i != n) return 0;
  // JSON wants one digit before the point and no leading zeros: "007" -> "7", ".5" -> "0.5".
  while (int_part.size() > 1 && int_part.front() == '0') int_part.remove_prefix(1);
  if (int_part.empty()) int_part = "0";
  std::memcpy(d, int_part.data(), int_part.size());
  d += int_part.size();
  if (point) {
    *d++ = '.';
    // "5." -> "5.0": a digit after the point keeps it a decimal, as Python's float("5.") is.
    if (fraction.empty()) fraction = "0";
    std::memcpy(d, fraction.data(), fraction.size());
    d += fraction.size();
  }
  if (!exponent.empty()) std::memcpy(d, exponent.data(), exponent.size());  // an empty view's data() may be null
  d += exponent.size();
  return static_cast<std::size_t>(d - out);
}

std::optional<std::string> json_number_from_text(std::string_view text) {
  std::string out(text.size() + 1, '\0');
  const std::size_t written = write_json_number(text, out.data());
  if (written == 0) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace singer
