// Parsing and printing durations; units d h m s ms, combinable ("1h30m"), fractions
// allowed ("1.5s"), and a unitless number means seconds as in timeout(1).
#include "duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "singer/error.hpp"

namespace singer_run {

Millis parse_duration(std::string_view text, const std::string& where) {
  auto invalid = [&]() {
    return singer::UsageError({where}, "invalid duration '{}' (use e.g. 90s, 30m, 1h30m)", text);
  };
  if (text.empty()) throw invalid();
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start) throw invalid();
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) throw invalid();
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s" || (unit.empty() && start == 0 && i == text.size())) {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60e3;
    } else if (unit == "h") {
      scale = 3600e3;
    } else if (unit == "d") {
      scale = 86400e3;
    } else {
      throw invalid();
    }
    total_ms += value * scale;
  }
  if (!std::isfinite(total_ms) || total_ms > 1e15) throw invalid();
  return Millis(static_cast<std::int64_t>(std::llround(total_ms)));
}

std::string format_duration(Millis d) {
  std::int64_t ms = d.count();
  if (ms % 1000 != 0) return fmt::format("{:g}s", static_cast<double>(ms) / 1000.0);
  std::int64_t s = ms / 1000;
  if (s == 0) return "0s";
  std::string out;
  if (s >= 3600) out += fmt::format("{}h", s / 3600);
  if (s % 3600 >= 60) out += fmt::format("{}m", s % 3600 / 60);
  if (s % 60) out += fmt::format("{}s", s % 60);
  return out;
}

}  // namespace singer_run
