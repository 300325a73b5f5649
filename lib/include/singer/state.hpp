// Singer state: {"bookmarks": {stream: {replication_key, replication_key_value, ...}},
// "currently_syncing": ...}, typed comparison of replication-key values, merging.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "singer/json.hpp"

namespace singer {

class State {
 public:
  State() : value_(Json::object()) {}
  explicit State(Json value);
  static State load(const std::string& path);  // Throws Error naming the file

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

// Orders two replication-key values: integers and numbers numerically (exactly, beyond
// 64 bits), ISO-8601 date-times by instant (offsets honoured), strings bytewise.
// Returns <0, 0, >0. Values of different kinds compare by their text.
int compare_replication_values(const Json& a, const Json& b);

// Microseconds since the epoch for an ISO-8601 date-time or date, or nothing.
std::optional<std::int64_t> parse_date_time_micros(std::string_view text) noexcept;

}  // namespace singer
