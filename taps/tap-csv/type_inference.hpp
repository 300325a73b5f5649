// Type inference for CSV columns (infer_types): the narrowest JSON type that fits every
// sampled value, and the checks that later values still fit it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "singer/json.hpp"

namespace tap_csv {

enum class ColumnType : std::uint8_t { String, Integer, Number, Boolean, DateTime };

struct InferredType {
  ColumnType type = ColumnType::String;
  bool nullable = false;  // an empty value becomes null (never for String: "" stays "")
};

// Watches the values of one column.
class TypeGuess {
 public:
  void observe(std::string_view value);
  // Integer before Number before Boolean before DateTime before String; a column with
  // no value at all is a String.
  InferredType result() const noexcept;

 private:
  bool integer_ = true;
  bool number_ = true;
  bool boolean_ = true;
  bool date_time_ = true;
  bool any_value_ = false;
  bool any_empty_ = false;
};

// A JSON integer literal: -?(0|[1-9][0-9]*), of any length. "007" and "+1" are not.
bool is_json_integer(std::string_view text) noexcept;
// A JSON number literal: "1e5" and "-0.5" are; "1.", ".5", "+1", "NaN" are not.
bool is_json_number(std::string_view text) noexcept;
// "true"/"false" in any letter case.
std::optional<bool> parse_boolean(std::string_view text) noexcept;
// Whether a non-empty value can be written as `type`.
bool fits(ColumnType type, std::string_view value) noexcept;

// "integer", "number", "boolean", "date-time", "string".
std::string_view to_string(ColumnType type) noexcept;

// The property schema: {"type": ["integer", "null"]}, {"type": "string", "format": "date-time"}, ...
singer::Json property_schema(InferredType type);

}  // namespace tap_csv
