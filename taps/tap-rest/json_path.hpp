// The JSONPath subset tap-rest reads records and next-page tokens with: $, .name,
// ['name'], [n], [*] and .* (e.g. $.data[*], $[*], $.results, $.entry[*].resource).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tap_rest {

struct PathStep {
  enum class Kind { Key, Index, Wildcard };
  Kind kind = Kind::Key;
  std::string key;
  std::size_t index = 0;
};

// Throws singer::UsageError("<setting>: ...") for anything outside the subset.
std::vector<PathStep> parse_json_path(std::string_view path, std::string_view setting);

}  // namespace tap_rest
