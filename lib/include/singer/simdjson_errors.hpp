// simdjson error codes in the project's words ("unclosed string"), for error lines: the
// message reader's, the JSON parser's and any program's that parses JSON with simdjson.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace singer {

inline std::string_view describe_json_error(simdjson::error_code code) noexcept {
  switch (code) {
    case simdjson::UNCLOSED_STRING: return "unclosed string";
    case simdjson::UNESCAPED_CHARS: return "unescaped control character in string";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::STRING_ERROR: return "invalid string escape";
    case simdjson::NUMBER_ERROR: return "invalid number";
    case simdjson::T_ATOM_ERROR: return "invalid literal (expected true)";
    case simdjson::F_ATOM_ERROR: return "invalid literal (expected false)";
    case simdjson::N_ATOM_ERROR: return "invalid literal (expected null)";
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::EMPTY: return "empty document";
    case simdjson::CAPACITY: return "document too large";
    case simdjson::TRAILING_CONTENT: return "unexpected content after the value";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "unclosed object or array";
    case simdjson::INCORRECT_TYPE: return "unexpected value type";
    case simdjson::NO_SUCH_FIELD: return "missing field";
    case simdjson::OUT_OF_ORDER_ITERATION: return "internal parser misuse";
    case simdjson::TAPE_ERROR:
    default: return "syntax error";
  }
}

}  // namespace singer
