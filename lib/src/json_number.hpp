// JSON number literal grammar, shared by the owned Json parser and the message reader.
#pragma once

#include <string_view>

namespace singer::detail {

// True if text is exactly one JSON number (RFC 8259). Sets has_fraction_or_exponent.
inline bool scan_json_number(std::string_view text, bool& has_fraction_or_exponent) noexcept {
  size_t i = 0, n = text.size();
  has_fraction_or_exponent = false;
  if (i < n && text[i] == '-') ++i;
  if (i >= n) return false;
  if (text[i] == '0') {
    ++i;
  } else if (text[i] >= '1' && text[i] <= '9') {
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
  } else {
    return false;
  }
  if (i < n && text[i] == '.') {
    has_fraction_or_exponent = true;
    ++i;
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    has_fraction_or_exponent = true;
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return false;
  }
  return i == n;
}

// Drops the whitespace simdjson leaves after a raw token.
inline std::string_view trim_json_token(std::string_view token) noexcept {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

}  // namespace singer::detail
