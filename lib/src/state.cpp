// Singer state: bookmarks per stream, currently_syncing, deep merge, and the ordering of
// replication-key values (exact numbers, date-times by instant) taps and targets share.
#include "file_text.hpp"
#include "singer/state.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "singer/error.hpp"

namespace singer {

namespace {

bool is_blank(std::string_view text) noexcept {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

void deep_merge(Json& into, const Json& from) {
  if (!into.is_object() || !from.is_object()) {
    into = from;
    return;
  }
  for (size_t i = 0; i < from.size(); ++i) {
    const std::string& key = from.key(i);
    const Json& value = from.items()[i];
    if (Json* existing = into.find(key); existing && existing->is_object() && value.is_object()) {
      deep_merge(*existing, value);
    } else {
      into.set(key, value);
    }
  }
}

// A JSON number literal as sign, significant digits and decimal exponent, so that
// value = sign * 0.digits * 10^exponent. Exact for any literal, however long.
struct Decimal {
  bool negative = false;
  std::string digits;  // no leading or trailing zeros; empty for zero
  std::int64_t exponent = 0;
};

constexpr std::int64_t kMaxExponent = std::int64_t{1} << 40;

std::optional<Decimal> parse_decimal(std::string_view text) {
  Decimal d;
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  std::string mantissa;
  std::int64_t point = -1;  // digits before the decimal point
  for (; i < n; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      mantissa.push_back(c);
    } else if (c == '.' && point < 0) {
      point = static_cast<std::int64_t>(mantissa.size());
    } else {
      break;
    }
  }
  if (mantissa.empty()) return std::nullopt;
  if (point < 0) point = static_cast<std::int64_t>(mantissa.size());
  std::int64_t exp10 = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (i >= n) return std::nullopt;
    for (; i < n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      // Saturate: exponents this large only order against each other approximately.
      if (exp10 < kMaxExponent) exp10 = exp10 * 10 + (text[i] - '0');
    }
    if (exp_negative) exp10 = -exp10;
  }
  if (i != n) return std::nullopt;
  size_t first = mantissa.find_first_not_of('0');
  if (first == std::string::npos) {
    d.negative = false;  // -0 == 0
    return d;
  }
  size_t last = mantissa.find_last_not_of('0');
  d.digits = mantissa.substr(first, last - first + 1);
  d.exponent = point - static_cast<std::int64_t>(first) + exp10;
  return d;
}

int sign_of(int c) noexcept { return (c > 0) - (c < 0); }

int compare_magnitude(const Decimal& a, const Decimal& b) {
  if (a.exponent != b.exponent) return a.exponent < b.exponent ? -1 : 1;
  // Without trailing zeros, a proper prefix is the smaller value.
  return sign_of(a.digits.compare(b.digits));
}

int compare_numbers(const Json& a, const Json& b) {
  auto da = parse_decimal(a.number_text());
  auto db = parse_decimal(b.number_text());
  if (!da || !db) {
    double x = a.as_double(), y = b.as_double();
    return (x > y) - (x < y);
  }
  const bool a_zero = da->digits.empty(), b_zero = db->digits.empty();
  if (a_zero || b_zero) {
    if (a_zero && b_zero) return 0;
    if (a_zero) return db->negative ? 1 : -1;
    return da->negative ? -1 : 1;
  }
  if (da->negative != db->negative) return da->negative ? -1 : 1;
  int c = compare_magnitude(*da, *db);
  return da->negative ? -c : c;
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian
// calendar, without timegm() or the process's locale and time zone.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return 29;
  return kDays[m - 1];
}

// Reads exactly `count` digits at text[pos].
bool read_digits(std::string_view text, size_t& pos, size_t count, unsigned& out) noexcept {
  if (pos + count > text.size()) return false;
  unsigned v = 0;
  for (size_t k = 0; k < count; ++k) {
    char c = text[pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += count;
  out = v;
  return true;
}

}  // namespace

State::State(Json value) : value_(std::move(value)) {
  if (value_.is_null()) value_ = Json::object();
  if (!value_.is_object()) throw Error(Location{}, "state is not a JSON object");
}

State State::load(const std::string& path) {
  // Every problem with the --state file is a usage error (exit 2), found before any
  // output; the hint matches singer-run's for its own state file.
  constexpr std::string_view kHint = "restore it, or run without --state to start from scratch";
  const Location where{path, 0, {}};
  std::string text;
  if (!detail::read_whole_file(path, text)) {
    throw UsageError(where, "cannot read state file: {}", std::strerror(errno));
  }
  // What a truncated `tap --state s.json > s.json` leaves: taking it for "no state"
  // would silently re-sync everything.
  if (is_blank(text)) throw UsageError(where, "the state file is empty; {}", kHint);
  Json value;
  try {
    value = Json::parse(text, where);
  } catch (const Error& e) {
    throw UsageError(e.location(), "{}; {}", e.detail(), kHint);
  }
  if (!value.is_object()) throw UsageError(where, "state is not a JSON object; {}", kHint);
  return State(std::move(value));
}

const Json* State::bookmark(std::string_view stream) const {
  const Json* bookmarks = value_.find("bookmarks");
  if (!bookmarks) return nullptr;
  const Json* entry = bookmarks->find(stream);
  return entry && entry->is_object() ? entry : nullptr;
}

const Json* State::replication_key_value(std::string_view stream) const {
  const Json* entry = bookmark(stream);
  return entry ? entry->find("replication_key_value") : nullptr;
}

void State::set_replication_key_value(std::string_view stream, std::string_view replication_key,
                                      Json value) {
  Json* bookmarks = value_.find("bookmarks");
  if (!bookmarks || !bookmarks->is_object()) bookmarks = &value_.set("bookmarks", Json::object());
  Json* entry = bookmarks->find(stream);
  if (!entry || !entry->is_object()) entry = &bookmarks->set(stream, Json::object());
  entry->set("replication_key", Json(replication_key));
  entry->set("replication_key_value", std::move(value));
}

std::optional<std::string> State::currently_syncing() const {
  const Json* s = value_.find("currently_syncing");
  if (!s || !s->is_string()) return std::nullopt;
  return s->as_string();
}

void State::set_currently_syncing(std::optional<std::string> stream) {
  // singer-python writes null rather than dropping the key; taps read either.
  value_.set("currently_syncing", stream ? Json(std::move(*stream)) : Json());
}

void State::merge(const Json& other) {
  if (other.is_null()) return;
  if (!other.is_object()) throw Error(Location{}, "state is not a JSON object");
  deep_merge(value_, other);
}

ValueKind replication_kind(const Json& value) {
  switch (value.type()) {
    case Json::Type::Null: return ValueKind::Null;
    case Json::Type::Bool: return ValueKind::Boolean;
    case Json::Type::Number: return ValueKind::Number;
    case Json::Type::String: break;
    default: return ValueKind::Text;
  }
  const std::string& text = value.as_string();
  if (text.empty()) return ValueKind::Text;
  const char first = text.front();
  if ((first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.') {
    char buffer[64];
    if (text.size() < sizeof buffer && write_json_number(text, buffer) > 0) return ValueKind::Number;
    if (text.size() >= sizeof buffer && json_number_from_text(text)) return ValueKind::Number;
  }
  if (!parse_date_time_micros(text)) return ValueKind::Text;
  if (text.size() == 10) return ValueKind::Date;
  const char last = text.back();
  // An offset ends in Z or in +hh:mm / -hhmm / +hh: its sign stands after the time.
  if (last == 'Z' || last == 'z' || text.find_first_of("+-", 19) != std::string::npos) return ValueKind::Instant;
  return ValueKind::LocalDateTime;
}

std::string_view describe(ValueKind kind) noexcept {
  switch (kind) {
    case ValueKind::Null: return "null";
    case ValueKind::Boolean: return "a boolean";
    case ValueKind::Number: return "a number";
    case ValueKind::Instant: return "a date-time with a UTC offset";
    case ValueKind::LocalDateTime: return "a date-time without a UTC offset";
    case ValueKind::Date: return "a date";
    case ValueKind::Text: return "text";
  }
  return "text";
}

int compare_replication_values(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return compare_numbers(a, b);
  const ValueKind ka = replication_kind(a), kb = replication_kind(b);
  if (ka == ValueKind::Number && kb == ValueKind::Number) {
    // A numeric string from an untyped run ("9") against a number, or two such strings.
    auto literal = [](const Json& v) {
      return v.is_number() ? v : Json::number_literal(*json_number_from_text(v.as_string()));
    };
    return compare_numbers(literal(a), literal(b));
  }
  if (ka == ValueKind::Boolean && kb == ValueKind::Boolean) return int(a.as_bool()) - int(b.as_bool());
  if (a.is_string() && b.is_string()) {
    auto ta = parse_date_time_micros(a.as_string());
    auto tb = parse_date_time_micros(b.as_string());
    if (ta && tb) return (*ta > *tb) - (*ta < *tb);
    return sign_of(a.as_string().compare(b.as_string()));
  }
  return sign_of(a.dump().compare(b.dump()));
}

std::optional<std::int64_t> parse_date_time_micros(std::string_view text) noexcept {
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0;
  if (!read_digits(text, pos, 4, year)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!read_digits(text, pos, 2, month)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!read_digits(text, pos, 2, day)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  std::int64_t micros = days_from_civil(year, month, day) * 86'400'000'000;
  if (pos == text.size()) return micros;

  char sep = text[pos++];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  unsigned hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 2, hour)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != ':') return std::nullopt;
  if (!read_digits(text, pos, 2, minute)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != ':') return std::nullopt;
  if (!read_digits(text, pos, 2, second)) return std::nullopt;
  // 60 is a leap second (RFC 3339); it lands on the next minute's first second.
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  micros += ((hour * 60 + minute) * 60 + std::int64_t{second}) * 1'000'000;

  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    std::int64_t fraction = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      // Digits beyond microseconds are truncated.
      if (pos - start < 6) fraction = fraction * 10 + (text[pos] - '0');
    }
    if (pos == start) return std::nullopt;
    for (size_t k = pos - start; k < 6; ++k) fraction *= 10;
    micros += fraction;
  }

  if (pos == text.size()) return micros;  // no offset: UTC
  char zone = text[pos++];
  if (zone == 'Z' || zone == 'z') return pos == text.size() ? std::optional(micros) : std::nullopt;
  if (zone != '+' && zone != '-') return std::nullopt;
  unsigned off_hour = 0, off_minute = 0;
  if (!read_digits(text, pos, 2, off_hour)) return std::nullopt;
  if (pos < text.size()) {
    if (text[pos] == ':') ++pos;
    if (!read_digits(text, pos, 2, off_minute)) return std::nullopt;
  }
  if (pos != text.size() || off_hour > 23 || off_minute > 59) return std::nullopt;
  std::int64_t offset = (off_hour * 60 + std::int64_t{off_minute}) * 60'000'000;
  // Local time = UTC + offset, so UTC = local - offset.
  return zone == '+' ? micros - offset : micros + offset;
}

}  // namespace singer
