// JSON Schema compiled once into a flat vector of nodes, then checked against a
// record's flattened values without touching Json and without allocating unless the
// record is invalid (then the first violation is turned into a path and a message).
#include "singer/schema.hpp"
#include "singer/log.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex> when optimizing with
// sanitizers on; it is libstdc++'s code, not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <unordered_map>
#include <utility>
#include <vector>

namespace singer {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// Values and keys quoted in messages are cut here: a record or a config may hold
// secrets, and one line on stderr must stay one readable line.
constexpr std::size_t kShownChars = 40;

// Property tables this small are scanned; larger ones get a hash table.
constexpr std::size_t kLinearScanMax = 8;

// Required members tracked on the stack; more than this spills to the heap.
constexpr std::size_t kStackRequiredWords = 8;

// std::regex matches recursively, one stack frame per character or so: a 2,000
// character string overflows a 1 MiB thread stack. Longer strings are not checked
// against "pattern" rather than crash the program.
constexpr std::size_t kMaxPatternInput = 1000;

// Literal exponents beyond this are clamped; a value like 1e999999999999999 is
// absurd anyway and the clamp keeps the arithmetic below from overflowing.
constexpr std::int64_t kExponentCap = 1'000'000'000'000'000;

__extension__ typedef unsigned __int128 U128;

// ---------------------------------------------------------------------------------
// Decimal literals. JSON numbers are kept as text; comparing them and checking
// multipleOf on the text is exact where doubles are not (0.01 does not divide 12.34
// in binary floating point).

struct Decimal {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
  std::size_t first = 0;    // first significant digit of int_digits + frac_digits
  std::size_t last = 0;     // one past the last significant digit
  std::int64_t scale = 0;   // value = digits[first, last) * 10^scale

  char digit(std::size_t i) const noexcept {
    return i < int_digits.size() ? int_digits[i] : frac_digits[i - int_digits.size()];
  }
  bool is_zero() const noexcept { return first == last; }
  std::size_t count() const noexcept { return last - first; }
  // Orders magnitudes: 10^(magnitude - 1) <= |value| < 10^magnitude.
  std::int64_t magnitude() const noexcept { return scale + static_cast<std::int64_t>(count()); }
  bool is_integral() const noexcept { return is_zero() || scale >= 0; }
};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool parse_decimal(std::string_view text, Decimal& out) noexcept {
  out = Decimal{};
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (i < n && text[i] == '-') {
    out.negative = true;
    ++i;
  }
  std::size_t start = i;
  while (i < n && is_digit(text[i])) ++i;
  if (i == start) return false;
  out.int_digits = text.substr(start, i - start);
  if (i < n && text[i] == '.') {
    start = ++i;
    while (i < n && is_digit(text[i])) ++i;
    if (i == start) return false;
    out.frac_digits = text.substr(start, i - start);
  }
  std::int64_t exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) negative_exponent = text[i++] == '-';
    start = i;
    while (i < n && is_digit(text[i])) {
      if (exponent < kExponentCap) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return false;
    if (negative_exponent) exponent = -exponent;
  }
  if (i != n) return false;
  const std::size_t total = out.int_digits.size() + out.frac_digits.size();
  while (out.first < total && out.digit(out.first) == '0') ++out.first;
  out.last = total;
  while (out.last > out.first && out.digit(out.last - 1) == '0') --out.last;
  out.scale = exponent - static_cast<std::int64_t>(out.frac_digits.size()) +
              static_cast<std::int64_t>(total - out.last);
  return true;
}

// -1, 0 or 1 as a is less than, equal to or greater than b.
int compare(const Decimal& a, const Decimal& b) noexcept {
  const bool a_negative = a.negative && !a.is_zero();
  const bool b_negative = b.negative && !b.is_zero();
  if (a.is_zero() && b.is_zero()) return 0;
  if (a_negative != b_negative) return a_negative ? -1 : 1;
  if (a.is_zero()) return -1;  // b is positive here
  if (b.is_zero()) return 1;
  int magnitude_order = 0;
  if (a.magnitude() != b.magnitude()) {
    magnitude_order = a.magnitude() < b.magnitude() ? -1 : 1;
  } else {
    const std::size_t n = std::min(a.count(), b.count());
    for (std::size_t i = 0; i < n && magnitude_order == 0; ++i) {
      const char da = a.digit(a.first + i), db = b.digit(b.first + i);
      if (da != db) magnitude_order = da < db ? -1 : 1;
    }
    if (magnitude_order == 0 && a.count() != b.count()) {
      magnitude_order = a.count() < b.count() ? -1 : 1;
    }
  }
  return a_negative ? -magnitude_order : magnitude_order;
}

bool is_integral_literal(std::string_view text) noexcept {
  Decimal d;
  return parse_decimal(text, d) && d.is_integral();
}

bool numbers_equal(std::string_view a, std::string_view b) noexcept {
  if (a == b) return true;
  Decimal da, db;
  return parse_decimal(a, da) && parse_decimal(b, db) && compare(da, db) == 0;
}

double to_double(std::string_view text) noexcept {
  double d = 0;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

// multipleOf, prepared at compile time: its significant digits as an integer when
// they fit, so most checks are integer remainders on the literal's digits.
struct Divisor {
  std::string text;
  bool exact = false;
  std::uint64_t digits = 0;
  std::int64_t scale = 0;
  double value = 0;
};

std::uint64_t pow10_mod(std::int64_t exponent, std::uint64_t modulus) noexcept {
  U128 result = 1 % modulus, base = 10 % modulus;
  while (exponent > 0) {
    if (exponent & 1) result = result * base % modulus;
    base = base * base % modulus;
    exponent >>= 1;
  }
  return static_cast<std::uint64_t>(result);
}

bool is_multiple_of(const Decimal& v, std::string_view text, const Divisor& divisor) noexcept {
  if (v.is_zero()) return true;
  if (divisor.exact) {
    // value = a * 10^sa, divisor = b * 10^sb. With e = min(sa, sb) both become
    // integers times 10^e, and the question is whether one integer divides the other.
    const std::int64_t e = std::min(v.scale, divisor.scale);
    std::uint64_t b = divisor.digits;
    bool fits = true;
    for (std::int64_t k = 0; k < divisor.scale - e && fits; ++k) {
      fits = !__builtin_mul_overflow(b, std::uint64_t{10}, &b);
    }
    if (fits) {
      std::uint64_t r = 0;
      if (b <= std::numeric_limits<std::uint64_t>::max() / 10 - 10) {
        for (std::size_t i = v.first; i < v.last; ++i) {
          r = (r * 10 + static_cast<unsigned>(v.digit(i) - '0')) % b;
        }
      } else {
        for (std::size_t i = v.first; i < v.last; ++i) {
          r = static_cast<std::uint64_t>((U128{r} * 10 + static_cast<unsigned>(v.digit(i) - '0')) % b);
        }
      }
      if (v.scale != e) r = static_cast<std::uint64_t>(U128{r} * pow10_mod(v.scale - e, b) % b);
      return r == 0;
    }
  }
  const double q = to_double(text) / divisor.value;
  if (!std::isfinite(q)) return false;
  return std::abs(q - std::round(q)) <= 1e-9 * std::max(1.0, std::abs(q));
}

// ---------------------------------------------------------------------------------
// Messages

std::size_t utf8_sequence_length(unsigned char lead) noexcept {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

std::size_t count_code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Appends s on one line: control characters escaped, cut after `limit` code points.
void append_shown(std::string& out, std::string_view s, std::size_t limit = kShownChars) {
  std::size_t shown = 0;
  for (std::size_t i = 0; i < s.size(); ++shown) {
    if (shown == limit) {
      out += "...";
      return;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = std::min(utf8_sequence_length(c), s.size() - i);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.append(s.substr(i, len));
        }
    }
    i += len;
  }
}

void append_quoted(std::string& out, std::string_view s, std::size_t limit = kShownChars) {
  out += '\'';
  append_shown(out, s, limit);
  out += '\'';
}

std::string shown_value(const FieldNode& v) {
  std::string out;
  switch (v.kind) {
    case FieldNode::Kind::Null: out = "null"; break;
    case FieldNode::Kind::Bool: out = v.boolean ? "true" : "false"; break;
    case FieldNode::Kind::Integer:
    case FieldNode::Kind::Number: append_shown(out, v.text); break;
    case FieldNode::Kind::String: append_quoted(out, v.text); break;
    case FieldNode::Kind::Object: out = "{...}"; break;
    case FieldNode::Kind::Array: out = "[...]"; break;
  }
  return out;
}

std::string shown_json(const Json& j) {
  std::string out;
  switch (j.type()) {
    case Json::Type::String: append_quoted(out, j.as_string()); break;
    case Json::Type::Number: append_shown(out, j.number_text()); break;
    default: append_shown(out, j.dump()); break;
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Types

enum TypeBit : std::uint8_t {
  kNullBit = 1,
  kBooleanBit = 2,
  kIntegerBit = 4,
  kNumberBit = 8,
  kStringBit = 16,
  kObjectBit = 32,
  kArrayBit = 64,
};
constexpr std::uint8_t kAnyType = 127;

// Order of names in "expected ... got ..."; null last reads best ("string or null").
constexpr std::pair<std::uint8_t, std::string_view> kTypeNames[] = {
    {kBooleanBit, "boolean"}, {kIntegerBit, "integer"}, {kNumberBit, "number"},
    {kStringBit, "string"},   {kObjectBit, "object"},   {kArrayBit, "array"},
    {kNullBit, "null"},
};

std::uint8_t type_bit(std::string_view name) noexcept {
  for (const auto& [bit, type_name] : kTypeNames) {
    if (name == type_name) return bit;
  }
  if (name == "any") return kAnyType;  // draft 3, still seen in old taps
  return 0;
}

std::string type_list(std::uint8_t mask) {
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kTypeNames) {
    if (mask & bit) names.push_back(name);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// Bits a value satisfies before the integral-number check ("1.0" is an integer).
std::uint8_t base_bits(FieldNode::Kind kind) noexcept {
  switch (kind) {
    case FieldNode::Kind::Null: return kNullBit;
    case FieldNode::Kind::Bool: return kBooleanBit;
    case FieldNode::Kind::Integer: return kIntegerBit | kNumberBit;
    case FieldNode::Kind::Number: return kNumberBit;
    case FieldNode::Kind::String: return kStringBit;
    case FieldNode::Kind::Object: return kObjectBit;
    case FieldNode::Kind::Array: return kArrayBit;
  }
  return 0;
}

bool is_container(FieldNode::Kind kind) noexcept {
  return kind == FieldNode::Kind::Object || kind == FieldNode::Kind::Array;
}

// ---------------------------------------------------------------------------------
// Compiled schema

enum class Format : std::uint8_t { None, DateTime, Date, Time };

std::string_view format_name(Format f) noexcept {
  switch (f) {
    case Format::DateTime: return "date-time";
    case Format::Date: return "date";
    case Format::Time: return "time";
    case Format::None: break;
  }
  return "";
}

struct Pattern {
  std::string source;
  std::regex regex;
};

enum class Extra : std::uint8_t { Allow, Deny, Check };

struct Property {
  std::string name;
  std::uint32_t schema = kNone;         // kNone: named only by "required"
  std::uint32_t required_slot = kNone;  // position in Node::required
};

// Which keyword groups a node has, so that the common node (a type and nothing
// else) is done after one test.
enum NodeFlag : std::uint16_t {
  kHasNever = 1 << 0,
  kHasRef = 1 << 1,
  kHasEnum = 1 << 2,
  kHasConst = 1 << 3,
  kHasStringChecks = 1 << 4,
  kHasNumberChecks = 1 << 5,
  kHasMemberChecks = 1 << 6,
  kHasItemChecks = 1 << 7,
  kHasAllOf = 1 << 8,
  kHasAnyOf = 1 << 9,
  kHasNot = 1 << 10,
};

// A numeric bound: its literal for messages, parsed once for comparisons.
struct Bound {
  std::string text;
  Decimal value;  // views into `text`; set by finalize() once nodes no longer move
};

struct Node {
  std::uint8_t types = 0;   // 0: any type
  std::uint16_t flags = 0;  // NodeFlag bits, set by finalize()
  bool never = false;       // the schema `false`
  Format format = Format::None;

  std::uint32_t ref = kNone;
  std::string ref_text;

  bool has_enum = false;
  std::vector<std::string> enum_strings;  // sorted, for binary search
  std::vector<Json> enum_others;
  std::optional<Json> const_value;

  std::optional<std::uint64_t> min_length, max_length;
  std::optional<Pattern> pattern;

  std::optional<Bound> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::optional<Divisor> multiple_of;

  std::vector<Property> properties;     // schema order, then required-only names
  std::vector<std::uint32_t> slots;     // open-addressing table into properties
  std::vector<std::uint32_t> required;  // indexes into properties, in "required" order
  std::vector<std::pair<Pattern, std::uint32_t>> pattern_properties;
  Extra additional = Extra::Allow;
  std::uint32_t additional_schema = kNone;

  std::uint32_t items = kNone;
  bool tuple = false;
  std::vector<std::uint32_t> tuple_items;
  Extra additional_items = Extra::Allow;
  std::uint32_t additional_items_schema = kNone;
  std::optional<std::uint64_t> min_items, max_items;

  std::vector<std::uint32_t> all_of, any_of, one_of;
  std::uint32_t not_schema = kNone;

  // Called once the node vector is complete and will not move again.
  void finalize() noexcept {
    for (auto* bound : {&minimum, &maximum, &exclusive_minimum, &exclusive_maximum}) {
      if (*bound) parse_decimal((*bound)->text, (*bound)->value);
    }
    flags = 0;
    if (never) flags |= kHasNever;
    if (ref != kNone) flags |= kHasRef;
    if (has_enum) flags |= kHasEnum;
    if (const_value) flags |= kHasConst;
    if (min_length || max_length || format != Format::None || pattern) flags |= kHasStringChecks;
    if (minimum || maximum || exclusive_minimum || exclusive_maximum || multiple_of) {
      flags |= kHasNumberChecks;
    }
    if (!properties.empty() || !pattern_properties.empty() || additional != Extra::Allow) {
      flags |= kHasMemberChecks;
    }
    if (items != kNone || tuple || min_items || max_items) flags |= kHasItemChecks;
    if (!all_of.empty()) flags |= kHasAllOf;
    if (!any_of.empty() || !one_of.empty()) flags |= kHasAnyOf;
    if (not_schema != kNone) flags |= kHasNot;
  }
};

// Length and eight bytes from the start, middle and end: constant time per key, and
// column names that share a prefix ("address_line_1", "address_line_2") still differ.
// Keys that differ elsewhere collide and cost a probe, never a wrong answer.
std::uint64_t hash_key(std::string_view s) noexcept {
  const std::size_t n = s.size();
  std::uint64_t head = 0, middle = 0, tail = 0;
  if (n > 0) std::memcpy(&head, s.data(), std::min<std::size_t>(n, 8));
  if (n > 8) std::memcpy(&tail, s.data() + n - 8, 8);
  if (n > 16) std::memcpy(&middle, s.data() + (n - 8) / 2, 8);
  std::uint64_t h = (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^
                    (middle * 0x165667B19E3779F9ull) ^ n;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

// A member name against a property's: lengths first, then one memcmp (string_view's
// operator== goes through an out-of-line compare() here, on every member of every record).
inline bool same_name(const std::string& name, std::string_view key) noexcept {
  return name.size() == key.size() && (key.empty() || std::memcmp(name.data(), key.data(), key.size()) == 0);
}

std::uint32_t find_property(const Node& n, std::string_view key) noexcept {
  if (n.slots.empty()) {
    for (std::size_t i = 0; i < n.properties.size(); ++i) {
      if (same_name(n.properties[i].name, key)) return static_cast<std::uint32_t>(i);
    }
    return kNone;
  }
  const std::size_t mask = n.slots.size() - 1;
  for (std::size_t p = hash_key(key) & mask;; p = (p + 1) & mask) {
    const std::uint32_t e = n.slots[p];
    if (e == kNone || same_name(n.properties[e].name, key)) return e;
  }
}

void build_property_table(Node& n) {
  if (n.properties.size() <= kLinearScanMax) return;
  std::size_t size = 16;
  while (size < n.properties.size() * 2) size *= 2;
  n.slots.assign(size, kNone);
  for (std::size_t i = 0; i < n.properties.size(); ++i) {
    std::size_t p = hash_key(n.properties[i].name) & (size - 1);
    while (n.slots[p] != kNone) p = (p + 1) & (size - 1);
    n.slots[p] = static_cast<std::uint32_t>(i);
  }
}

std::optional<std::uint64_t> count_keyword(const Json* j) noexcept {
  if (!j || !j->is_number()) return std::nullopt;
  Decimal d;
  if (!parse_decimal(j->number_text(), d) || !d.is_integral() || (d.negative && !d.is_zero())) {
    return std::nullopt;
  }
  if (auto i = j->as_int()) return static_cast<std::uint64_t>(*i);
  return std::numeric_limits<std::uint64_t>::max();
}

std::optional<Pattern> compile_pattern(const std::string& source) {
  try {
    return Pattern{source, std::regex(source, std::regex::ECMAScript | std::regex::optimize)};
  } catch (const std::regex_error&) {
    // ECMA-262 features std::regex lacks (\p{L}, lookbehind): skip the keyword rather
    // than reject a tap's whole schema.
    return std::nullopt;
  }
}

bool matches(const Pattern& p, std::string_view s) {
  return std::regex_search(s.data(), s.data() + s.size(), p.regex);
}

std::string percent_decode(std::string_view s, bool& ok) {
  std::string out;
  ok = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= s.size()) {
      ok = false;
      return out;
    }
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
    if (ec != std::errc() || p != s.data() + i + 3) {
      ok = false;
      return out;
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

class Compiler {
 public:
  Compiler(const Json& root, const Location& where, std::vector<Node>& nodes)
      : root_(root), where_(where), nodes_(nodes) {}

  std::uint32_t compile(const Json& schema) {
    if (auto it = memo_.find(&schema); it != memo_.end()) return it->second;
    // Reserve the index first: a $ref back to this schema resolves to it.
    const auto index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
    memo_.emplace(&schema, index);
    Node n;
    if (schema.is_bool()) {
      n.never = !schema.as_bool();
    } else if (schema.is_object()) {
      compile_keywords(schema, n);
    }
    // Anything else as a subschema is a tap's mistake; it constrains nothing.
    nodes_[index] = std::move(n);
    return index;
  }

  // A $ref/allOf/anyOf/oneOf/not loop that never descends into a member or item
  // would recurse forever on the first value.
  void reject_cycles() {
    std::vector<std::uint8_t> state(nodes_.size(), 0);
    std::vector<std::uint32_t> stack;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      if (state[i] == 0) visit(i, state, stack);
    }
  }

 private:
  void compile_keywords(const Json& s, Node& n) {
    if (const Json* ref = s.find("$ref"); ref && ref->is_string()) {
      n.ref_text = ref->as_string();
      const Json* target = resolve(n.ref_text);
      if (!target) throw Error(where_, "unresolved $ref '{}'", n.ref_text);
      n.ref = compile(*target);
    }
    if (const Json* type = s.find("type")) {
      if (type->is_string()) {
        n.types = type_bit(type->as_string());
      } else if (type->is_array()) {
        for (const Json& t : type->items()) {
          if (t.is_string()) n.types |= type_bit(t.as_string());
        }
      }
      if (n.types == kAnyType) n.types = 0;
    }
    if (const Json* e = s.find("enum"); e && e->is_array()) {
      n.has_enum = true;
      for (const Json& v : e->items()) {
        if (v.is_string()) {
          n.enum_strings.push_back(v.as_string());
        } else {
          n.enum_others.push_back(v);
        }
      }
      std::sort(n.enum_strings.begin(), n.enum_strings.end());
    }
    if (const Json* c = s.find("const")) n.const_value = *c;
    if (const Json* f = s.find("format"); f && f->is_string()) {
      const std::string& name = f->as_string();
      if (name == "date-time") n.format = Format::DateTime;
      if (name == "date") n.format = Format::Date;
      if (name == "time") n.format = Format::Time;
    }
    n.min_length = count_keyword(s.find("minLength"));
    n.max_length = count_keyword(s.find("maxLength"));
    if (const Json* p = s.find("pattern"); p && p->is_string()) {
      n.pattern = compile_pattern(p->as_string());
    }
    compile_bounds(s, n);
    compile_object(s, n);
    compile_array(s, n);
    n.all_of = compile_list(s.find("allOf"));
    n.any_of = compile_list(s.find("anyOf"));
    n.one_of = compile_list(s.find("oneOf"));
    if (const Json* x = s.find("not"); x && (x->is_object() || x->is_bool())) {
      n.not_schema = compile(*x);
    }
  }

  static std::optional<std::string> number_text(const Json* j) {
    Decimal d;
    if (!j || !j->is_number() || !parse_decimal(j->number_text(), d)) return std::nullopt;
    return j->number_text();
  }

  static std::optional<Bound> bound(const Json* j) {
    auto text = number_text(j);
    if (!text) return std::nullopt;
    return Bound{std::move(*text), {}};
  }

  void compile_bounds(const Json& s, Node& n) {
    n.minimum = bound(s.find("minimum"));
    n.maximum = bound(s.find("maximum"));
    // Draft 4 spells exclusivity as a boolean beside minimum/maximum; draft 6+ as a
    // number of its own. Taps use both.
    const Json* exclusive_min = s.find("exclusiveMinimum");
    if (exclusive_min && exclusive_min->is_bool()) {
      if (exclusive_min->as_bool()) std::swap(n.minimum, n.exclusive_minimum);
    } else {
      n.exclusive_minimum = bound(exclusive_min);
    }
    const Json* exclusive_max = s.find("exclusiveMaximum");
    if (exclusive_max && exclusive_max->is_bool()) {
      if (exclusive_max->as_bool()) std::swap(n.maximum, n.exclusive_maximum);
    } else {
      n.exclusive_maximum = bound(exclusive_max);
    }
    if (auto text = number_text(s.find("multipleOf"))) {
      Decimal d;
      parse_decimal(*text, d);
      if (!d.is_zero() && !d.negative) {
        Divisor divisor;
        divisor.text = *text;
        divisor.value = to_double(*text);
        divisor.scale = d.scale;
        divisor.exact = d.count() <= 19;
        for (std::size_t i = d.first; i < d.last && divisor.exact; ++i) {
          divisor.exact = !__builtin_mul_overflow(divisor.digits, std::uint64_t{10}, &divisor.digits) &&
                          !__builtin_add_overflow(divisor.digits,
                                                  static_cast<std::uint64_t>(d.digit(i) - '0'),
                                                  &divisor.digits);
        }
        n.multiple_of = std::move(divisor);
      }
    }
  }

  void compile_object(const Json& s, Node& n) {
    if (const Json* props = s.find("properties"); props && props->is_object()) {
      for (std::size_t i = 0; i < props->size(); ++i) {
        const std::uint32_t child = compile(props->items()[i]);
        n.properties.push_back(Property{props->key(i), child, kNone});
      }
    }
    if (const Json* req = s.find("required"); req && req->is_array()) {
      for (const Json& name : req->items()) {
        if (!name.is_string()) continue;
        std::uint32_t e = kNone;
        for (std::size_t i = 0; i < n.properties.size() && e == kNone; ++i) {
          if (n.properties[i].name == name.as_string()) e = static_cast<std::uint32_t>(i);
        }
        if (e == kNone) {
          e = static_cast<std::uint32_t>(n.properties.size());
          n.properties.push_back(Property{name.as_string(), kNone, kNone});
        }
        if (n.properties[e].required_slot != kNone) continue;  // listed twice
        n.properties[e].required_slot = static_cast<std::uint32_t>(n.required.size());
        n.required.push_back(e);
      }
    }
    if (const Json* pp = s.find("patternProperties"); pp && pp->is_object()) {
      for (std::size_t i = 0; i < pp->size(); ++i) {
        const std::uint32_t child = compile(pp->items()[i]);
        if (auto p = compile_pattern(pp->key(i))) {
          n.pattern_properties.emplace_back(std::move(*p), child);
        }
      }
    }
    if (const Json* ap = s.find("additionalProperties")) {
      if (ap->is_bool() && !ap->as_bool()) {
        n.additional = Extra::Deny;
      } else if (ap->is_object()) {
        n.additional = Extra::Check;
        n.additional_schema = compile(*ap);
      }
    }
    build_property_table(n);
  }

  void compile_array(const Json& s, Node& n) {
    if (const Json* items = s.find("items")) {
      if (items->is_object() || items->is_bool()) {
        n.items = compile(*items);
      } else if (items->is_array()) {  // draft 4 tuple form
        n.tuple = true;
        n.tuple_items = compile_list(items);
        if (const Json* ai = s.find("additionalItems")) {
          if (ai->is_bool() && !ai->as_bool()) {
            n.additional_items = Extra::Deny;
          } else if (ai->is_object()) {
            n.additional_items = Extra::Check;
            n.additional_items_schema = compile(*ai);
          }
        }
      }
    }
    n.min_items = count_keyword(s.find("minItems"));
    n.max_items = count_keyword(s.find("maxItems"));
  }

  std::vector<std::uint32_t> compile_list(const Json* list) {
    std::vector<std::uint32_t> out;
    if (!list || !list->is_array()) return out;
    for (const Json& item : list->items()) out.push_back(compile(item));
    return out;
  }

  // Local references only: "#", "#/definitions/x", "#/$defs/x" or any JSON Pointer
  // into this document. Remote and anchor references are reported as unresolved.
  const Json* resolve(std::string_view ref) const {
    if (ref.empty() || ref[0] != '#') return nullptr;
    bool ok = false;
    const std::string pointer = percent_decode(ref.substr(1), ok);
    if (!ok) return nullptr;
    if (pointer.empty()) return &root_;
    if (pointer[0] != '/') return nullptr;
    const Json* at = &root_;
    std::size_t pos = 1;
    while (at) {
      const std::size_t slash = pointer.find('/', pos);
      std::string token;
      const std::string_view raw = std::string_view(pointer).substr(
          pos, slash == std::string::npos ? std::string::npos : slash - pos);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
          token += raw[i + 1] == '0' ? '~' : '/';
          ++i;
        } else {
          token += raw[i];
        }
      }
      if (at->is_object()) {
        at = at->find(token);
      } else if (at->is_array()) {
        std::size_t index = 0;
        auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
        const bool valid = ec == std::errc() && p == token.data() + token.size() && !token.empty();
        at = valid && index < at->size() ? &at->items()[index] : nullptr;
      } else {
        at = nullptr;
      }
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    return at;
  }

  void visit(std::uint32_t i, std::vector<std::uint8_t>& state, std::vector<std::uint32_t>& stack) {
    state[i] = 1;
    stack.push_back(i);
    auto follow = [&](std::uint32_t next) {
      if (next == kNone) return;
      if (state[next] == 1) {
        // Name the $ref that closes the loop: the last one on the way back to `next`.
        const auto from = std::find(stack.begin(), stack.end(), next);
        for (auto it = stack.end(); it != from;) {
          --it;
          if (!nodes_[*it].ref_text.empty()) {
            throw Error(where_, "circular $ref '{}'", nodes_[*it].ref_text);
          }
        }
        throw Error(where_, "circular $ref");
      }
      if (state[next] == 0) visit(next, state, stack);
    };
    const Node& n = nodes_[i];
    follow(n.ref);
    for (std::uint32_t c : n.all_of) follow(c);
    for (std::uint32_t c : n.any_of) follow(c);
    for (std::uint32_t c : n.one_of) follow(c);
    follow(n.not_schema);
    stack.pop_back();
    state[i] = 2;
  }

  const Json& root_;
  const Location& where_;
  std::vector<Node>& nodes_;
  std::unordered_map<const Json*, std::uint32_t> memo_;
};

// ---------------------------------------------------------------------------------
// Validation

enum class FaultKind : std::uint8_t {
  Type,
  Never,
  Enum,
  Const,
  Format,
  Pattern,
  MinLength,
  MaxLength,
  Minimum,
  Maximum,
  ExclusiveMinimum,
  ExclusiveMaximum,
  MultipleOf,
  Required,
  Unexpected,
  MinItems,
  MaxItems,
  NoMatch,
  Not,
};

// A violation, kept as indexes so that failing anyOf branches cost nothing; it only
// becomes text when it is the answer.
struct Fault {
  FaultKind kind = FaultKind::Never;
  std::uint32_t value = 0;   // the value node the message is about (its path)
  std::uint32_t schema = 0;  // the schema node that failed
  std::uint64_t aux = 0;     // type mask, member node, required index or limit
};

class Validator {
 public:
  Validator(const std::vector<Node>& schema, const FieldNode* values, std::size_t count)
      : schema_(schema), values_(values), count_(count) {}

  // Inlined into every caller: most values meet a node that only checks a type, and
  // that must not cost a call.
  [[gnu::always_inline]] bool check(std::uint32_t s, std::uint32_t v, Fault& f) const {
    const Node& n = schema_[s];
    const FieldNode& x = values_[v];
    if (n.types != 0 && !(n.types & base_bits(x.kind))) {
      // Draft 6+: a number with a zero fraction ("1.0") is an integer.
      const bool integral = x.kind == FieldNode::Kind::Number && (n.types & kIntegerBit) &&
                            is_integral_literal(x.text);
      if (!integral) return fail(f, FaultKind::Type, v, s, n.types);
    }
    return n.flags == 0 || check_keywords(n, s, v, f);
  }
  bool check_keywords(const Node& n, std::uint32_t s, std::uint32_t v, Fault& f) const {
    const FieldNode& x = values_[v];
    const std::uint16_t flags = n.flags;
    if (flags & kHasNever) return fail(f, FaultKind::Never, v, s);
    if ((flags & kHasRef) && !check(n.ref, v, f)) return false;
    if ((flags & kHasEnum) && !in_enum(n, v)) return fail(f, FaultKind::Enum, v, s);
    if ((flags & kHasConst) && !equals(v, *n.const_value)) return fail(f, FaultKind::Const, v, s);
    switch (x.kind) {
      case FieldNode::Kind::String:
        if ((flags & kHasStringChecks) && !check_string(n, s, v, f)) return false;
        break;
      case FieldNode::Kind::Integer:
      case FieldNode::Kind::Number:
        if ((flags & kHasNumberChecks) && !check_number(n, s, v, f)) return false;
        break;
      case FieldNode::Kind::Object:
        if ((flags & kHasMemberChecks) && !check_object(n, s, v, f)) return false;
        break;
      case FieldNode::Kind::Array:
        if ((flags & kHasItemChecks) && !check_array(n, s, v, f)) return false;
        break;
      default: break;
    }
    if (flags & kHasAllOf) {
      for (std::uint32_t c : n.all_of) {
        if (!check(c, v, f)) return false;
      }
    }
    // oneOf is checked like anyOf: Singer schemas use it for unions whose branches
    // overlap ({"type": "integer"} and {"type": "number"}), where "exactly one" would
    // reject good records.
    if ((flags & kHasAnyOf) && (!check_any(n.any_of, s, v, f) || !check_any(n.one_of, s, v, f))) {
      return false;
    }
    if (flags & kHasNot) {
      Fault ignored;
      if (check(n.not_schema, v, ignored)) return fail(f, FaultKind::Not, v, s);
    }
    return true;
  }

  std::string path_of(std::uint32_t target) const {
    std::string path;
    std::uint32_t at = 0;
    while (at != target && is_container(values_[at].kind)) {
      const std::uint32_t end = end_of(at);
      std::uint32_t index = 0, c = at + 1;
      while (c < end && end_of(c) <= target) {
        c = end_of(c);
        ++index;
      }
      if (c >= end) break;  // target is not below `at`; cannot happen for our faults
      if (values_[at].kind == FieldNode::Kind::Array) {
        path += fmt::format("[{}]", index);
      } else {
        if (!path.empty()) path += '.';
        append_shown(path, values_[c].key, std::numeric_limits<std::size_t>::max());
      }
      at = c;
    }
    return path;
  }

  std::string message(const Fault& f, std::string_view noun) const {
    const Node& n = schema_[f.schema];
    const FieldNode& x = values_[f.value];
    // A record's value may be personal data: record errors name the field, never show
    // its value. Config values ("key") are the user's own and help find the mistake.
    const bool hide = noun == "field";
    const std::string value = hide ? std::string("value") : fmt::format("value {}", shown_value(x));
    const std::string subject = hide ? std::string("value") : shown_value(x);
    std::string quoted;
    switch (f.kind) {
      case FaultKind::Type:
        return fmt::format("expected {}, got {}", type_list(static_cast<std::uint8_t>(f.aux)),
                           to_string(x.kind));
      case FaultKind::Never: return "value is not allowed";
      case FaultKind::Enum:
        return fmt::format("{} is not one of the allowed values", value);
      case FaultKind::Const:
        return fmt::format("{} is not the allowed value {}", value,
                           shown_json(*n.const_value));
      case FaultKind::Format:
        return fmt::format("{} is not a valid {}", subject, format_name(n.format));
      case FaultKind::Pattern:
        append_quoted(quoted, n.pattern->source, 2 * kShownChars);
        return fmt::format("{} does not match the pattern {}", subject, quoted);
      case FaultKind::MinLength: return fmt::format("string shorter than {}", log::counted(static_cast<std::int64_t>(f.aux), "character"));
      case FaultKind::MaxLength: return fmt::format("string longer than {}", log::counted(static_cast<std::int64_t>(f.aux), "character"));
      case FaultKind::Minimum:
        return fmt::format("{} is less than the minimum {}", value, n.minimum->text);
      case FaultKind::Maximum:
        return fmt::format("{} is greater than the maximum {}", value, n.maximum->text);
      case FaultKind::ExclusiveMinimum:
        return fmt::format("{} is not greater than {}", value, n.exclusive_minimum->text);
      case FaultKind::ExclusiveMaximum:
        return fmt::format("{} is not less than {}", value, n.exclusive_maximum->text);
      case FaultKind::MultipleOf:
        return fmt::format("{} is not a multiple of {}", value, n.multiple_of->text);
      case FaultKind::Required:
        append_quoted(quoted, n.properties[n.required[f.aux]].name, 2 * kShownChars);
        return fmt::format("missing required {} {}", noun, quoted);
      case FaultKind::Unexpected:
        append_quoted(quoted, values_[f.aux].key, 2 * kShownChars);
        return fmt::format("unexpected {} {}", noun, quoted);
      case FaultKind::MinItems: return fmt::format("array has fewer than {}", log::counted(static_cast<std::int64_t>(f.aux), "item"));
      case FaultKind::MaxItems: return fmt::format("array has more than {}", log::counted(static_cast<std::int64_t>(f.aux), "item"));
      case FaultKind::NoMatch: return "does not match any of the allowed schemas";
      case FaultKind::Not: return "value matches a schema it must not match";
    }
    return "invalid value";
  }

 private:
  static bool fail(Fault& f, FaultKind kind, std::uint32_t v, std::uint32_t s,
                   std::uint64_t aux = 0) noexcept {
    f = Fault{kind, v, s, aux};
    return false;
  }

  // One past the last descendant; never trusts `end` to move backwards.
  std::uint32_t end_of(std::uint32_t v) const noexcept {
    const FieldNode& x = values_[v];
    if (!is_container(x.kind)) return v + 1;
    const auto limit = static_cast<std::uint32_t>(count_);
    return std::clamp(x.end, v + 1, limit);
  }

  bool check_any(const std::vector<std::uint32_t>& branches, std::uint32_t s, std::uint32_t v,
                 Fault& f) const {
    if (branches.empty()) return true;
    // When every branch rejects the value's type, name the union of types
    // ("expected string or null"); when exactly one branch got further (the right type,
    // a bad date-time), its complaint is the useful one.
    std::uint8_t types = 0;
    std::uint32_t deeper = 0;
    Fault first_deeper;
    for (std::uint32_t b : branches) {
      Fault bf;
      if (check(b, v, bf)) return true;
      if (bf.kind == FaultKind::Type && bf.value == v) {
        types |= static_cast<std::uint8_t>(bf.aux);
      } else if (deeper++ == 0) {
        first_deeper = bf;
      }
    }
    if (deeper == 0) return fail(f, FaultKind::Type, v, s, types);
    if (deeper == 1) {
      f = first_deeper;
      return false;
    }
    return fail(f, FaultKind::NoMatch, v, s);
  }

  bool check_string(const Node& n, std::uint32_t s, std::uint32_t v, Fault& f) const {
    const std::string_view text = values_[v].text;
    // Code points <= bytes <= 4 * code points, so most strings skip the counting.
    const std::size_t bytes = text.size();
    if (n.max_length && bytes > *n.max_length && count_code_points(text) > *n.max_length) {
      return fail(f, FaultKind::MaxLength, v, s, *n.max_length);
    }
    if (n.min_length && bytes / 4 < *n.min_length && count_code_points(text) < *n.min_length) {
      return fail(f, FaultKind::MinLength, v, s, *n.min_length);
    }
    switch (n.format) {
      case Format::DateTime:
        if (!is_date_time(text)) return fail(f, FaultKind::Format, v, s);
        break;
      case Format::Date:
        if (!is_date(text)) return fail(f, FaultKind::Format, v, s);
        break;
      case Format::Time:
        if (!is_time(text)) return fail(f, FaultKind::Format, v, s);
        break;
      case Format::None: break;
    }
    if (n.pattern && text.size() <= kMaxPatternInput && !matches(*n.pattern, text)) {
      return fail(f, FaultKind::Pattern, v, s);
    }
    return true;
  }

  bool check_number(const Node& n, std::uint32_t s, std::uint32_t v, Fault& f) const {
    const std::string_view text = values_[v].text;
    Decimal value;
    if (!parse_decimal(text, value)) return true;  // the reader only hands out JSON numbers
    if (n.minimum && compare(value, n.minimum->value) < 0) return fail(f, FaultKind::Minimum, v, s);
    if (n.exclusive_minimum && compare(value, n.exclusive_minimum->value) <= 0) {
      return fail(f, FaultKind::ExclusiveMinimum, v, s);
    }
    if (n.maximum && compare(value, n.maximum->value) > 0) return fail(f, FaultKind::Maximum, v, s);
    if (n.exclusive_maximum && compare(value, n.exclusive_maximum->value) >= 0) {
      return fail(f, FaultKind::ExclusiveMaximum, v, s);
    }
    if (n.multiple_of && !is_multiple_of(value, text, *n.multiple_of)) {
      return fail(f, FaultKind::MultipleOf, v, s);
    }
    return true;
  }

  bool check_object(const Node& n, std::uint32_t s, std::uint32_t v, Fault& f) const {
    std::uint64_t stack_seen[kStackRequiredWords] = {};
    std::vector<std::uint64_t> heap_seen;
    std::uint64_t* seen = stack_seen;
    const std::size_t words = (n.required.size() + 63) / 64;
    if (words > kStackRequiredWords) {
      heap_seen.assign(words, 0);
      seen = heap_seen.data();
    }
    const std::uint32_t end = end_of(v);
    // Records usually list members in schema order: try the next property first.
    std::uint32_t hint = 0;
    for (std::uint32_t c = v + 1; c < end; c = end_of(c)) {
      const std::string_view key = values_[c].key;
      std::uint32_t e = kNone;
      if (hint < n.properties.size() && same_name(n.properties[hint].name, key)) {
        e = hint;
      } else {
        e = find_property(n, key);
      }
      bool declared = false;
      if (e != kNone) {
        hint = e + 1;
        const Property& p = n.properties[e];
        if (p.required_slot != kNone) seen[p.required_slot / 64] |= std::uint64_t{1} << (p.required_slot % 64);
        if (p.schema != kNone) {
          declared = true;
          if (!check(p.schema, c, f)) return false;
        }
      }
      if (declared) continue;
      bool patterned = false;
      for (const auto& [pattern, child] : n.pattern_properties) {
        if (key.size() > kMaxPatternInput || !matches(pattern, key)) continue;
        patterned = true;
        if (!check(child, c, f)) return false;
      }
      if (patterned) continue;
      if (n.additional == Extra::Deny) return fail(f, FaultKind::Unexpected, v, s, c);
      if (n.additional == Extra::Check && !check(n.additional_schema, c, f)) return false;
    }
    for (std::size_t i = 0; i < n.required.size(); ++i) {
      if (!(seen[i / 64] & (std::uint64_t{1} << (i % 64)))) {
        return fail(f, FaultKind::Required, v, s, i);
      }
    }
    return true;
  }

  bool check_array(const Node& n, std::uint32_t s, std::uint32_t v, Fault& f) const {
    const std::uint32_t end = end_of(v);
    std::uint64_t index = 0;
    for (std::uint32_t c = v + 1; c < end; c = end_of(c), ++index) {
      std::uint32_t item = n.items;
      if (n.tuple) {
        if (index < n.tuple_items.size()) {
          item = n.tuple_items[index];
        } else if (n.additional_items == Extra::Deny) {
          return fail(f, FaultKind::MaxItems, v, s, n.tuple_items.size());
        } else {
          item = n.additional_items_schema;
        }
      }
      if (item != kNone && !check(item, c, f)) return false;
    }
    if (n.min_items && index < *n.min_items) return fail(f, FaultKind::MinItems, v, s, *n.min_items);
    if (n.max_items && index > *n.max_items) return fail(f, FaultKind::MaxItems, v, s, *n.max_items);
    return true;
  }

  bool in_enum(const Node& n, std::uint32_t v) const {
    const FieldNode& x = values_[v];
    if (x.kind == FieldNode::Kind::String) {
      return std::binary_search(n.enum_strings.begin(), n.enum_strings.end(), x.text,
                                [](std::string_view a, std::string_view b) { return a < b; });
    }
    for (const Json& j : n.enum_others) {
      if (equals(v, j)) return true;
    }
    return false;
  }

  // JSON Schema equality: numbers by value (1 == 1.0), objects regardless of order.
  bool equals(std::uint32_t v, const Json& j) const {
    const FieldNode& x = values_[v];
    switch (x.kind) {
      case FieldNode::Kind::Null: return j.is_null();
      case FieldNode::Kind::Bool: return j.is_bool() && j.as_bool() == x.boolean;
      case FieldNode::Kind::Integer:
      case FieldNode::Kind::Number: return j.is_number() && numbers_equal(x.text, j.number_text());
      case FieldNode::Kind::String: return j.is_string() && j.as_string() == x.text;
      case FieldNode::Kind::Array: {
        if (!j.is_array()) return false;
        std::size_t i = 0;
        const std::uint32_t end = end_of(v);
        for (std::uint32_t c = v + 1; c < end; c = end_of(c), ++i) {
          if (i >= j.size() || !equals(c, j.items()[i])) return false;
        }
        return i == j.size();
      }
      case FieldNode::Kind::Object: {
        if (!j.is_object()) return false;
        std::size_t members = 0;
        const std::uint32_t end = end_of(v);
        for (std::uint32_t c = v + 1; c < end; c = end_of(c), ++members) {
          const Json* m = j.find(values_[c].key);
          if (!m || !equals(c, *m)) return false;
        }
        return members == j.size();
      }
    }
    return false;
  }

  const std::vector<Node>& schema_;
  const FieldNode* values_;
  std::size_t count_;
};

bool two_digits(std::string_view s, std::size_t at, int& out) noexcept {
  if (at + 2 > s.size() || !is_digit(s[at]) || !is_digit(s[at + 1])) return false;
  out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

int days_in_month(int year, int month) noexcept {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

// ---------------------------------------------------------------------------------

struct Schema::Impl {
  std::vector<Node> nodes;  // nodes[0] is the root
  std::vector<std::string> property_names;
};

Schema::Schema() : impl_(std::make_unique<Impl>()) {}
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;
Schema::~Schema() = default;

Schema Schema::compile(const Json& schema, const Location& where) {
  if (!schema.is_object()) throw Error(where, "schema is not an object");
  Schema out;
  Compiler compiler(schema, where, out.impl_->nodes);
  compiler.compile(schema);
  compiler.reject_cycles();
  for (Node& n : out.impl_->nodes) n.finalize();
  // A root that is only a $ref ({"$ref": "#/definitions/record"}) still has columns.
  const auto& nodes = out.impl_->nodes;
  std::uint32_t root = 0;
  for (std::size_t hops = 0; hops < nodes.size() && nodes[root].properties.empty() &&
                             nodes[root].ref != kNone;
       ++hops) {
    root = nodes[root].ref;
  }
  for (const Property& p : nodes[root].properties) {
    if (p.schema != kNone) out.impl_->property_names.push_back(p.name);
  }
  return out;
}

std::optional<ValidationError> Schema::validate(const RecordFields& value,
                                                std::string_view noun) const {
  if (!impl_ || impl_->nodes.empty()) return std::nullopt;  // the empty schema
  static const FieldNode kNullValue{};
  const FieldNode* values = value.nodes.empty() ? &kNullValue : value.nodes.data();
  const std::size_t count = value.nodes.empty() ? 1 : value.nodes.size();
  const Validator validator(impl_->nodes, values, count);
  Fault fault;
  if (validator.check(0, 0, fault)) return std::nullopt;
  return ValidationError{validator.path_of(fault.value), validator.message(fault, noun)};
}

std::optional<ValidationError> Schema::validate(const Json& value, std::string_view noun) const {
  RecordFields fields;
  flatten(value, fields);
  return validate(fields, noun);
}

const std::vector<std::string>& Schema::property_names() const noexcept {
  static const std::vector<std::string> kNoNames;
  return impl_ ? impl_->property_names : kNoNames;
}

std::string describe(const ValidationError& error, std::string_view noun) {
  if (error.path.empty()) return error.message;
  return fmt::format("{} '{}': {}", noun, error.path, error.message);
}

bool is_date(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int century = 0, year = 0, month = 0, day = 0;
  if (!two_digits(s, 0, century) || !two_digits(s, 2, year) || !two_digits(s, 5, month) ||
      !two_digits(s, 8, day)) {
    return false;
  }
  return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(century * 100 + year, month);
}

bool is_time(std::string_view s) noexcept {
  int hour = 0, minute = 0, second = 0;
  if (s.size() < 8 || s[2] != ':' || s[5] != ':' || !two_digits(s, 0, hour) ||
      !two_digits(s, 3, minute) || !two_digits(s, 6, second)) {
    return false;
  }
  // Leap second 60 is refused: Python's datetime, and so most Singer targets, cannot
  // load it.
  if (hour > 23 || minute > 59 || second > 59) return false;
  std::size_t i = 8;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return true;  // no offset: taps often emit local or implied UTC
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  const std::string_view offset = s.substr(i + 1);
  int offset_hour = 0, offset_minute = 0;
  if (offset.size() == 5) {  // +02:00
    if (offset[2] != ':' || !two_digits(offset, 0, offset_hour) || !two_digits(offset, 3, offset_minute)) {
      return false;
    }
  } else if (offset.size() == 4) {  // +0200, what strftime's %z writes
    if (!two_digits(offset, 0, offset_hour) || !two_digits(offset, 2, offset_minute)) return false;
  } else {
    return false;
  }
  return offset_hour <= 23 && offset_minute <= 59;
}

bool is_date_time(std::string_view s) noexcept {
  if (s.size() < 19) return false;
  const char separator = s[10];
  if (separator != 'T' && separator != 't' && separator != ' ') return false;
  return is_date(s.substr(0, 10)) && is_time(s.substr(11));
}

}  // namespace singer
