// Json: the owned value and its parser, the string escaper, shortest doubles and the
// streaming JsonWriter.
#include "singer/json.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>
#include <cmath>
#include <limits>
#include <string>

using namespace singer;
using Catch::Contains;

namespace {

Json parse(std::string_view text) { return Json::parse(text, Location{"<stdin>", 3}); }

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string shortest(double d) {
  std::string out;
  append_json_double(out, d);
  return out;
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

// ---- parsing -------------------------------------------------------------------

TEST_CASE("json parses null, booleans, numbers and strings", "[json]") {
  CHECK(parse("null").is_null());
  CHECK(parse("true").is_bool());
  CHECK(parse("true").as_bool());
  CHECK_FALSE(parse("false").as_bool());
  CHECK(parse("false").type() == Json::Type::Bool);

  Json n = parse("42");
  CHECK(n.is_number());
  CHECK(n.is_integer());
  CHECK(n.as_int() == 42);
  CHECK(n.number_text() == "42");

  Json f = parse("-2.5e3");
  CHECK(f.is_number());
  CHECK_FALSE(f.is_integer());
  CHECK(f.as_int() == std::nullopt);
  CHECK(f.as_double() == -2500.0);

  Json s = parse(R"("hello")");
  CHECK(s.is_string());
  CHECK(s.as_string() == "hello");
}

TEST_CASE("json parses arrays and objects with members in document order", "[json]") {
  Json a = parse(R"([1, "two", [3], {"four": 4}, null, true])");
  REQUIRE(a.is_array());
  REQUIRE(a.size() == 6);
  CHECK(a.items()[0].as_int() == 1);
  CHECK(a.items()[1].as_string() == "two");
  CHECK(a.items()[2].is_array());
  CHECK(a.items()[2].items()[0].as_int() == 3);
  CHECK(a.items()[3].find("four")->as_int() == 4);
  CHECK(a.items()[4].is_null());
  CHECK(a.items()[5].as_bool());

  Json o = parse(R"({"z": 1, "a": {"y": [], "b": {}}, "m": "x"})");
  REQUIRE(o.is_object());
  REQUIRE(o.size() == 3);
  CHECK(o.keys() == std::vector<std::string>{"z", "a", "m"});
  CHECK(o.key(1) == "a");
  CHECK(o.items()[1].keys() == std::vector<std::string>{"y", "b"});
  CHECK(o.items()[1].items()[0].is_array());
  CHECK(o.items()[1].items()[0].size() == 0);
  CHECK(o.items()[1].items()[1].is_object());
  CHECK(o.items()[1].items()[1].size() == 0);
}

TEST_CASE("json keeps number literals byte for byte", "[json]") {
  for (const char* literal : {"12345678901234567890123456789", "1.000000000000000000001", "-0",
                              "1E+400", "0.1", "-1.5e-7", "1e400", "123456789012345678901234567890.5"}) {
    INFO(literal);
    Json n = parse(literal);
    CHECK(n.is_number());
    CHECK(n.number_text() == literal);
    CHECK(n.dump() == literal);

    Json in_array = parse(std::string("[") + literal + "]");
    CHECK(in_array.items()[0].number_text() == literal);
    CHECK(in_array.dump() == std::string("[") + literal + "]");

    Json in_object = parse(std::string(R"({"n": )") + literal + " }");
    CHECK(in_object.find("n")->number_text() == literal);
  }
}

TEST_CASE("json tells integers from other numbers by their literal", "[json]") {
  CHECK(parse("-0").is_integer());
  CHECK(parse("-0").as_int() == 0);
  CHECK(parse("12345678901234567890123456789").is_integer());
  CHECK(parse("12345678901234567890123456789").as_int() == std::nullopt);
  CHECK(parse("9223372036854775807").as_int() == std::numeric_limits<std::int64_t>::max());
  CHECK(parse("-9223372036854775808").as_int() == std::numeric_limits<std::int64_t>::min());
  CHECK(parse("9223372036854775808").as_int() == std::nullopt);
  CHECK_FALSE(parse("1.0").is_integer());
  CHECK_FALSE(parse("1e2").is_integer());
  CHECK_FALSE(parse("1E2").is_integer());
  CHECK(parse("1.000000000000000000001").as_double() == 1.0);
}

TEST_CASE("json builds numbers from ints and doubles", "[json]") {
  CHECK(Json(7).number_text() == "7");
  CHECK(Json(std::int64_t{-9223372036854775807 - 1}).number_text() == "-9223372036854775808");
  CHECK(Json(0.1).number_text() == "0.1");
  CHECK(Json(1.5).dump() == "1.5");
  CHECK(Json(std::nan("")).is_null());
  CHECK(Json(std::numeric_limits<double>::infinity()).is_null());
  CHECK(Json::number_literal("1.50").number_text() == "1.50");
  CHECK(Json("text").is_string());
  CHECK(Json(std::string_view("view")).as_string() == "view");
  CHECK(Json(nullptr).is_null());
  CHECK(Json().is_null());
}

TEST_CASE("json dump round-trips compact documents", "[json]") {
  for (const char* text : {
           R"({"a":1,"b":[true,false,null],"c":{"d":"e\"f\\g"},"n":-0.0e+1})",
           R"([])",
           R"({})",
           R"([[],[{}],{"":""}])",
           R"("é😀")",
           R"({"z":1,"y":2,"x":3})",
           R"("line\nbreak\ttab\u0001")",
       }) {
    INFO(text);
    CHECK(parse(text).dump() == text);
    CHECK(parse(parse(text).dump()) == parse(text));
  }
  CHECK(parse(" { \"a\" : [ 1 , 2 ] } ").dump() == R"({"a":[1,2]})");
}

TEST_CASE("json decodes unicode escapes including surrogate pairs", "[json]") {
  CHECK(parse(R"("\u00e9")").as_string() == "\xC3\xA9");
  CHECK(parse(R"("caf\u00E9")").as_string() == "caf\xC3\xA9");
  CHECK(parse(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");
  CHECK(parse(R"("\u20ac")").as_string() == "\xE2\x82\xAC");
  CHECK(parse(R"("\"\\\/\b\f\n\r\t")").as_string() == "\"\\/\b\f\n\r\t");
  CHECK(parse(R"({"k\u00e9y": 1})").key(0) == "k\xC3\xA9y");
  // The dump writes the characters themselves, not escapes.
  CHECK(parse(R"("\u00e9\ud83d\ude00")").dump() == "\"\xC3\xA9\xF0\x9F\x98\x80\"");
}

TEST_CASE("json reports the line and column of invalid JSON in a whole file", "[json]") {
  const Location file{"tap.json"};
  CHECK_THROWS_WITH(Json::parse("{\"a\": 1,\n \"b\": [1, 2,]}", file),
                    "tap.json: invalid JSON: expected a value at line 2, column 13");
  CHECK_THROWS_WITH(Json::parse("{\n  \"a\": \"x", file),
                    "tap.json: invalid JSON: unclosed string at line 2, column 8");
  CHECK_THROWS_WITH(Json::parse("{\"a\": 1}\n}", file),
                    "tap.json: invalid JSON: unexpected content after the value at line 2, column 1");
  CHECK_THROWS_WITH(Json::parse("{\"ratio\": NaN}", file),
                    "tap.json: invalid JSON: NaN is not a JSON number at line 1, column 11");
  CHECK_THROWS_WITH(Json::parse("  ", file), "tap.json: invalid JSON: empty document");
  // A text with no file is one line: its byte.
  CHECK_THROWS_WITH(Json::parse("[1, -Infinity]"), "invalid JSON: -Infinity is not a JSON number at byte 5");
}

TEST_CASE("json reports the location and the problem of invalid JSON", "[json]") {
  CHECK_THROWS_WITH(parse(R"({"a": "b)"), Contains("<stdin>:3: invalid JSON: unclosed string"));
  CHECK_THROWS_WITH(parse(R"("abc)"), Contains("<stdin>:3: invalid JSON: unclosed string"));
  CHECK_THROWS_WITH(parse("{} x"),
                    Contains("<stdin>:3: invalid JSON: unexpected content after the value"));
  CHECK_THROWS_WITH(parse("[1] [2]"),
                    Contains("<stdin>:3: invalid JSON: unexpected content after the value"));
  CHECK_THROWS_WITH(parse("01"), Contains("<stdin>:3: invalid JSON: invalid number"));
  CHECK_THROWS_WITH(parse("[01]"), Contains("<stdin>:3: invalid JSON: invalid number"));
  CHECK_THROWS_WITH(parse(R"({"a": 01})"), Contains("<stdin>:3: invalid JSON: invalid number"));
  CHECK_THROWS_WITH(parse("[1.]"), Contains("<stdin>:3: invalid JSON: invalid number"));
  CHECK_THROWS_WITH(parse("[-]"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse("[tru]"), Contains("<stdin>:3: invalid JSON: invalid literal (expected true)"));
  CHECK_THROWS_WITH(parse("[nul]"), Contains("<stdin>:3: invalid JSON: invalid literal (expected null)"));
  CHECK_THROWS_WITH(parse("[fals]"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(""), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse("   "), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"({"a" 1})"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"({"a":1,})"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"([1,])"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"({"a":1)"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"([1, 2)"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse("\"a\x01b\""), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"("\x")"), Contains("<stdin>:3: invalid JSON: invalid string escape"));
  CHECK_THROWS_WITH(parse("\"\xFF\""), Contains("<stdin>:3: invalid JSON: invalid UTF-8"));
}

TEST_CASE("json rejects content after a top-level scalar", "[json]") {
  // A document is one value: "1 2" is two, like "{} x".
  CHECK_THROWS_WITH(parse("1 2"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse("true x"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse(R"("a" "b")"), Contains("<stdin>:3: invalid JSON"));
  CHECK_THROWS_WITH(parse("null }"), Contains("<stdin>:3: invalid JSON"));
}

TEST_CASE("json parse errors without a location say only what and where", "[json]") {
  CHECK_THROWS_WITH(Json::parse("{} x"), "invalid JSON: unexpected content after the value at byte 4");
  CHECK_THROWS_WITH(Json::parse(R"(["a)", Location{"state.json"}),
                    "state.json: invalid JSON: unclosed string at line 1, column 2");
}

// ---- numbers people write ----------------------------------------------------------

TEST_CASE("json numbers from text keep the value and every digit", "[json]") {
  const std::pair<const char*, const char*> cases[] = {
      {"5", "5"},       {"+5", "5"},        {".5", "0.5"},     {"-.5", "-0.5"},  {"5.", "5.0"},
      {"+.5", "0.5"},   {"007", "7"},       {"-007.50", "-7.50"}, {"00", "0"},   {"-0", "-0"},
      {"1e3", "1e3"},   {"1.E+05", "1.0E+05"}, {".5e-3", "0.5e-3"},
      {"123456789012345678901234567890.000000000000000000001", "123456789012345678901234567890.000000000000000000001"},
  };
  for (const auto& [text, want] : cases) {
    INFO(text);
    CHECK(json_number_from_text(text) == std::optional<std::string>(want));
    CHECK(Json::parse(want).is_number());
  }
  for (const char* bad : {"", "+", "-", ".", "+.", "1.5.2", "1e", "1e+", "e5", "NaN", "Infinity", "1,5", "0x10",
                          " 1", "1 ", "--1", "1_000"}) {
    INFO(bad);
    CHECK_FALSE(json_number_from_text(bad).has_value());
  }
}

// ---- building and changing -------------------------------------------------------

TEST_CASE("json set, find, erase and operator[] keep insertion order", "[json]") {
  Json o = Json::object();
  o.set("b", 1);
  o.set("a", "x");
  o["c"] = true;
  CHECK(o.keys() == std::vector<std::string>{"b", "a", "c"});
  CHECK(o.dump() == R"({"b":1,"a":"x","c":true})");

  // Replacing keeps the member where it was.
  Json& stored = o.set("b", Json::array());
  CHECK(&stored == o.find("b"));
  CHECK(o.keys() == std::vector<std::string>{"b", "a", "c"});
  CHECK(o.dump() == R"({"b":[],"a":"x","c":true})");
  o["a"] = 2;
  CHECK(o.dump() == R"({"b":[],"a":2,"c":true})");

  // operator[] inserts null at the end when absent.
  Json& d = o["d"];
  CHECK(d.is_null());
  CHECK(o.keys() == std::vector<std::string>{"b", "a", "c", "d"});

  CHECK(o.find("nope") == nullptr);
  CHECK(std::as_const(o).find("a")->as_int() == 2);

  CHECK(o.erase("a"));
  CHECK_FALSE(o.erase("a"));
  CHECK(o.keys() == std::vector<std::string>{"b", "c", "d"});
  CHECK(o.dump() == R"({"b":[],"c":true,"d":null})");
  CHECK(o.size() == 3);

  // Parsed objects keep document order through changes too.
  Json p = parse(R"({"z":1,"y":2,"x":3})");
  p.set("w", 4);
  p.erase("y");
  p.set("z", 0);
  CHECK(p.dump() == R"({"z":0,"x":3,"w":4})");
}

TEST_CASE("json set and operator[] turn a null into an object, push_back into an array", "[json]") {
  Json a;
  a.set("k", 1);
  CHECK(a.is_object());
  CHECK(a.dump() == R"({"k":1})");

  Json b;
  b["x"]["y"] = "z";
  CHECK(b.dump() == R"({"x":{"y":"z"}})");

  Json c;
  c.push_back(1);
  c.push_back(Json::object());
  CHECK(c.is_array());
  CHECK(c.dump() == R"([1,{}])");

  CHECK(Json().find("x") == nullptr);
  CHECK(Json::array().find("x") == nullptr);
}

TEST_CASE("json equality compares values, not spelling or member order", "[json]") {
  CHECK(parse("null") == Json());
  CHECK(parse("true") == Json(true));
  CHECK_FALSE(parse("true") == Json(false));
  CHECK_FALSE(parse("0") == Json());
  CHECK_FALSE(parse("\"1\"") == parse("1"));
  CHECK(parse(R"("a")") == Json("a"));
  CHECK_FALSE(parse(R"("a")") == Json("b"));

  // Numbers: the same literal, or the same value when either has a fraction/exponent.
  CHECK(parse("1") == Json(1));
  CHECK(parse("1.0") == parse("1"));
  CHECK(parse("1e0") == parse("1.00"));
  CHECK(parse("0.1") == Json(0.1));
  CHECK_FALSE(parse("1.5") == parse("1"));
  CHECK(parse("12345678901234567890123456789") == parse("12345678901234567890123456789"));
  CHECK_FALSE(parse("12345678901234567890") == parse("12345678901234567891"));

  // Arrays in order; objects regardless of member order.
  CHECK(parse("[1,2]") == parse("[1, 2]"));
  CHECK_FALSE(parse("[1,2]") == parse("[2,1]"));
  CHECK_FALSE(parse("[1,2]") == parse("[1,2,3]"));
  CHECK(parse(R"({"a":1,"b":[2]})") == parse(R"({"b":[2],"a":1})"));
  CHECK_FALSE(parse(R"({"a":1})") == parse(R"({"a":1,"b":2})"));
  CHECK_FALSE(parse(R"({"a":1,"b":2})") == parse(R"({"a":1})"));
  CHECK_FALSE(parse(R"({"a":1})") == parse(R"({"b":1})"));
  CHECK_FALSE(parse(R"({"a":{"b":1}})") == parse(R"({"a":{"b":2}})"));
  CHECK_FALSE(Json::object() == Json::array());
  CHECK(Json::object() == parse("{}"));
}

TEST_CASE("json equality does not confuse numbers too large for a double", "[json]") {
  // as_double() of 1E+400 is 0 (from_chars leaves it untouched on overflow), so these
  // compare equal to each other and to zero.
  CHECK_FALSE(parse("1E+400") == parse("0"));
  CHECK_FALSE(parse("1E+400") == parse("0.0"));
  CHECK_FALSE(parse("1E+400") == parse("-1E+400"));
  CHECK_FALSE(parse("1E+400") == parse("2E+400"));
}

TEST_CASE("json dump_pretty indents nested documents for people", "[json]") {
  Json doc = parse(R"({"a":[1,{"b":null}],"c":{},"d":[],"e":"x\"y"})");
  CHECK(doc.dump_pretty() ==
        "{\n"
        "  \"a\": [\n"
        "    1,\n"
        "    {\n"
        "      \"b\": null\n"
        "    }\n"
        "  ],\n"
        "  \"c\": {},\n"
        "  \"d\": [],\n"
        "  \"e\": \"x\\\"y\"\n"
        "}");
  CHECK(parse(R"({"a":[1]})").dump_pretty(4) == "{\n    \"a\": [\n        1\n    ]\n}");
  CHECK(parse("3.25").dump_pretty() == "3.25");
  CHECK(parse("{}").dump_pretty() == "{}");
  CHECK(parse(doc.dump_pretty()) == doc);
  CHECK(parse(doc.dump_pretty()).dump() == doc.dump());
}

// ---- append_json_string and is_valid_utf8 ------------------------------------------

TEST_CASE("append_json_string escapes quotes, backslashes and control characters", "[json]") {
  CHECK(escaped("") == R"("")");
  CHECK(escaped("plain text") == R"("plain text")");
  CHECK(escaped("a\"b") == R"("a\"b")");
  CHECK(escaped("a\\b") == R"("a\\b")");
  CHECK(escaped("\n") == R"("\n")");
  CHECK(escaped("\r\t\b\f") == R"("\r\t\b\f")");
  CHECK(escaped("\x01") == R"("\u0001")");
  CHECK(escaped("\x1f") == R"("\u001f")");
  CHECK(escaped(std::string_view("a\0b", 3)) == R"("a\u0000b")");
  CHECK(escaped("\x7f") == "\"\x7f\"");
  CHECK(escaped("/") == R"("/")");

  std::string out = "prefix:";
  CHECK(append_json_string(out, "x\ny"));
  CHECK(out == R"(prefix:"x\ny")");
}

TEST_CASE("append_json_string escapes U+2028 and U+2029 and passes other UTF-8 through", "[json]") {
  CHECK(escaped("a\xE2\x80\xA8" "b") == R"("a\u2028b")");
  CHECK(escaped("\xE2\x80\xA9") == R"("\u2029")");
  CHECK(escaped("\xE2\x80\xA7") == "\"\xE2\x80\xA7\"");  // U+2027 is not special
  std::string multibyte = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF";
  std::string out;
  CHECK(append_json_string(out, multibyte));
  CHECK(out == "\"" + multibyte + "\"");
  // What we escape reads back as what we were given.
  std::string tricky = std::string("q\"b\\n\n\x01\0", 9) + "\xE2\x80\xA8\xC3\xA9";
  CHECK(Json::parse(escaped(tricky)).as_string() == tricky);
}

TEST_CASE("append_json_string writes U+FFFD for invalid UTF-8 and returns false", "[json]") {
  std::string out;
  CHECK_FALSE(append_json_string(out, "a\xFF" "b"));
  CHECK(out == "\"a" + kReplacement + "b\"");

  out.clear();
  CHECK_FALSE(append_json_string(out, "\xC0\x80"));  // overlong NUL
  CHECK(out.find("\xC0") == std::string::npos);
  CHECK(out.find(kReplacement) != std::string::npos);
  CHECK(is_valid_utf8(out));

  out.clear();
  CHECK_FALSE(append_json_string(out, "\xED\xA0\x80"));  // surrogate U+D800
  CHECK(out.find("\xED") == std::string::npos);
  CHECK(out.find(kReplacement) != std::string::npos);
  CHECK(is_valid_utf8(out));

  out.clear();
  CHECK_FALSE(append_json_string(out, "x\xE2\x82"));  // truncated euro sign
  CHECK(out.rfind("\"x" + kReplacement, 0) == 0);
  CHECK(out.back() == '"');
  CHECK(is_valid_utf8(out));

  out.clear();
  CHECK_FALSE(append_json_string(out, "\xF0\x9F\x98"));  // truncated emoji
  CHECK(is_valid_utf8(out));

  out.clear();
  CHECK_FALSE(append_json_string(out, "\x80"));  // lone continuation byte
  CHECK(out == "\"" + kReplacement + "\"");

  out.clear();
  CHECK_FALSE(append_json_string(out, "\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK(is_valid_utf8(out));

  out.clear();
  CHECK_FALSE(append_json_string(out, "\xE0\x80\xAF"));  // overlong '/'
  CHECK(out.find('/') == std::string::npos);
  CHECK(is_valid_utf8(out));

  // Escaping still happens around bad bytes.
  out.clear();
  CHECK_FALSE(append_json_string(out, "\"\xFF\n"));
  CHECK(out == "\"\\\"" + kReplacement + "\\n\"");
}

TEST_CASE("is_valid_utf8 accepts well-formed UTF-8 only", "[json]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("ascii"));
  CHECK(is_valid_utf8(std::string_view("\0", 1)));
  CHECK(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  CHECK(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF
  CHECK(is_valid_utf8("\xEE\x80\x80"));      // U+E000
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xFF"));
  CHECK_FALSE(is_valid_utf8("\xC0\x80"));
  CHECK_FALSE(is_valid_utf8("\xC1\xBF"));
  CHECK_FALSE(is_valid_utf8("\xE0\x9F\xBF"));
  CHECK_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(is_valid_utf8("\xED\xBF\xBF"));
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));
  CHECK_FALSE(is_valid_utf8("\xC3"));
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK_FALSE(is_valid_utf8("ok\xC3(ok"));
}

// ---- append_json_double --------------------------------------------------------------

TEST_CASE("append_json_double writes the shortest text that reads back the same", "[json]") {
  CHECK(shortest(0.1) == "0.1");
  CHECK(shortest(0.0) == "0");
  CHECK(shortest(-0.0) == "-0");
  CHECK(shortest(1.0) == "1");
  CHECK(shortest(-2.5) == "-2.5");
  CHECK(shortest(100.0) == "100");
  CHECK(shortest(1e21) == "1e+21");
  CHECK(shortest(5e-324) == "5e-324");
  CHECK(shortest(0.1 + 0.2) == "0.30000000000000004");
  CHECK(shortest(1.7976931348623157e308) == "1.7976931348623157e+308");

  for (double d : {0.1, 1e21, 5e-324, 123456.789, -1e-7, 1.7976931348623157e308, 2.0 / 3.0,
                   9007199254740993.0, 1e15, 1e16, 1e22}) {
    std::string text = shortest(d);
    INFO(text);
    // Valid JSON numbers...
    CHECK(Json::parse(text).is_number());
    // ...that read back to the same double.
    double back = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
    CHECK(ec == std::errc());
    CHECK(p == text.data() + text.size());
    CHECK(back == d);
  }
}

TEST_CASE("append_json_double writes what std::to_chars writes, for decimals and for any double", "[json]") {
  // The fast path for few-decimal values must agree with to_chars byte for byte, around
  // every shape it takes or declines (exponent form, ties, 2^52, trailing zeros).
  auto to_chars_text = [](double d) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
  };
  std::mt19937_64 random(20261129);
  std::uniform_int_distribution<int> digit_count(1, 17), exponent(-12, 18), sign(0, 1);
  std::size_t checked = 0;
  auto check = [&](double d) {
    if (!std::isfinite(d)) return;
    const std::string want = to_chars_text(d), got = shortest(d);
    if (got != want) FAIL_CHECK("value " << want << " written as " << got);
    ++checked;
  };
  for (int i = 0; i < 300000; ++i) {
    // A decimal with 1-17 significant digits, read as a double, and its neighbours.
    std::string text = sign(random) ? "-" : "";
    const int count = digit_count(random);
    for (int k = 0; k < count; ++k) text += static_cast<char>('0' + random() % 10);
    text += "e" + std::to_string(exponent(random));
    const double d = std::strtod(text.c_str(), nullptr);
    check(d);
    check(std::nextafter(d, 0.0));
    check(std::nextafter(d, 1e300));
    // Any bit pattern.
    std::uint64_t bits = random();
    double any;
    std::memcpy(&any, &bits, sizeof any);
    check(any);
  }
  for (double d : {4503599627370495.0, 4503599627370496.0, 4503599627370497.0, 9007199254740992.0, 1e-7, 1.5e-7,
                   1e-6, 0.000908, 0.00908, 0.0001, 0.001, 0.01, 10.0, 1000.0, 1234.5, 99999999999999.9}) {
    check(d);
    check(-d);
  }
  CHECK(checked > 1000000);
}

TEST_CASE("append_json_string agrees with a byte-by-byte escaper at every length and offset", "[json]") {
  // The escaper scans 16 bytes at a time: special bytes at every position of a block and
  // of the tail must come out as a plain byte-by-byte escaper writes them.
  auto reference = [](std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x80) {
        // decode one sequence by hand, strictly (RFC 3629)
        std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        bool ok = len != 0 && i + len <= text.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        if (ok) {
          const auto c1 = static_cast<unsigned char>(text[i + 1]);
          if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
            ok = false;
        }
        if (!ok) {
          out += "\xEF\xBF\xBD";
          ++i;
        } else if (len == 3 && c == 0xE2 && text[i + 1] == '\x80' && (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
          out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
          i += 3;
        } else {
          out.append(text.substr(i, len));
          i += len;
        }
        continue;
      }
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c < 0x20) {
        char u[7];
        std::snprintf(u, sizeof u, "\\u%04x", c);
        out += u;
      } else out += static_cast<char>(c);
      ++i;
    }
    return out + "\"";
  };
  const std::vector<std::string> pieces = {"\"", "\\", "\n", "\x01", std::string(1, '\0'), "\x1f", "\x7f", " ",
                                           "\xC3\xA9", "\xE2\x82\xAC", "\xE2\x80\xA8", "\xE2\x80\xA9",
                                           "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xE2\x82", "\xED\xA0\x80", "\x80"};
  std::mt19937 random(7);
  std::size_t checked = 0;
  for (std::size_t length = 0; length <= 70; ++length) {
    for (int trial = 0; trial < 400; ++trial) {
      std::string text;
      while (text.size() < length) {
        if (random() % 4 == 0) text += pieces[random() % pieces.size()];
        else text += static_cast<char>('a' + random() % 26);
      }
      std::string got;
      const bool valid = append_json_string(got, text);
      const std::string want = reference(text);
      if (got != want) FAIL_CHECK("length " << length << " trial " << trial << ": " << got << " != " << want);
      if (valid != is_valid_utf8(text)) FAIL_CHECK("validity of length " << length << " trial " << trial);
      std::vector<char> room(json_string_room(text.size()));  // exactly the room promised
      bool raw_valid = true;
      char* end = write_json_string(room.data(), text, raw_valid);
      if (std::string(room.data(), end) != want || raw_valid != valid) FAIL_CHECK("raw, length " << length << " trial " << trial);
      if (valid) {  // what is known to be valid goes through the trusted escaper the same way
        std::string trusted;
        append_trusted_json_string(trusted, text);
        if (trusted != want) FAIL_CHECK("trusted, length " << length << " trial " << trial);
      }
      ++checked;
    }
  }
  CHECK(checked == 71 * 400);

  // Values larger than the escaper's 16 KiB slices: characters across every slice edge.
  for (std::size_t shift = 0; shift < 8; ++shift) {
    std::string big(shift, 'x');
    while (big.size() < 70000) big += pieces[random() % pieces.size()] + "abc";
    std::string got;
    const bool valid = append_json_string(got, big);
    CHECK(got == reference(big));
    CHECK(valid == is_valid_utf8(big));
  }
}

TEST_CASE("append_json_double writes null for NaN and infinities", "[json]") {
  CHECK(shortest(std::nan("")) == "null");
  CHECK(shortest(std::numeric_limits<double>::infinity()) == "null");
  CHECK(shortest(-std::numeric_limits<double>::infinity()) == "null");
  std::string out = "[";
  append_json_double(out, 1.5);
  CHECK(out == "[1.5");
}

// ---- JsonWriter ----------------------------------------------------------------------

TEST_CASE("json writer places commas in nested objects and arrays", "[json]") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.integer(1);
  w.key("b");
  w.begin_array();
  w.integer(1);
  w.number(2.5);
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.begin_array();
  w.null();
  w.boolean(false);
  w.end_array();
  w.string("s");
  w.end_array();
  w.key("c");
  w.begin_object();
  w.key("d");
  w.null();
  w.key("e");
  w.begin_object();
  w.key("f");
  w.boolean(true);
  w.end_object();
  w.end_object();
  w.key("g");
  w.number_literal("1E+400");
  w.key("h");
  w.raw(R"({"x":[1]})");
  w.key("i");
  w.integer(-9223372036854775807 - 1);
  w.end_object();
  CHECK(out ==
        R"({"a":1,"b":[1,2.5,{},[],[null,false],"s"],"c":{"d":null,"e":{"f":true}},)"
        R"("g":1E+400,"h":{"x":[1]},"i":-9223372036854775808})");
  CHECK(&w.out() == &out);
  CHECK_NOTHROW(Json::parse(out));
}

TEST_CASE("json writer writes a Json value as dump() does", "[json]") {
  Json doc = parse(R"({"a":[1,2,{"b":"c"}],"n":12345678901234567890123456789,"e":{}})");
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.value(doc);
  w.value(Json());
  w.end_array();
  CHECK(out == "[" + doc.dump() + ",null]");
}

TEST_CASE("json writer reset forgets a pending comma", "[json]") {
  std::string out;
  JsonWriter w(out);
  w.integer(1);
  w.reset();
  out += "|";
  w.integer(2);
  CHECK(out == "1|2");
}

TEST_CASE("json writer rejects strings and keys that are not valid UTF-8", "[json]") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  CHECK_THROWS_WITH(w.key("bad\xFF"), Contains("invalid UTF-8 in key"));
  std::string out2;
  JsonWriter w2(out2);
  CHECK_THROWS_WITH(w2.string("bad\xC0\x80"), Contains("invalid UTF-8 in string"));
  CHECK_THROWS_AS(w2.string("\xED\xA0\x80"), Error);
  CHECK_THROWS_WITH(Json("x\xFF").dump(), Contains("invalid UTF-8 in string"));
  std::string out3;
  JsonWriter w3(out3);
  CHECK_NOTHROW(w3.string("\xC3\xA9\xE2\x80\xA8"));
  CHECK(out3 == "\"\xC3\xA9\\u2028\"");
}

TEST_CASE("trusted string escaping matches the checking escaper on valid UTF-8", "[json]") {
  const std::string inputs[] = {"plain", "caf\xC3\xA9 \xE2\x98\x83 \xF0\x9F\x98\x80", "line\nbreak \"q\" \\ \x01",
                                "sep \xE2\x80\xA8 par \xE2\x80\xA9 end", "\xE2\x82\xAC", ""};
  for (const auto& in : inputs) {
    std::string checked, trusted;
    CHECK(singer::append_json_string(checked, in));
    singer::append_trusted_json_string(trusted, in);
    CHECK(trusted == checked);
  }
  std::string out;
  singer::append_trusted_json_string(out, "a\xE2\x80\xA8z");
  CHECK(out == "\"a\\u2028z\"");
}
