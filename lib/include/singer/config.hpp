// Config: JSON files merged left to right, an environment overlay (TAP_CSV_DELIMITER
// style, as the Meltano SDK does), validated against the program's config JSON Schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "singer/json.hpp"

namespace singer {

// Loads and merges the files, applies the environment overlay for every top-level
// property of schema_text (prefix "TAP_CSV_" for tap-csv; it wins over the files and
// each setting it gives is logged by name, never by value), and validates. A path
// "ENV" (Meltano SDK's `--config ENV`) names no file. Throws UsageError naming the
// file and key (line and column for invalid JSON). The program name gives the prefix.
Json load_config(const std::vector<std::string>& paths, std::string_view program,
                 std::string_view schema_text);

// "tap-csv" -> "TAP_CSV_"
std::string env_prefix(std::string_view program);

}  // namespace singer

namespace singer_embedded {
// The program's schemas/config/<program>.json, embedded by singer_add_binary().
extern const std::string_view kConfigSchema;
}  // namespace singer_embedded
