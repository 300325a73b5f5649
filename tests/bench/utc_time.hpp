// The bench records' date-times as the targets store them: RFC 3339 with any offset to
// the same instant in UTC (the limit programs' share of what RowBuilder does).
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bench {

inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

inline unsigned digits(std::string_view s, std::size_t at, std::size_t n) {
  unsigned v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + static_cast<unsigned>(s[i] - '0');
  return v;
}

// RFC 3339 with any offset -> the same instant in UTC, fraction kept:
// 2021-03-04T05:06:07.123+02:00 -> 2021-03-04T03:06:07.123Z.
inline std::string to_utc(std::string_view s) {
  if (s.size() < 20) throw std::runtime_error("bad date-time: " + std::string(s));
  std::size_t zone = 19;
  while (zone < s.size() && (s[zone] == '.' || (s[zone] >= '0' && s[zone] <= '9'))) ++zone;
  std::string_view fraction = s.substr(19, zone - 19);
  int offset = 0;
  if (s[zone] == '+' || s[zone] == '-') {
    offset = static_cast<int>(digits(s, zone + 1, 2) * 60 + digits(s, zone + 4, 2));
    if (s[zone] == '-') offset = -offset;
  }
  std::int64_t secs = days_from_civil(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2)) * 86400 +
                      digits(s, 11, 2) * 3600 + digits(s, 14, 2) * 60 + digits(s, 17, 2) -
                      std::int64_t{offset} * 60;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t tod = secs - days * 86400, year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(year),
                        month, day, static_cast<long long>(tod / 3600), static_cast<long long>(tod / 60 % 60),
                        static_cast<long long>(tod % 60));
  std::string out(buf, static_cast<std::size_t>(n));
  out.append(fraction);
  out.push_back('Z');
  return out;
}

}  // namespace bench
