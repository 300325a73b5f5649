// Where a JSON text first breaks the grammar, for error lines: simdjson says what is
// wrong but not where. Runs only after a parse failed, so it favours clear over fast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace singer::detail {

struct JsonSyntaxError {
  std::size_t offset = 0;  // 0-based byte offset into the text
  std::string what;        // "unclosed string"; never quotes the text itself
};

class JsonSyntaxScanner {
 public:
  explicit JsonSyntaxScanner(std::string_view text) : s_(text) {}

  std::optional<JsonSyntaxError> run() {
    skip_space();
    if (i_ == s_.size()) return JsonSyntaxError{0, "empty document"};
    if (!value(0)) return error_;
    skip_space();
    if (i_ != s_.size()) return JsonSyntaxError{i_, "unexpected content after the value"};
    return std::nullopt;
  }

 private:
  static constexpr int kMaxDepth = 1024;

  bool fail(std::size_t at, std::string what) {
    error_ = JsonSyntaxError{at, std::move(what)};
    return false;
  }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool starts_with(std::string_view word) const { return s_.substr(i_, word.size()) == word; }

  bool value(int depth) {
    if (depth > kMaxDepth) return fail(i_, "nested too deeply");
    if (i_ == s_.size()) return fail(i_, "expected a value, got the end of the text");
    // Python's json module writes these for float('nan') and float('inf').
    for (std::string_view word : {"-Infinity", "Infinity", "NaN"}) {
      if (starts_with(word)) return fail(i_, fmt::format("{} is not a JSON number", word));
    }
    char c = s_[i_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    return fail(i_, "expected a value");
  }

  bool object(int depth) {
    const std::size_t open = i_++;
    skip_space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      if (i_ == s_.size()) return fail(open, "unclosed object");
      if (s_[i_] != '"') return fail(i_, "expected a string key");
      if (!string()) return false;
      skip_space();
      if (i_ == s_.size()) return fail(open, "unclosed object");
      if (s_[i_] != ':') return fail(i_, "expected ':' after a key");
      ++i_;
      skip_space();
      if (i_ == s_.size()) return fail(open, "unclosed object");
      if (!value(depth + 1)) return false;
      skip_space();
      if (i_ == s_.size()) return fail(open, "unclosed object");
      if (s_[i_] == '}') {
        ++i_;
        return true;
      }
      if (s_[i_] != ',') return fail(i_, "expected ',' or '}'");
      ++i_;
      skip_space();
    }
  }

  bool array(int depth) {
    const std::size_t open = i_++;
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      if (i_ == s_.size()) return fail(open, "unclosed array");
      if (!value(depth + 1)) return false;
      skip_space();
      if (i_ == s_.size()) return fail(open, "unclosed array");
      if (s_[i_] == ']') {
        ++i_;
        return true;
      }
      if (s_[i_] != ',') return fail(i_, "expected ',' or ']'");
      ++i_;
      skip_space();
    }
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u" at i_; -1 if they are not there.
  long unicode_escape() {
    if (i_ + 6 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return -1;
    long v = 0;
    for (std::size_t k = 2; k < 6; ++k) {
      int h = hex(s_[i_ + k]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  }

  // Length of the valid UTF-8 sequence at i_, or 0.
  std::size_t utf8_length() const {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
    auto cont = [&](std::size_t k) { return i_ + k < s_.size() && (b(k) & 0xC0) == 0x80; };
    unsigned char c = b(0);
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
      if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
      if (c == 0xF4 && b(1) >= 0x90) return 0;  // beyond U+10FFFF
      return 4;
    }
    return 0;
  }

  bool string() {
    const std::size_t open = i_++;
    while (i_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return fail(i_, "unescaped control character in string");
      if (c == '\\') {
        if (i_ + 1 == s_.size()) break;
        char e = s_[i_ + 1];
        if (e == 'u') {
          long v = unicode_escape();
          if (v < 0) return fail(i_, "invalid string escape");
          std::size_t at = i_;
          i_ += 6;
          if (v >= 0xDC00 && v <= 0xDFFF) return fail(at, "invalid string escape (lone surrogate)");
          if (v >= 0xD800 && v <= 0xDBFF) {
            long low = unicode_escape();
            if (low < 0xDC00 || low > 0xDFFF) return fail(at, "invalid string escape (lone surrogate)");
            i_ += 6;
          }
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          return fail(i_, "invalid string escape");
        }
        i_ += 2;
        continue;
      }
      if (c >= 0x80) {
        std::size_t n = utf8_length();
        if (n == 0) return fail(i_, "invalid UTF-8");
        i_ += n;
        continue;
      }
      ++i_;
    }
    return fail(open, "unclosed string");
  }

  bool number() {
    const std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      std::size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
      if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') return fail(start, "invalid number (leading zero)");
    } else if (digits() == 0) {
      return fail(start, "invalid number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return fail(start, "invalid number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return fail(start, "invalid number");
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (!starts_with(word)) return fail(i_, fmt::format("invalid literal (expected {})", word));
    i_ += word.size();
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  JsonSyntaxError error_;
};

inline std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text) {
  return JsonSyntaxScanner(text).run();
}

// "at line 3, column 17" for a byte offset into a multi-line text (columns count bytes).
inline std::string line_and_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t k = 0; k < offset && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++line;
      line_start = k + 1;
    }
  }
  return fmt::format("line {}, column {}", line, offset - line_start + 1);
}

}  // namespace singer::detail
