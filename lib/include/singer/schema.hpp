// JSON Schema as Singer uses it: type lists with null, anyOf, objects, arrays,
// formats date-time/date/time, multipleOf, maxLength, local $ref/definitions.
// A schema is compiled once; validation walks a record's RecordFields.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "singer/error.hpp"
#include "singer/json.hpp"
#include "singer/message.hpp"

namespace singer {

struct ValidationError {
  std::string path;     // "address.zip", "tags[2]", "files[0]"; empty for the root
  std::string message;  // "expected string, got integer", "missing required field 'id'"
};

class Schema {
 public:
  // Compiles a JSON Schema. Throws Error(where, ...) if it is not an object or names
  // a $ref it cannot resolve.
  static Schema compile(const Json& schema, const Location& where = {});

  Schema();
  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  ~Schema();

  // The first violation found, or nothing. `noun` names members in messages
  // ("field" for records, "key" for config).
  std::optional<ValidationError> validate(const RecordFields& value,
                                          std::string_view noun = "field") const;
  std::optional<ValidationError> validate(const Json& value, std::string_view noun = "field") const;

  // Names of the top-level properties, in schema order.
  const std::vector<std::string>& property_names() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "field 'a.b': expected string, got integer" / "missing required field 'id'".
std::string describe(const ValidationError& error, std::string_view noun = "field");

// ISO-8601 / RFC 3339 checks used by the "format" keyword.
bool is_date_time(std::string_view s) noexcept;  // 2024-01-31T10:00:00Z, +02:00, fractions
bool is_date(std::string_view s) noexcept;       // 2024-01-31
bool is_time(std::string_view s) noexcept;       // 10:00:00, 10:00:00.5+02:00

}  // namespace singer
