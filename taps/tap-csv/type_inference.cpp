// Column type inference. Numbers are only ever checked, never converted: the tap
// writes them as the file's own literal text, so big integers and long decimals pass
// through exactly.
#include "type_inference.hpp"

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

}  // namespace

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

bool fits(ColumnType type, std::string_view value) noexcept {
  switch (type) {
    case ColumnType::String: return true;
    case ColumnType::Integer: return is_json_integer(value);
    case ColumnType::Number: return is_json_number(value);
    case ColumnType::Boolean: return parse_boolean(value).has_value();
    case ColumnType::DateTime: return singer::is_date_time(value);
  }
  return false;
}

void TypeGuess::observe(std::string_view value) {
  if (value.empty()) {
    any_empty_ = true;
    return;
  }
  any_value_ = true;
  if (integer_) integer_ = is_json_integer(value);
  if (!integer_ && number_) number_ = is_json_number(value);
  if (boolean_) boolean_ = parse_boolean(value).has_value();
  if (date_time_) date_time_ = singer::is_date_time(value);
}

InferredType TypeGuess::result() const noexcept {
  if (!any_value_) return {};
  ColumnType type = integer_     ? ColumnType::Integer
                    : number_    ? ColumnType::Number
                    : boolean_   ? ColumnType::Boolean
                    : date_time_ ? ColumnType::DateTime
                                 : ColumnType::String;
  return {type, type != ColumnType::String && any_empty_};
}

std::string_view to_string(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::String: return "string";
    case ColumnType::Integer: return "integer";
    case ColumnType::Number: return "number";
    case ColumnType::Boolean: return "boolean";
    case ColumnType::DateTime: return "date-time";
  }
  return "string";
}

singer::Json property_schema(InferredType type) {
  singer::Json schema = singer::Json::object();
  std::string_view json_type = type.type == ColumnType::DateTime ? "string" : to_string(type.type);
  if (type.nullable) {
    singer::Json types = singer::Json::array();
    types.push_back(json_type);
    types.push_back("null");
    schema.set("type", std::move(types));
  } else {
    schema.set("type", json_type);
  }
  if (type.type == ColumnType::DateTime) schema.set("format", "date-time");
  return schema;
}

}  // namespace tap_csv
