// Column types. Numbers are checked and normalised, never converted through a double:
// the tap writes the file's own digits ("+5" -> 5, ".5" -> 0.5), so big integers and
// long decimals pass through exactly.
#include "type_inference.hpp"

#include <cstring>

#include "singer/schema.hpp"

namespace tap_csv {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Length of the JSON integer part (-?(0|[1-9][0-9]*)) at the start of text, or 0.
std::size_t integer_prefix(std::string_view text) noexcept {
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i >= n) return 0;
  if (text[i] == '0') return i + 1;
  if (!is_digit(text[i])) return 0;
  while (i < n && is_digit(text[i])) ++i;
  return i;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) noexcept {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// A decimal number as people write it: [+-]? (digits [. digits*] | . digits) [e[+-]digits].
struct NumberShape {
  bool number = false;
  bool integer = false;        // no point, no exponent
  bool leading_zeros = false;  // "007", "00.5": a code rather than a quantity
  bool json = false;           // already a JSON number literal
};

NumberShape number_shape(std::string_view v) noexcept {
  NumberShape shape;
  const std::size_t n = v.size();
  std::size_t i = 0;
  if (i < n && (v[i] == '+' || v[i] == '-')) ++i;
  const std::size_t int_start = i;
  while (i < n && is_digit(v[i])) ++i;
  const std::size_t int_digits = i - int_start;
  std::size_t fraction_digits = 0;
  bool point = false, exponent = false;
  if (i < n && v[i] == '.') {
    point = true;
    const std::size_t start = ++i;
    while (i < n && is_digit(v[i])) ++i;
    fraction_digits = i - start;
  }
  if (int_digits == 0 && fraction_digits == 0) return shape;
  if (i < n && (v[i] == 'e' || v[i] == 'E')) {
    exponent = true;
    ++i;
    if (i < n && (v[i] == '+' || v[i] == '-')) ++i;
    const std::size_t start = i;
    while (i < n && is_digit(v[i])) ++i;
    if (i == start) return shape;
  }
  if (i != n) return shape;
  shape.number = true;
  shape.integer = !point && !exponent;
  shape.leading_zeros = int_digits > 1 && v[int_start] == '0';
  shape.json = v[0] != '+' && int_digits > 0 && !shape.leading_zeros && (!point || fraction_digits > 0);
  return shape;
}

char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool fits(ColumnType type, std::string_view value, bool lenient) noexcept {
  return form_of(type, value, lenient) != Form::NoFit;
}

}  // namespace

Form form_of(ColumnType type, std::string_view value, bool lenient) noexcept {
  switch (type) {
    case ColumnType::String: return Form::Verbatim;
    case ColumnType::Integer:
    case ColumnType::Number: {
      // The common case first: already a JSON literal.
      if (type == ColumnType::Integer ? is_json_integer(value) : is_json_number(value)) return Form::Verbatim;
      const NumberShape s = number_shape(value);
      if (!s.number || (type == ColumnType::Integer && !s.integer) || (!lenient && s.leading_zeros)) return Form::NoFit;
      return s.json ? Form::Verbatim : Form::Convert;
    }
    case ColumnType::Boolean:
      if (auto b = parse_boolean(value)) return *b ? Form::True : Form::False;
      if (lenient && value == "1") return Form::True;
      if (lenient && value == "0") return Form::False;
      return Form::NoFit;
    case ColumnType::DateTime:
      if (!is_rfc3339_date_time(value)) return Form::NoFit;
      return value[10] == 'T' && value.back() != 'z' && value.back() != 't' ? Form::Verbatim : Form::Convert;
    case ColumnType::Date: return singer::is_date(value) ? Form::Verbatim : Form::NoFit;
  }
  return Form::NoFit;
}

bool is_json_integer(std::string_view text) noexcept {
  std::size_t n = integer_prefix(text);
  return n > 0 && n == text.size();
}

bool is_json_number(std::string_view text) noexcept {
  std::size_t i = integer_prefix(text);
  const std::size_t n = text.size();
  if (i == 0) return false;
  if (i < n && text[i] == '.') {
    std::size_t start = ++i;
    while (i < n && is_digit(text[i])) ++i;
    if (i == start) return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t start = i;
    while (i < n && is_digit(text[i])) ++i;
    if (i == start) return false;
  }
  return i == n;
}

std::optional<bool> parse_boolean(std::string_view text) noexcept {
  if (equals_ignoring_case(text, "true")) return true;
  if (equals_ignoring_case(text, "false")) return false;
  return std::nullopt;
}

bool is_rfc3339_date_time(std::string_view text) noexcept {
  if (!singer::is_date_time(text)) return false;
  const char last = text.back();
  if (last == 'Z' || last == 'z') return true;
  // is_date_time also takes "+0200" (strftime's %z) and no offset at all.
  const std::size_t n = text.size();
  return n >= 25 && (text[n - 6] == '+' || text[n - 6] == '-') && text[n - 3] == ':';
}

bool infers_as(ColumnType type, std::string_view value) noexcept { return fits(type, value, false); }

bool converts_to(ColumnType type, std::string_view value) noexcept { return fits(type, value, true); }

ColumnType widened(ColumnType type, std::string_view value) noexcept {
  if (type == ColumnType::Integer && infers_as(ColumnType::Number, value)) return ColumnType::Number;
  return ColumnType::String;
}

std::size_t write_converted(ColumnType type, std::string_view value, char* out) noexcept {
  switch (type) {
    case ColumnType::Integer:
    case ColumnType::Number: return singer::write_json_number(value, out);
    case ColumnType::Boolean: {
      const bool b = parse_boolean(value).value_or(value == "1");
      std::memcpy(out, b ? "true" : "false", b ? 4 : 5);
      return b ? 4 : 5;
    }
    case ColumnType::DateTime:
    case ColumnType::Date:
    case ColumnType::String: {
      out[0] = '"';
      std::memcpy(out + 1, value.data(), value.size());
      if (type == ColumnType::DateTime) {
        // RFC 3339 allows "t", "z" and (by note only) a space; validators want T and Z.
        out[1 + 10] = 'T';
        out[value.size()] = upper(out[value.size()]);
      }
      out[value.size() + 1] = '"';
      return value.size() + 2;
    }
  }
  return 0;
}

singer::Json converted_json(ColumnType type, std::string_view value) {
  switch (type) {
    case ColumnType::Integer:
    case ColumnType::Number:
      if (auto literal = singer::json_number_from_text(value)) return singer::Json::number_literal(*literal);
      break;
    case ColumnType::Boolean: return singer::Json(parse_boolean(value).value_or(value == "1"));
    case ColumnType::DateTime: {
      std::string text(value);
      text[10] = 'T';
      text.back() = upper(text.back());
      return singer::Json(std::move(text));
    }
    default: break;
  }
  return singer::Json(value);
}

void TypeGuess::observe(std::string_view value) {
  if (value.empty()) return;
  any_value_ = true;
  if (integer_) integer_ = infers_as(ColumnType::Integer, value);
  if (number_) number_ = infers_as(ColumnType::Number, value);
  if (boolean_) boolean_ = parse_boolean(value).has_value();
  if (date_time_) date_time_ = is_rfc3339_date_time(value);
  if (date_) date_ = singer::is_date(value);
}

InferredType TypeGuess::result() const noexcept {
  if (!any_value_) return {ColumnType::String, true};
  ColumnType type = integer_     ? ColumnType::Integer
                    : number_    ? ColumnType::Number
                    : boolean_   ? ColumnType::Boolean
                    : date_time_ ? ColumnType::DateTime
                    : date_      ? ColumnType::Date
                                 : ColumnType::String;
  return {type, true};
}

std::string_view to_string(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::String: return "string";
    case ColumnType::Integer: return "integer";
    case ColumnType::Number: return "number";
    case ColumnType::Boolean: return "boolean";
    case ColumnType::DateTime: return "date-time";
    case ColumnType::Date: return "date";
  }
  return "string";
}

singer::Json property_schema(InferredType type) {
  singer::Json schema = singer::Json::object();
  const bool string_format = type.type == ColumnType::DateTime || type.type == ColumnType::Date;
  std::string_view json_type = string_format ? "string" : to_string(type.type);
  if (type.nullable) {
    singer::Json types = singer::Json::array();
    types.push_back(json_type);
    types.push_back("null");
    schema.set("type", std::move(types));
  } else {
    schema.set("type", json_type);
  }
  if (string_format) schema.set("format", to_string(type.type));
  return schema;
}

CatalogType catalog_type(const singer::Json& property) {
  if (!property.is_object()) return {std::nullopt, "the property schema is not an object"};
  const singer::Json* type = property.find("type");
  if (!type) {
    for (std::string_view k : {"anyOf", "oneOf", "allOf", "$ref", "enum", "const", "not"}) {
      if (property.find(k)) return {std::nullopt, fmt::format("'{}' without 'type' is not supported", k)};
    }
    return {InferredType{ColumnType::String, true}, {}};  // no type: any value, the text will do
  }
  bool has_string = false, has_integer = false, has_number = false, has_boolean = false, nullable = false;
  std::string others;
  auto take = [&](const singer::Json& t) {
    const std::string name = t.is_string() ? t.as_string() : t.dump();
    if (name == "string") has_string = true;
    else if (name == "integer") has_integer = true;
    else if (name == "number") has_number = true;
    else if (name == "boolean") has_boolean = true;
    else if (name == "null") nullable = true;
    else others += (others.empty() ? "" : ", ") + name;
  };
  if (type->is_array()) {
    for (const singer::Json& t : type->items()) take(t);
  } else {
    take(*type);
  }
  const singer::Json* format = property.find("format");
  const std::string format_name = format && format->is_string() ? format->as_string() : std::string();
  if (has_string) {
    // A string admits any CSV text; other types beside it are never needed.
    if (format_name.empty()) return {InferredType{ColumnType::String, nullable}, {}};
    if (has_integer || has_number || has_boolean || !others.empty()) {
      return {std::nullopt, fmt::format("format '{}' with more types than string is not supported", format_name)};
    }
    if (format_name == "date-time") return {InferredType{ColumnType::DateTime, nullable}, {}};
    if (format_name == "date") return {InferredType{ColumnType::Date, nullable}, {}};
    return {std::nullopt, fmt::format("format '{}' is not supported (date-time or date)", format_name)};
  }
  if (!others.empty()) return {std::nullopt, fmt::format("type {} cannot be read from a CSV column", others)};
  if (has_boolean && (has_integer || has_number)) {
    return {std::nullopt, "a type that is both boolean and a number cannot be chosen from CSV text"};
  }
  if (has_number) return {InferredType{ColumnType::Number, nullable}, {}};
  if (has_integer) return {InferredType{ColumnType::Integer, nullable}, {}};
  if (has_boolean) return {InferredType{ColumnType::Boolean, nullable}, {}};
  return {std::nullopt, "type null alone cannot be read from a CSV column"};
}

}  // namespace tap_csv
