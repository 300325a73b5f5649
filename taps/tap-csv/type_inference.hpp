// Column types for CSV text: inference (infer_types), widening when a later value does
// not fit, the types a catalog may ask for, and the checks and conversions that turn a
// field's text into the JSON value of its column's type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "singer/json.hpp"

namespace tap_csv {

enum class ColumnType : std::uint8_t { String, Integer, Number, Boolean, DateTime, Date };

struct InferredType {
  ColumnType type = ColumnType::String;
  bool nullable = false;  // the schema admits null
};

// Watches the values of one column.
class TypeGuess {
 public:
  void observe(std::string_view value);
  // Integer before Number before Boolean before DateTime before Date before String; a
  // column with no value at all is a String. Every inferred column is nullable: CSV
  // cannot say NOT NULL, and a later empty value must not stop a sync.
  InferredType result() const noexcept;

 private:
  bool integer_ = true;
  bool number_ = true;
  bool boolean_ = true;
  bool date_time_ = true;
  bool date_ = true;
  bool any_value_ = false;
};

// A JSON integer literal: -?(0|[1-9][0-9]*), of any length. "007" and "+1" are not.
bool is_json_integer(std::string_view text) noexcept;
// A JSON number literal: "1e5" and "-0.5" are; "1.", ".5", "+1", "NaN" are not.
bool is_json_number(std::string_view text) noexcept;
// "true"/"false" in any letter case.
std::optional<bool> parse_boolean(std::string_view text) noexcept;
// An RFC 3339 date-time with a UTC offset (Z or +hh:mm); "2024-01-05 10:00:00" is not.
bool is_rfc3339_date_time(std::string_view text) noexcept;

// How a non-empty value is written as `type`: not at all (it does not fit), as it
// stands (already JSON of its type: "5", "2024-01-05T10:00:00Z"), or converted by
// write_converted ("+5", "5.", "2024-01-05 10:00:00Z"); booleans as true or false.
// `lenient` is the catalog's conversion, otherwise inference's (see converts_to).
enum class Form : std::uint8_t { NoFit, Verbatim, Convert, True, False };
Form form_of(ColumnType type, std::string_view value, bool lenient) noexcept;

// Whether inference takes a non-empty value as `type`: numbers as people write them
// ("+5", ".5", "5.", "1e3") but without leading zeros ("007" is a code, not 7); booleans
// true/false; date-times only with an offset; dates YYYY-MM-DD.
bool infers_as(ColumnType type, std::string_view value) noexcept;
// Whether a non-empty value converts to a type the catalog asks for: as infers_as, and
// also leading zeros ("007" -> 7) and 1/0 for booleans.
bool converts_to(ColumnType type, std::string_view value) noexcept;
// The type a column becomes when `value` does not fit `type`: integer -> number ->
// string; boolean, date-time and date -> string.
ColumnType widened(ColumnType type, std::string_view value) noexcept;

// Writes a value that converts_to(type) as JSON at out (room: value.size() + 5 bytes;
// String is the caller's, it needs escaping). Returns the bytes written. Numbers keep
// every digit ("+5" -> 5, ".5" -> 0.5, "5." -> 5.0, "007" -> 7); date-times get a "T"
// between date and time.
std::size_t write_converted(ColumnType type, std::string_view value, char* out) noexcept;
// The same as a Json value (for bookmarks).
singer::Json converted_json(ColumnType type, std::string_view value);

// "integer", "number", "boolean", "date-time", "date", "string".
std::string_view to_string(ColumnType type) noexcept;

// The property schema: {"type": ["integer", "null"]}, {"type": "string", "format": "date-time"}, ...
singer::Json property_schema(InferredType type);

// The column type a catalog's property schema asks for, or the reason the tap cannot
// produce it from CSV text ("type array", "format 'email'").
struct CatalogType {
  std::optional<InferredType> type;
  std::string problem;
};
CatalogType catalog_type(const singer::Json& property_schema);

}  // namespace tap_csv
