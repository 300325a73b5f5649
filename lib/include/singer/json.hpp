// JSON for documents we build or change (state, catalog, schemas, config): an owned
// value that keeps numbers as their exact literal text, and a streaming writer with
// a correct string escaper. Records never go through Json on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "singer/error.hpp"

namespace singer {

class Json {
 public:
  enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(int i) : Json(static_cast<std::int64_t>(i)) {}
  Json(std::int64_t i);
  Json(double d);
  Json(std::string s) : type_(Type::String), text_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::String), text_(s) {}
  Json(const char* s) : type_(Type::String), text_(s) {}

  static Json object() { return Json(Type::Object); }
  static Json array() { return Json(Type::Array); }
  // A number from its JSON literal, kept byte for byte ("12345678901234567890123").
  static Json number_literal(std::string_view text);

  // Parses one JSON document. Throws Error(where, "invalid JSON: ..."), ending with
  // "at line L, column C" when where names a file but no line (a whole file), "at byte
  // N" when where is empty, and no position when where has a line (the text may be a
  // fragment of that line: its reader places the error).
  static Json parse(std::string_view text, const Location& where = {});

  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::Null; }
  bool is_bool() const noexcept { return type_ == Type::Bool; }
  bool is_number() const noexcept { return type_ == Type::Number; }
  bool is_string() const noexcept { return type_ == Type::String; }
  bool is_array() const noexcept { return type_ == Type::Array; }
  bool is_object() const noexcept { return type_ == Type::Object; }
  // A number whose literal has no fraction or exponent.
  bool is_integer() const noexcept;

  bool as_bool() const noexcept { return bool_; }
  // The unescaped string, or a number's literal text.
  const std::string& as_string() const noexcept { return text_; }
  const std::string& number_text() const noexcept { return text_; }
  // The value as int64 if it is an integer that fits.
  std::optional<std::int64_t> as_int() const noexcept;
  double as_double() const noexcept;

  // Arrays and objects: number of items / members.
  std::size_t size() const noexcept { return items_.size(); }
  const std::vector<Json>& items() const noexcept { return items_; }
  std::vector<Json>& items() noexcept { return items_; }
  void push_back(Json value);

  // Objects keep insertion order; key(i) goes with items()[i].
  const std::string& key(std::size_t i) const { return keys_[i]; }
  const std::vector<std::string>& keys() const noexcept { return keys_; }
  const Json* find(std::string_view key) const noexcept;
  Json* find(std::string_view key) noexcept;
  // Inserts or replaces; returns the stored value. Turns a null into an object.
  Json& set(std::string_view key, Json value);
  // Returns the member, inserting null first if absent. Turns a null into an object.
  Json& operator[](std::string_view key);
  bool erase(std::string_view key);

  // Compact JSON, members in insertion order.
  std::string dump() const;
  // Indented JSON for files people read (catalogs, --about).
  std::string dump_pretty(int indent = 2) const;

  bool operator==(const Json& other) const;

 private:
  explicit Json(Type t) : type_(t) {}

  Type type_ = Type::Null;
  bool bool_ = false;
  std::string text_;               // string value or number literal
  std::vector<Json> items_;        // array items or object values
  std::vector<std::string> keys_;  // object keys, parallel to items_
};

// Appends s as a quoted JSON string: escapes '"', '\\', control characters and
// U+2028/U+2029. Returns false (and writes U+FFFD for each bad sequence) if s is not
// valid UTF-8.
bool append_json_string(std::string& out, std::string_view s);

// As append_json_string, for text the caller has already checked is valid UTF-8:
// skips the check (a reader that validates with line numbers need not pay twice).
void append_trusted_json_string(std::string& out, std::string_view s);

// True if s is valid UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

// Shortest text that reads back as the same double; "null" for NaN and infinities.
void append_json_double(std::string& out, double d);

// The same writers on raw memory, for hot loops that size their output once (one
// resize per record instead of one append per piece). Each returns the end of what it
// wrote; `p` needs room for the bound given.
constexpr std::size_t json_string_room(std::size_t bytes) noexcept { return 6 * bytes + 32; }
char* write_json_string(char* p, std::string_view s, bool& valid) noexcept;  // json_string_room(s.size())
constexpr std::size_t kJsonDoubleRoom = 32;
char* write_json_double(char* p, double d) noexcept;  // kJsonDoubleRoom

// A decimal number as people and spreadsheets write it ("+5", ".5", "5.", "007",
// "-.5e3") as the JSON literal of the same value ("5", "0.5", "5.0", "7", "-0.5e3"),
// written to out, which needs room for text.size() + 1 bytes. Returns the bytes written,
// or 0 when text is not a decimal number ("", ".", "1,5", "0x10", "NaN", "Infinity").
// The digits are copied, never rounded: any length stays exact.
std::size_t write_json_number(std::string_view text, char* out) noexcept;
// The same as a string, or nothing.
std::optional<std::string> json_number_from_text(std::string_view text);

// Writes JSON into a caller-owned string, handling commas. Strings that are not valid
// UTF-8 throw Error(where, "invalid UTF-8 in string").
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(&out) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view name);
  void string(std::string_view s);
  // A string already checked to be valid UTF-8 (see append_trusted_json_string).
  void trusted_string(std::string_view s);
  void integer(std::int64_t i);
  void number(double d);
  // A number given as its literal text (not checked).
  void number_literal(std::string_view text);
  void boolean(bool b);
  void null();
  // A value that is already JSON text (not checked).
  void raw(std::string_view json);
  void value(const Json& v);

  // Resets comma tracking, e.g. after the caller wrote structure itself.
  void reset() noexcept { need_comma_ = false; }
  std::string& out() noexcept { return *out_; }

 private:
  void separate() {
    if (need_comma_) out_->push_back(',');
    need_comma_ = true;
  }

  std::string* out_;
  bool need_comma_ = false;
};

}  // namespace singer
