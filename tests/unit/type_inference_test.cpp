// tap-csv's column types: inference, widening, catalog types and value conversion.
#include "type_inference.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using tap_csv::ColumnType;
using tap_csv::InferredType;

namespace {

InferredType infer(std::vector<std::string> values) {
  tap_csv::TypeGuess guess;
  for (const auto& v : values) guess.observe(v);
  return guess.result();
}

std::string convert(ColumnType type, std::string_view value) {
  std::string out(value.size() + 5, '\0');
  out.resize(tap_csv::write_converted(type, value, out.data()));
  return out;
}

std::string catalog(const char* property) {
  auto t = tap_csv::catalog_type(singer::Json::parse(property));
  if (!t.type) return "refused: " + t.problem;
  return std::string(tap_csv::to_string(t.type->type)) + (t.type->nullable ? "?" : "");
}

}  // namespace

TEST_CASE("type inference picks the narrowest type that fits every value", "[type_inference]") {
  CHECK(infer({"1", "-20", "123456789012345678901234567890"}).type == ColumnType::Integer);
  CHECK(infer({"+5", "7"}).type == ColumnType::Integer);
  CHECK(infer({"1", "2.5", "1e5"}).type == ColumnType::Number);
  CHECK(infer({".5", "5.", "-.5", "+1.5"}).type == ColumnType::Number);
  CHECK(infer({"true", "FALSE", "True"}).type == ColumnType::Boolean);
  CHECK(infer({"2024-01-31T10:00:00Z", "2024-02-01 00:00:00+02:00"}).type == ColumnType::DateTime);
  CHECK(infer({"2024-01-31", "2024-02-29"}).type == ColumnType::Date);
  CHECK(infer({"1", "x"}).type == ColumnType::String);
  CHECK(infer({"007"}).type == ColumnType::String);  // zip codes keep their zeros
  CHECK(infer({"00.5"}).type == ColumnType::String);
  CHECK(infer({}).type == ColumnType::String);
  CHECK(infer({"", ""}).type == ColumnType::String);
}

TEST_CASE("naive timestamps and other offsets are not inferred as date-times", "[type_inference]") {
  CHECK(infer({"2024-01-05 10:00:00"}).type == ColumnType::String);
  CHECK(infer({"2024-01-05T10:00:00"}).type == ColumnType::String);
  CHECK(infer({"2024-01-05T10:00:00+0200"}).type == ColumnType::String);
  CHECK(infer({"2024-01-05T10:00:00Z", "2024-01-05"}).type == ColumnType::String);
}

TEST_CASE("every inferred column is nullable", "[type_inference]") {
  for (auto values : std::vector<std::vector<std::string>>{{"1"}, {"a"}, {"true"}, {"2024-01-05"}, {}, {"1", ""}}) {
    CHECK(infer(values).nullable);
  }
}

TEST_CASE("a value that does not fit widens integer to number to string, others to string", "[type_inference]") {
  CHECK(tap_csv::widened(ColumnType::Integer, "2.5") == ColumnType::Number);
  CHECK(tap_csv::widened(ColumnType::Integer, ".5") == ColumnType::Number);
  CHECK(tap_csv::widened(ColumnType::Integer, "seven") == ColumnType::String);
  CHECK(tap_csv::widened(ColumnType::Integer, "007") == ColumnType::String);
  CHECK(tap_csv::widened(ColumnType::Number, "x") == ColumnType::String);
  CHECK(tap_csv::widened(ColumnType::Boolean, "1") == ColumnType::String);
  CHECK(tap_csv::widened(ColumnType::DateTime, "2024-01-05") == ColumnType::String);
  CHECK(tap_csv::widened(ColumnType::Date, "2024-01-05T10:00:00Z") == ColumnType::String);
}

TEST_CASE("catalog conversion also takes leading zeros and 1/0 for booleans", "[type_inference]") {
  CHECK_FALSE(tap_csv::infers_as(ColumnType::Integer, "007"));
  CHECK(tap_csv::converts_to(ColumnType::Integer, "007"));
  CHECK_FALSE(tap_csv::converts_to(ColumnType::Integer, "7.0"));
  CHECK_FALSE(tap_csv::converts_to(ColumnType::Integer, "A-2"));
  CHECK(tap_csv::converts_to(ColumnType::Number, "007.5"));
  CHECK(tap_csv::converts_to(ColumnType::Boolean, "1"));
  CHECK_FALSE(tap_csv::infers_as(ColumnType::Boolean, "1"));
  CHECK_FALSE(tap_csv::converts_to(ColumnType::Boolean, "yes"));
  CHECK_FALSE(tap_csv::converts_to(ColumnType::DateTime, "2024-01-05 10:00:00"));
  CHECK(tap_csv::converts_to(ColumnType::Date, "2024-02-29"));
  CHECK_FALSE(tap_csv::converts_to(ColumnType::Date, "2023-02-29"));
}

TEST_CASE("converted values are valid JSON of the same value", "[type_inference]") {
  CHECK(convert(ColumnType::Integer, "+5") == "5");
  CHECK(convert(ColumnType::Integer, "007") == "7");
  CHECK(convert(ColumnType::Number, ".5") == "0.5");
  CHECK(convert(ColumnType::Number, "-.5") == "-0.5");
  CHECK(convert(ColumnType::Number, "5.") == "5.0");
  CHECK(convert(ColumnType::Number, "123456789012345678901234567890.5") == "123456789012345678901234567890.5");
  CHECK(convert(ColumnType::Boolean, "TRUE") == "true");
  CHECK(convert(ColumnType::Boolean, "0") == "false");
  CHECK(convert(ColumnType::DateTime, "2024-01-05 10:00:00z") == R"("2024-01-05T10:00:00Z")");
  CHECK(convert(ColumnType::Date, "2024-01-05") == R"("2024-01-05")");
  CHECK(tap_csv::converted_json(ColumnType::Number, ".5").dump() == "0.5");
  CHECK(tap_csv::converted_json(ColumnType::Boolean, "1").dump() == "true");
  CHECK(tap_csv::converted_json(ColumnType::DateTime, "2024-01-05t10:00:00+02:00").dump() ==
        R"("2024-01-05T10:00:00+02:00")");
}

TEST_CASE("property schemas declare null for nullable columns and formats for dates", "[type_inference]") {
  CHECK(tap_csv::property_schema({ColumnType::String, false}).dump() == R"({"type":"string"})");
  CHECK(tap_csv::property_schema({ColumnType::Integer, true}).dump() == R"({"type":["integer","null"]})");
  CHECK(tap_csv::property_schema({ColumnType::DateTime, false}).dump() ==
        R"({"type":"string","format":"date-time"})");
  CHECK(tap_csv::property_schema({ColumnType::Date, true}).dump() == R"({"type":["string","null"],"format":"date"})");
}

TEST_CASE("catalog property schemas map to column types or are refused", "[type_inference]") {
  CHECK(catalog(R"({"type":"string"})") == "string");
  CHECK(catalog(R"({"type":["null","integer"]})") == "integer?");
  CHECK(catalog(R"({"type":["integer","number"]})") == "number");
  CHECK(catalog(R"({"type":"boolean"})") == "boolean");
  CHECK(catalog(R"({"type":["string","null"],"format":"date-time"})") == "date-time?");
  CHECK(catalog(R"({"type":"string","format":"date"})") == "date");
  CHECK(catalog(R"({"type":["string","integer"]})") == "string");
  CHECK(catalog(R"({})") == "string?");
  CHECK(catalog(R"({"type":"array"})") == "refused: type array cannot be read from a CSV column");
  CHECK(catalog(R"({"type":"string","format":"email"})") == "refused: format 'email' is not supported (date-time or date)");
  CHECK(catalog(R"({"anyOf":[{"type":"string"}]})") == "refused: 'anyOf' without 'type' is not supported");
  CHECK(catalog(R"({"type":"null"})") == "refused: type null alone cannot be read from a CSV column");
}
