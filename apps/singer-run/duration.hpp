// Durations as people write them in a crontab or a pipeline file: "90s", "30m",
// "1h30m", "500ms", or a bare number of seconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace singer_run {

using Millis = std::chrono::milliseconds;

// Throws UsageError(where, "invalid duration '...'") for anything else.
Millis parse_duration(std::string_view text, const std::string& where);

// The shortest of those forms that reads back the same: "30m", "1h30m", "1.5s".
std::string format_duration(Millis d);

}  // namespace singer_run
