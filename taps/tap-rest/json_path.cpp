// Parsing of the JSONPath subset; evaluation lives with the page parser (rest_stream.cpp).
#include "json_path.hpp"

#include <cctype>

#include "singer/error.hpp"

namespace tap_rest {

std::vector<PathStep> parse_json_path(std::string_view path, std::string_view setting) {
  auto fail = [&](std::string_view why) {
    throw singer::UsageError(singer::Location{}, "{}: '{}' is not a supported JSONPath ({})", setting,
                             path, why);
  };
  std::vector<PathStep> steps;
  if (path.empty() || path[0] != '$') fail("it must start with $");
  std::size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      if (i < path.size() && path[i] == '.') fail("recursive descent .. is not supported");
      if (i < path.size() && path[i] == '*') {
        steps.push_back({PathStep::Kind::Wildcard, {}, 0});
        ++i;
        continue;
      }
      std::size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      if (i == start) fail("empty name after .");
      steps.push_back({PathStep::Kind::Key, std::string(path.substr(start, i - start)), 0});
    } else if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) fail("unclosed [");
      std::string_view inside = path.substr(i + 1, close - i - 1);
      if (inside == "*") {
        steps.push_back({PathStep::Kind::Wildcard, {}, 0});
      } else if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
                 inside.back() == inside.front()) {
        steps.push_back({PathStep::Kind::Key, std::string(inside.substr(1, inside.size() - 2)), 0});
      } else if (!inside.empty() && inside.find_first_not_of("0123456789") == std::string_view::npos &&
                 inside.size() < 10) {
        steps.push_back({PathStep::Kind::Index, {}, std::stoul(std::string(inside))});
      } else {
        fail("filters and slices are not supported");
      }
      i = close + 1;
    } else {
      fail("expected . or [");
    }
  }
  return steps;
}

}  // namespace tap_rest
