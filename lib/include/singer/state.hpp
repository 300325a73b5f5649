// Singer state: {"bookmarks": {stream: {replication_key, replication_key_value, ...}},
// "currently_syncing": ...}, typed comparison of replication-key values, merging.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "singer/json.hpp"

namespace singer {

class State {
 public:
  State() : value_(Json::object()) {}
  explicit State(Json value);
  // Throws UsageError naming the file when it cannot be read, is empty or blank (a
  // truncated state file must not pass for "no state"), or is not a JSON object.
  static State load(const std::string& path);

  const Json& json() const noexcept { return value_; }

  // bookmarks[stream], or nullptr.
  const Json* bookmark(std::string_view stream) const;
  // bookmarks[stream].replication_key_value, or nullptr.
  const Json* replication_key_value(std::string_view stream) const;
  void set_replication_key_value(std::string_view stream, std::string_view replication_key,
                                 Json value);

  std::optional<std::string> currently_syncing() const;
  void set_currently_syncing(std::optional<std::string> stream);

  // Deep-merges other into this state (objects merged, everything else replaced).
  void merge(const Json& other);

 private:
  Json value_;
};

// What a replication-key value orders as. Untyped sources (a CSV file without types, a
// state written by such a run) hold numbers and date-times as strings, so a string is
// classified by its text: "10", "+5", ".5" are numbers; "2024-01-05T10:00:00+02:00" an
// instant; "2024-01-05 10:00:00" a local date-time (no offset: the instant is unknown);
// "2024-01-05" a date; anything else text.
enum class ValueKind : std::uint8_t { Null, Boolean, Number, Instant, LocalDateTime, Date, Text };
ValueKind replication_kind(const Json& value);
// "a number", "a date-time with a UTC offset", "text", ... for error messages.
std::string_view describe(ValueKind kind) noexcept;

// Orders two replication-key values of the same kind: numbers numerically (exactly,
// beyond 64 bits, whether JSON numbers or numeric strings: "9" < 10), date-times by
// instant (offsets honoured), dates by day, text bytewise. Returns <0, 0, >0. Values of
// different kinds have no order of their own: strings that both read as date-times
// compare by instant, anything else by its JSON text; callers that need a real order
// check replication_kind first.
int compare_replication_values(const Json& a, const Json& b);

// Microseconds since the epoch for an ISO-8601 date-time or date, or nothing.
std::optional<std::int64_t> parse_date_time_micros(std::string_view text) noexcept;

}  // namespace singer
