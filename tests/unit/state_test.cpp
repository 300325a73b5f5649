// State: bookmarks, currently_syncing, merging, loading, and the ordering of
// replication-key values.
#include "singer/state.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include "singer/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace singer;
using Catch::Contains;

namespace {

Json num(std::string_view literal) { return Json::number_literal(literal); }

int cmp(const Json& a, const Json& b) { return compare_replication_values(a, b); }

}  // namespace

TEST_CASE("a new state is an empty object", "[state]") {
  State s;
  CHECK(s.json().dump() == "{}");
  CHECK(s.bookmark("users") == nullptr);
  CHECK(s.replication_key_value("users") == nullptr);
  CHECK_FALSE(s.currently_syncing().has_value());
}

TEST_CASE("state reads bookmarks and currently_syncing in the Singer shape", "[state]") {
  State s(Json::parse(R"({"bookmarks": {"users": {"replication_key": "updated_at",
      "replication_key_value": "2024-01-01T00:00:00Z", "version": 3}},
      "currently_syncing": "users"})"));
  REQUIRE(s.bookmark("users") != nullptr);
  CHECK(s.bookmark("users")->find("version")->as_int() == 3);
  REQUIRE(s.replication_key_value("users") != nullptr);
  CHECK(s.replication_key_value("users")->as_string() == "2024-01-01T00:00:00Z");
  CHECK(s.bookmark("orders") == nullptr);
  CHECK(s.currently_syncing() == "users");
}

TEST_CASE("state built from null is empty and from a non-object is refused", "[state]") {
  CHECK(State(Json()).json().dump() == "{}");
  CHECK_THROWS_WITH(State(Json::parse("[1]")), Contains("state is not a JSON object"));
}

TEST_CASE("setting a replication key value creates the bookmark path", "[state]") {
  State s;
  s.set_replication_key_value("users", "id", Json(42));
  CHECK(s.json().dump() ==
        R"({"bookmarks":{"users":{"replication_key":"id","replication_key_value":42}}})");
}

TEST_CASE("setting a replication key value keeps the bookmark's other keys", "[state]") {
  State s(Json::parse(R"({"bookmarks": {"users": {"version": 7, "replication_key_value": 1}},
                          "currently_syncing": null})"));
  s.set_replication_key_value("users", "id", Json(2));
  const Json* b = s.bookmark("users");
  REQUIRE(b != nullptr);
  CHECK(b->find("version")->as_int() == 7);
  CHECK(b->find("replication_key")->as_string() == "id");
  CHECK(b->find("replication_key_value")->as_int() == 2);
  CHECK(s.json().find("currently_syncing") != nullptr);
}

TEST_CASE("setting a replication key value replaces bookmarks that are not objects", "[state]") {
  State s(Json::parse(R"({"bookmarks": {"users": "junk"}})"));
  s.set_replication_key_value("users", "id", Json(5));
  CHECK(s.replication_key_value("users")->as_int() == 5);
}

TEST_CASE("currently_syncing can be set and cleared to null", "[state]") {
  State s;
  s.set_currently_syncing("orders");
  CHECK(s.currently_syncing() == "orders");
  s.set_currently_syncing(std::nullopt);
  CHECK_FALSE(s.currently_syncing().has_value());
  CHECK(s.json().dump() == R"({"currently_syncing":null})");
}

TEST_CASE("merging deep-merges objects and replaces everything else", "[state]") {
  State s(Json::parse(R"({"bookmarks": {"users": {"replication_key_value": 1, "version": 2},
                                        "orders": {"replication_key_value": "a"}},
                          "list": [1, 2], "currently_syncing": "users"})"));
  s.merge(Json::parse(R"({"bookmarks": {"users": {"replication_key_value": 9}},
                          "list": [3], "currently_syncing": null, "new": {"x": 1}})"));
  CHECK(s.json() == Json::parse(R"({"bookmarks": {"users": {"replication_key_value": 9,
      "version": 2}, "orders": {"replication_key_value": "a"}}, "list": [3],
      "currently_syncing": null, "new": {"x": 1}})"));
}

TEST_CASE("merging an object over a scalar replaces the scalar", "[state]") {
  State s(Json::parse(R"({"bookmarks": 5})"));
  s.merge(Json::parse(R"({"bookmarks": {"users": {}}})"));
  CHECK(s.json().dump() == R"({"bookmarks":{"users":{}}})");
}

TEST_CASE("merging null changes nothing and merging a non-object is refused", "[state]") {
  State s(Json::parse(R"({"a": 1})"));
  s.merge(Json());
  CHECK(s.json().dump() == R"({"a":1})");
  CHECK_THROWS_WITH(s.merge(Json("x")), Contains("state is not a JSON object"));
}

TEST_CASE("loading a state file parses it", "[state]") {
  TempDir dir;
  auto path = dir.write("state.json", R"({"bookmarks": {"s": {"replication_key_value": 3}}})");
  State s = State::load(path);
  CHECK(s.replication_key_value("s")->as_int() == 3);
}

TEST_CASE("an empty or blank state file is a usage error with a hint, not an empty state",
          "[state]") {
  TempDir dir;
  for (const char* text : {"", " \n", "\t\r\n"}) {
    auto path = dir.write("state.json", text);
    CHECK_THROWS_AS(State::load(path), UsageError);
    CHECK_THROWS_WITH(State::load(path),
                      path + ": the state file is empty; restore it, or run without --state to "
                             "start from scratch");
  }
}

TEST_CASE("loading a missing state file names the file and the reason", "[state]") {
  TempDir dir;
  auto path = (dir.path / "nope.json").string();
  CHECK_THROWS_AS(State::load(path), UsageError);
  CHECK_THROWS_WITH(State::load(path),
                    Contains(path + ": cannot read state file: No such file or directory"));
}

TEST_CASE("a state file that is a directory is a usage error", "[state]") {
  TempDir dir;
  CHECK_THROWS_AS(State::load(dir.path.string()), UsageError);
  CHECK_THROWS_WITH(State::load(dir.path.string()), Contains("cannot read state file: Is a directory"));
}

TEST_CASE("loading a state file with bad JSON names the file, line and column", "[state]") {
  TempDir dir;
  auto path = dir.write("state.json", "{\"bookmarks\":\n  {\"s\": 1,}}");
  CHECK_THROWS_AS(State::load(path), UsageError);
  CHECK_THROWS_WITH(State::load(path),
                    path + ": invalid JSON: expected a string key at line 2, column 11; restore it, "
                           "or run without --state to start from scratch");
}

TEST_CASE("loading a state file that is not an object names the file", "[state]") {
  TempDir dir;
  auto path = dir.write("state.json", "[1, 2]");
  CHECK_THROWS_WITH(State::load(path), Contains(path + ": state is not a JSON object"));
}

TEST_CASE("integers compare numerically, also beyond 64 bits", "[state]") {
  CHECK(cmp(num("2"), num("10")) < 0);
  CHECK(cmp(num("10"), num("2")) > 0);
  CHECK(cmp(num("7"), num("7")) == 0);
  CHECK(cmp(num("123456789012345678901234"), num("99")) > 0);
  CHECK(cmp(num("123456789012345678901234"), num("123456789012345678901235")) < 0);
  CHECK(cmp(num("-123456789012345678901234"), num("-99")) < 0);
  CHECK(cmp(num("-5"), num("3")) < 0);
  CHECK(cmp(num("-5"), num("-3")) < 0);
  CHECK(cmp(num("0"), num("-0")) == 0);
  CHECK(cmp(num("0"), num("-1")) > 0);
  CHECK(cmp(num("0"), num("1")) < 0);
}

TEST_CASE("decimals compare exactly by value, not by text", "[state]") {
  CHECK(cmp(num("1.50"), num("1.5")) == 0);
  CHECK(cmp(num("1.5"), num("2")) < 0);
  CHECK(cmp(num("2.0"), num("2")) == 0);
  CHECK(cmp(num("0.1"), num("0.09")) > 0);
  CHECK(cmp(num("-0.5"), num("-0.25")) < 0);
  CHECK(cmp(num("9007199254740993.1"), num("9007199254740993.2")) < 0);
  CHECK(cmp(num("0.000"), num("0")) == 0);
}

TEST_CASE("numbers with exponents compare by value", "[state]") {
  CHECK(cmp(num("1e3"), num("999")) > 0);
  CHECK(cmp(num("1e3"), num("1000")) == 0);
  CHECK(cmp(num("1.5E-2"), num("0.015")) == 0);
  CHECK(cmp(num("-1e2"), num("-99")) < 0);
}

TEST_CASE("date-times compare by instant, honouring offsets", "[state]") {
  CHECK(cmp(Json("2024-01-01T10:00:00+02:00"), Json("2024-01-01T09:00:00Z")) < 0);
  CHECK(cmp(Json("2024-01-01T10:00:00+02:00"), Json("2024-01-01T08:00:00Z")) == 0);
  CHECK(cmp(Json("2024-01-02"), Json("2024-01-01T23:59:59.999999Z")) > 0);
  CHECK(cmp(Json("2024-01-01T00:00:00.5Z"), Json("2024-01-01T00:00:00.25Z")) > 0);
}

TEST_CASE("other strings compare bytewise", "[state]") {
  CHECK(cmp(Json("abc"), Json("abd")) < 0);
  CHECK(cmp(Json("b"), Json("abc")) > 0);
  CHECK(cmp(Json("x"), Json("x")) == 0);
  CHECK(cmp(Json("\xc3\xa9"), Json("z")) > 0);  // bytes, unsigned: 0xc3 > 'z'
  // One side a date-time, the other not: bytewise.
  CHECK(cmp(Json("2024-01-01"), Json("not a date")) < 0);
}

TEST_CASE("numeric strings compare as numbers, with each other and with numbers", "[state]") {
  // A bookmark "9" from an untyped run must not stop rows 10..89 (bytewise "10" < "9").
  CHECK(cmp(Json("9"), Json("10")) < 0);
  CHECK(cmp(Json("9"), num("10")) < 0);
  CHECK(cmp(num("5"), Json("5")) == 0);
  CHECK(cmp(Json("+5"), Json(".5e1")) == 0);
  CHECK(cmp(Json("007"), Json("10")) < 0);
  CHECK(cmp(Json("-.5"), Json("-0.25")) < 0);
  CHECK(cmp(Json("123456789012345678901234567890"), Json("123456789012345678901234567891")) < 0);
}

TEST_CASE("values of different kinds compare by their JSON text", "[state]") {
  CHECK(cmp(num("5"), Json("abc")) > 0);  // 5 vs "abc": '"' sorts before '5'
  CHECK(cmp(Json(), Json(true)) < 0);     // "null" < "true"
}

TEST_CASE("replication values are classified by kind, strings by their text", "[state]") {
  CHECK(replication_kind(Json()) == ValueKind::Null);
  CHECK(replication_kind(Json(true)) == ValueKind::Boolean);
  CHECK(replication_kind(num("1.5")) == ValueKind::Number);
  for (const char* n : {"9", "-12", "+5", ".5", "5.", "007", "1e3", "123456789012345678901234567890"}) {
    INFO(n);
    CHECK(replication_kind(Json(n)) == ValueKind::Number);
  }
  CHECK(replication_kind(Json("2024-01-05T10:00:00Z")) == ValueKind::Instant);
  CHECK(replication_kind(Json("2024-01-05T10:00:00.25+02:00")) == ValueKind::Instant);
  CHECK(replication_kind(Json("2024-01-05 10:00:00-0500")) == ValueKind::Instant);
  CHECK(replication_kind(Json("2024-01-05 10:00:00")) == ValueKind::LocalDateTime);
  CHECK(replication_kind(Json("2024-01-05")) == ValueKind::Date);
  for (const char* t : {"", "abc", "A-1", "1,5", "NaN", "-", "2024-13-01", "true"}) {
    INFO(t);
    CHECK(replication_kind(Json(t)) == ValueKind::Text);
  }
  CHECK(describe(ValueKind::Number) == "a number");
  CHECK(describe(ValueKind::Instant) == "a date-time with a UTC offset");
}

TEST_CASE("date-times parse to microseconds since the epoch", "[state]") {
  CHECK(parse_date_time_micros("1970-01-01") == 0);
  CHECK(parse_date_time_micros("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_date_time_micros("1970-01-02T00:00:01Z") == 86'401'000'000);
  CHECK(parse_date_time_micros("2024-02-29T12:34:56.789Z") == 1'709'210'096'789'000);
  CHECK(parse_date_time_micros("2024-02-29 12:34:56.789") == 1'709'210'096'789'000);
  CHECK(parse_date_time_micros("2024-02-29T12:34:56.789123456Z") == 1'709'210'096'789'123);
  CHECK(parse_date_time_micros("1969-12-31T23:59:59Z") == -1'000'000);
  CHECK(parse_date_time_micros("2000-03-01T00:00:00Z") == 951'868'800'000'000);
}

TEST_CASE("date-times honour offsets in every spelling", "[state]") {
  auto utc = parse_date_time_micros("2024-06-01T08:00:00Z");
  REQUIRE(utc);
  CHECK(parse_date_time_micros("2024-06-01T10:00:00+02:00") == utc);
  CHECK(parse_date_time_micros("2024-06-01T10:00:00+0200") == utc);
  CHECK(parse_date_time_micros("2024-06-01T10:00:00+02") == utc);
  CHECK(parse_date_time_micros("2024-06-01T03:30:00-04:30") == utc);
  CHECK(parse_date_time_micros("2024-06-01T08:00:00") == utc);
  CHECK(parse_date_time_micros("2024-06-01t08:00:00z") == utc);
}

TEST_CASE("text that is not an ISO-8601 date-time does not parse", "[state]") {
  for (const char* bad : {"", "2024", "2024-1-01", "2024-13-01", "2023-02-29", "2024-04-31",
                          "2024-01-01T", "2024-01-01T10:00", "2024-01-01T24:00:00",
                          "2024-01-01T10:60:00", "2024-01-01T10:00:00.", "2024-01-01T10:00:00X",
                          "2024-01-01T10:00:00+2", "2024-01-01T10:00:00+02:0",
                          "2024-01-01T10:00:00Zjunk", "2024-01-01x", "abcd-ef-gh"}) {
    INFO(bad);
    CHECK_FALSE(parse_date_time_micros(bad).has_value());
  }
}
