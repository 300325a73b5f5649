// The flags every program shares, what --about prints, and run_main(): the single
// place that catches errors, prints "<program>: error: ..." and picks the exit code.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "singer/json.hpp"

namespace singer {

struct ProgramInfo {
  std::string name;         // "tap-csv"
  std::string description;  // one line
  std::vector<std::string> capabilities;  // "catalog", "discover", "state", "about", ...
  std::string_view config_schema;         // JSON Schema text of the config
};

// The version of singer-cpp, e.g. "0.1.0".
std::string_view version() noexcept;

// {"name", "description", "version", "capabilities", "settings"} as the Meltano SDK
// prints for --about --format json.
Json about_json(const ProgramInfo& info);
// The same as Markdown, for --about --format markdown (and plain --about).
std::string about_markdown(const ProgramInfo& info);

// Sets the log program name, runs body, and turns what it throws into one stderr line
// and an exit code: Error -> 1, UsageError -> 2, anything else -> 1.
int run_main(std::string_view program, const std::function<int()>& body);

}  // namespace singer
