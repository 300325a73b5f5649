// Schema: compiling JSON Schema as Singer taps write it and validating values with
// the path and message a user sees; flatten() and the date/time format checks.
#include "singer/schema.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "singer/json.hpp"
#include "singer/message.hpp"

using Catch::Matchers::Contains;
using singer::FieldNode;
using singer::Json;
using singer::Location;
using singer::RecordFields;
using singer::Schema;

namespace {

Schema compile(std::string_view schema) { return Schema::compile(Json::parse(schema)); }

// "valid", or the violation as describe() prints it: path and message together.
std::string verdict(const Schema& schema, std::string_view value, std::string_view noun = "field") {
  auto error = schema.validate(Json::parse(value), noun);
  return error ? singer::describe(*error, noun) : "valid";
}

std::string verdict(std::string_view schema, std::string_view value, std::string_view noun = "field") {
  return verdict(compile(schema), value, noun);
}

std::string compile_error(std::string_view schema) {
  try {
    Schema::compile(Json::parse(schema), Location{"tap.json", 0, ""});
  } catch (const singer::Error& e) {
    return e.what();
  }
  return "compiled";
}

}  // namespace

TEST_CASE("compile rejects a schema that is not an object", "[schema]") {
  CHECK(compile_error(R"([{"type": "string"}])") == "tap.json: schema is not an object");
  CHECK(compile_error(R"("string")") == "tap.json: schema is not an object");
  CHECK(compile_error("true") == "tap.json: schema is not an object");
}

TEST_CASE("compile names a $ref it cannot resolve", "[schema]") {
  CHECK(compile_error(R"({"$ref": "#/definitions/missing"})") ==
        "tap.json: unresolved $ref '#/definitions/missing'");
  CHECK(compile_error(R"({"properties": {"a": {"$ref": "other.json#/definitions/a"}}})") ==
        "tap.json: unresolved $ref 'other.json#/definitions/a'");
  CHECK(compile_error(R"({"items": {"$ref": "#anchor"}})") == "tap.json: unresolved $ref '#anchor'");
  CHECK(compile_error(R"({"definitions": {"a": {}}, "$ref": "#/definitions/a/b"})") ==
        "tap.json: unresolved $ref '#/definitions/a/b'");
}

TEST_CASE("compile rejects a $ref loop that never reaches a value", "[schema]") {
  CHECK(compile_error(R"({"$ref": "#"})") == "tap.json: circular $ref '#'");
  CHECK(compile_error(R"({"definitions": {"a": {"$ref": "#/definitions/b"},
                                          "b": {"anyOf": [{"type": "null"}, {"$ref": "#/definitions/a"}]}},
                          "properties": {"x": {"$ref": "#/definitions/a"}}})") ==
        "tap.json: circular $ref '#/definitions/a'");
}

TEST_CASE("an empty schema and a schema without type accept anything", "[schema]") {
  for (const char* schema : {"{}", R"({"description": "anything", "x-unknown": 1})"}) {
    for (const char* value : {"null", "true", "1", "1.5", R"("s")", "[1, {}]", R"({"a": [null]})"}) {
      CHECK(verdict(schema, value) == "valid");
    }
  }
}

TEST_CASE("a default-constructed schema accepts anything and has no properties", "[schema]") {
  Schema schema;
  CHECK(verdict(schema, R"({"a": 1})") == "valid");
  CHECK(schema.property_names().empty());
}

TEST_CASE("type names each JSON type", "[schema]") {
  CHECK(verdict(R"({"type": "string"})", R"("x")") == "valid");
  CHECK(verdict(R"({"type": "string"})", "5") == "expected string, got integer");
  CHECK(verdict(R"({"type": "boolean"})", "false") == "valid");
  CHECK(verdict(R"({"type": "boolean"})", R"("true")") == "expected boolean, got string");
  CHECK(verdict(R"({"type": "null"})", "null") == "valid");
  CHECK(verdict(R"({"type": "null"})", "0") == "expected null, got integer");
  CHECK(verdict(R"({"type": "number"})", "1.5") == "valid");
  CHECK(verdict(R"({"type": "number"})", "-7") == "valid");
  CHECK(verdict(R"({"type": "number"})", "null") == "expected number, got null");
  CHECK(verdict(R"({"type": "array"})", "[]") == "valid");
  CHECK(verdict(R"({"type": "array"})", "{}") == "expected array, got object");
  CHECK(verdict(R"({"type": "object"})", "[]") == "expected object, got array");
}

TEST_CASE("integer accepts numbers whose value is whole, as draft 6 does", "[schema]") {
  const char* schema = R"({"type": "integer"})";
  CHECK(verdict(schema, "42") == "valid");
  CHECK(verdict(schema, "-0") == "valid");
  CHECK(verdict(schema, "12345678901234567890123") == "valid");
  CHECK(verdict(schema, "1.0") == "valid");
  CHECK(verdict(schema, "1.50e1") == "valid");
  CHECK(verdict(schema, "1e2") == "valid");
  CHECK(verdict(schema, "1.5") == "expected integer, got number");
  CHECK(verdict(schema, "15e-1") == "expected integer, got number");
  CHECK(verdict(schema, R"("1")") == "expected integer, got string");
}

TEST_CASE("an object type without properties accepts any object", "[schema]") {
  CHECK(verdict(R"({"type": "object"})", R"({"a": 1, "b": {"c": [true]}})") == "valid");
  CHECK(verdict(R"({"type": ["null", "object"]})", "{}") == "valid");
}

TEST_CASE("a type list with null accepts null and names every type on failure", "[schema]") {
  CHECK(verdict(R"({"type": ["string", "null"]})", "null") == "valid");
  CHECK(verdict(R"({"type": ["string", "null"]})", R"("x")") == "valid");
  CHECK(verdict(R"({"type": ["string", "null"]})", "5") == "expected string or null, got integer");
  CHECK(verdict(R"({"type": ["null", "string"]})", "5") == "expected string or null, got integer");
  CHECK(verdict(R"({"type": ["null", "integer", "string"]})", "true") ==
        "expected integer, string or null, got boolean");
  CHECK(verdict(R"({"type": "any"})", "true") == "valid");
}

TEST_CASE("violations name the path of the field", "[schema]") {
  const Schema schema = compile(R"({
    "type": "object",
    "properties": {
      "address": {"type": "object", "properties": {"zip": {"type": "string"}}},
      "tags": {"type": "array", "items": {"type": "string"}},
      "files": {"type": "array", "items": {"type": "object", "properties": {"path": {"type": "string"}}}}
    }
  })");
  CHECK(verdict(schema, R"({"address": {"zip": "12345"}, "tags": ["a"], "files": [{"path": "x"}]})") ==
        "valid");
  CHECK(verdict(schema, R"({"address": {"zip": 12345}})") ==
        "field 'address.zip': expected string, got integer");
  CHECK(verdict(schema, R"({"tags": ["a", "b", 3]})") == "field 'tags[2]': expected string, got integer");
  CHECK(verdict(schema, R"({"files": [{"path": null}]})") ==
        "field 'files[0].path': expected string, got null");
  CHECK(verdict(schema, R"({"files": [{"path": "a"}, {"other": {"deep": [1, 2]}}, {"path": 1}]})") ==
        "field 'files[2].path': expected string, got integer");

  auto error = schema.validate(Json::parse(R"({"files": [{"path": "a"}, {"path": false}]})"));
  REQUIRE(error);
  CHECK(error->path == "files[1].path");
  CHECK(error->message == "expected string, got boolean");
}

TEST_CASE("the first violation in document order is reported", "[schema]") {
  const char* schema = R"({"properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                           "required": ["c"]})";
  CHECK(verdict(schema, R"({"b": 1, "a": 2})") == "field 'b': expected string, got integer");
  CHECK(verdict(schema, R"({"b": "x", "a": "y"})") == "missing required field 'c'");
}

TEST_CASE("missing required members are reported at the object's path", "[schema]") {
  const char* schema = R"({"type": "object",
    "properties": {"id": {"type": "integer"},
                   "files": {"type": "array", "items": {"type": "object", "required": ["path"],
                             "properties": {"path": {"type": "string"}}}}},
    "required": ["id"]})";
  CHECK(verdict(schema, R"({"id": 1})") == "valid");
  CHECK(verdict(schema, R"({"name": "x"})") == "missing required field 'id'");
  CHECK(verdict(schema, R"({"id": null})") == "field 'id': expected integer, got null");

  auto error = compile(schema).validate(Json::parse(R"({"id": 1, "files": [{"pth": "a"}]})"), "key");
  REQUIRE(error);
  CHECK(error->path == "files[0]");
  CHECK(error->message == "missing required key 'path'");
  CHECK(singer::describe(*error, "key") == "key 'files[0]': missing required key 'path'");
}

TEST_CASE("required names need not be declared properties", "[schema]") {
  const char* schema = R"({"required": ["a", "b", "a"], "additionalProperties": {"type": "integer"}})";
  CHECK(verdict(schema, R"({"a": 1, "b": 2})") == "valid");
  CHECK(verdict(schema, R"({"b": 2})") == "missing required field 'a'");
  CHECK(verdict(schema, R"({"a": 1, "b": "x"})") == "field 'b': expected integer, got string");
  CHECK(compile(schema).property_names().empty());
}

TEST_CASE("required is checked only for objects", "[schema]") {
  CHECK(verdict(R"({"required": ["a"]})", R"("not an object")") == "valid");
}

TEST_CASE("additionalProperties false rejects unknown members", "[schema]") {
  const char* schema = R"({"type": "object", "properties": {"path": {"type": "string"},
    "nested": {"type": "object", "properties": {}, "additionalProperties": false}},
    "additionalProperties": false})";
  CHECK(verdict(schema, R"({"path": "a"})") == "valid");
  CHECK(verdict(schema, R"({"path": "a", "pth": "b"})") == "unexpected field 'pth'");
  CHECK(verdict(schema, R"({"nested": {"x": 1}})", "key") == "key 'nested': unexpected key 'x'");
  CHECK(verdict(R"({"additionalProperties": true})", R"({"x": 1})") == "valid");
}

TEST_CASE("an additionalProperties schema validates the extra members", "[schema]") {
  const char* schema = R"({"properties": {"id": {"type": "integer"}},
                           "additionalProperties": {"type": "string"}})";
  CHECK(verdict(schema, R"({"id": 1, "x": "a", "y": "b"})") == "valid");
  CHECK(verdict(schema, R"({"id": 1, "x": "a", "y": 2})") == "field 'y': expected string, got integer");
}

TEST_CASE("patternProperties validate matching members and exempt them from additionalProperties",
          "[schema]") {
  const char* schema = R"({"patternProperties": {"^x_": {"type": "integer"}},
                           "properties": {"id": {}}, "additionalProperties": false})";
  CHECK(verdict(schema, R"({"id": "a", "x_a": 1, "x_b": 2})") == "valid");
  CHECK(verdict(schema, R"({"x_a": "1"})") == "field 'x_a': expected integer, got string");
  CHECK(verdict(schema, R"({"y": 1})") == "unexpected field 'y'");
}

TEST_CASE("large property tables find every member", "[schema]") {
  std::string properties;
  std::string record;
  for (int i = 0; i < 40; ++i) {
    properties += fmt::format("{}\"col_{}\": {{\"type\": \"integer\"}}", i ? "," : "", i);
    record += fmt::format("{}\"col_{}\": {}", i ? "," : "", 39 - i, i);
  }
  const Schema schema = compile(fmt::format(
      R"({{"properties": {{{}}}, "required": ["col_0", "col_39"], "additionalProperties": false}})",
      properties));
  CHECK(verdict(schema, "{" + record + "}") == "valid");
  CHECK(verdict(schema, "{" + record + R"(, "col_40": 1})") == "unexpected field 'col_40'");
  CHECK(verdict(schema, R"({"col_39": 1, "col_17": "x"})") == "field 'col_17': expected integer, got string");
  CHECK(verdict(schema, R"({"col_39": 1})") == "missing required field 'col_0'");
  REQUIRE(schema.property_names().size() == 40);
  CHECK(schema.property_names()[0] == "col_0");
  CHECK(schema.property_names()[39] == "col_39");
}

TEST_CASE("property names that hash alike are still told apart", "[schema]") {
  // Same length, same first, middle and last bytes: only the digits differ.
  auto name = [](int i) { return fmt::format("prefix__{:02}{}", i, std::string(30, 'x')); };
  std::string properties;
  for (int i = 0; i < 20; ++i) {
    properties += fmt::format("{}\"{}\": {{\"type\": \"integer\"}}", i ? "," : "", name(i));
  }
  const Schema schema =
      compile(fmt::format(R"({{"properties": {{{}}}, "additionalProperties": false}})", properties));
  CHECK(verdict(schema, fmt::format(R"({{"{}": 1, "{}": 2}})", name(19), name(3))) == "valid");
  CHECK(verdict(schema, fmt::format(R"({{"{}": 1, "{}": "2"}})", name(0), name(7))) ==
        fmt::format("field '{}': expected integer, got string", name(7)));
  CHECK(verdict(schema, fmt::format(R"({{"{}": 1}})", name(20))) ==
        fmt::format("unexpected field '{}'", name(20)));
}

TEST_CASE("many required members are all tracked", "[schema]") {
  for (int count : {70, 600}) {
    std::string required, record;
    for (int i = 0; i < count; ++i) {
      required += fmt::format("{}\"k{}\"", i ? "," : "", i);
      if (i != count - 2) record += fmt::format("{}\"k{}\": {}", i ? "," : "", i, i);
    }
    const Schema schema = compile(fmt::format(R"({{"required": [{}]}})", required));
    CHECK(verdict(schema, "{" + record + "}") == fmt::format("missing required field 'k{}'", count - 2));
    CHECK(verdict(schema, "{" + record + fmt::format(R"(, "k{}": 0}})", count - 2)) == "valid");
  }
}

TEST_CASE("items validates every item of an array", "[schema]") {
  const char* schema = R"({"type": "array", "items": {"type": ["integer", "null"]}})";
  CHECK(verdict(schema, "[1, null, 3]") == "valid");
  CHECK(verdict(schema, "[]") == "valid");
  CHECK(verdict(schema, R"([1, null, "3"])") == "field '[2]': expected integer or null, got string");
  CHECK(verdict(R"({"items": {"type": "string"}})", "[[1]]") == "field '[0]': expected string, got array");
}

TEST_CASE("nested arrays of objects report the full path", "[schema]") {
  const char* schema = R"({"properties": {"orders": {"type": "array", "items": {
    "type": "object", "properties": {"lines": {"type": "array", "items": {
      "type": "object", "properties": {"qty": {"type": "integer"}}}}}}}}})";
  CHECK(verdict(schema, R"({"orders": [{"lines": [{"qty": 1}]}, {"lines": [{"qty": 2}, {"qty": 3.5}]}]})") ==
        "field 'orders[1].lines[1].qty': expected integer, got number");
}

TEST_CASE("tuple items, additionalItems and item counts are checked", "[schema]") {
  const char* tuple = R"({"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false})";
  CHECK(verdict(tuple, R"(["a", 1])") == "valid");
  CHECK(verdict(tuple, R"(["a"])") == "valid");
  CHECK(verdict(tuple, R"([1, 1])") == "field '[0]': expected string, got integer");
  CHECK(verdict(tuple, R"(["a", 1, 2])") == "array has more than 2 items");
  CHECK(verdict(R"({"items": [{"type": "string"}], "additionalItems": {"type": "null"}})", R"(["a", null, 1])") ==
        "field '[2]': expected null, got integer");
  const char* counted = R"({"properties": {"tags": {"minItems": 1, "maxItems": 2}}})";
  CHECK(verdict(counted, R"({"tags": ["a"]})") == "valid");
  CHECK(verdict(counted, R"({"tags": []})") == "field 'tags': array has fewer than 1 item");
  CHECK(verdict(counted, R"({"tags": [1, 2, 3]})") == "field 'tags': array has more than 2 items");
}

TEST_CASE("enum accepts only the listed values", "[schema]") {
  const char* schema = R"({"enum": ["a", "b", 1, null, {"k": [1]}]})";
  CHECK(verdict(schema, R"("a")") == "valid");
  CHECK(verdict(schema, R"("b")") == "valid");
  CHECK(verdict(schema, "1") == "valid");
  CHECK(verdict(schema, "1.0") == "valid");
  CHECK(verdict(schema, "null") == "valid");
  CHECK(verdict(schema, R"({"k": [1.00]})") == "valid");
  CHECK(verdict(schema, R"("x")", "key") == "value 'x' is not one of the allowed values");
  CHECK(verdict(schema, "2", "key") == "value 2 is not one of the allowed values");
  CHECK(verdict(schema, "true", "key") == "value true is not one of the allowed values");
  CHECK(verdict(schema, R"({"k": [1], "j": 1})", "key") == "value {...} is not one of the allowed values");
  CHECK(verdict(schema, R"({"k": []})", "key") == "value {...} is not one of the allowed values");
  CHECK(verdict(schema, "[1]", "key") == "value [...] is not one of the allowed values");
}

TEST_CASE("const accepts only its value", "[schema]") {
  CHECK(verdict(R"({"const": "v1"})", R"("v1")") == "valid");
  CHECK(verdict(R"({"const": "v1"})", R"("v2")", "key") == "value 'v2' is not the allowed value 'v1'");
  CHECK(verdict(R"({"const": 10})", "1e1") == "valid");
  CHECK(verdict(R"({"const": null})", "0", "key") == "value 0 is not the allowed value null");
  CHECK(verdict(R"({"const": [1, "a"]})", R"([1, "a"])") == "valid");
  CHECK(verdict(R"({"const": [1, "a"]})", R"([1])", "key") == "value [...] is not the allowed value [1,\"a\"]");
}

TEST_CASE("format date-time, date and time check strings only", "[schema]") {
  CHECK(verdict(R"({"format": "date-time"})", R"("2024-01-31T10:00:00Z")") == "valid");
  CHECK(verdict(R"({"format": "date-time"})", R"("abc")", "key") == "'abc' is not a valid date-time");
  CHECK(verdict(R"({"format": "date-time"})", "5") == "valid");
  CHECK(verdict(R"({"format": "date"})", R"("2024-02-29")") == "valid");
  CHECK(verdict(R"({"format": "date"})", R"("2023-02-29")", "key") == "'2023-02-29' is not a valid date");
  CHECK(verdict(R"({"format": "time"})", R"("23:59:59.999+05:30")") == "valid");
  CHECK(verdict(R"({"format": "time"})", R"("24:00:00")", "key") == "'24:00:00' is not a valid time");
  CHECK(verdict(R"({"type": "string", "format": "email"})", R"("not an email")") == "valid");
  CHECK(verdict(R"({"type": "string", "format": "singer.decimal"})", R"("1.5")") == "valid");
}

TEST_CASE("Singer's nullable date-time accepts null and valid dates and explains the rest", "[schema]") {
  const Schema schema = compile(R"({"type": "object", "properties": {"updated_at":
      {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}}})");
  CHECK(verdict(schema, R"({"updated_at": null})") == "valid");
  CHECK(verdict(schema, R"({"updated_at": "2024-01-31T10:00:00.123456+02:00"})") == "valid");
  CHECK(verdict(schema, R"({"updated_at": "2024-13-01T00:00:00Z"})") ==
        "field 'updated_at': value is not a valid date-time");
  CHECK(verdict(schema, R"({"updated_at": 1706695200})") ==
        "field 'updated_at': expected string or null, got integer");
  CHECK(verdict(R"({"type": ["string", "null"], "format": "date-time"})", "null") == "valid");
}

TEST_CASE("anyOf merges the types of branches that all reject the value's type", "[schema]") {
  const char* schema = R"({"anyOf": [{"type": "integer"}, {"type": "string"}]})";
  CHECK(verdict(schema, "1") == "valid");
  CHECK(verdict(schema, R"("a")") == "valid");
  CHECK(verdict(schema, "true") == "expected integer or string, got boolean");
  CHECK(verdict(R"({"anyOf": [{"type": ["integer", "null"]}, {"anyOf": [{"type": "array"}]}]})", "{}") ==
        "expected integer, array or null, got object");
}

TEST_CASE("anyOf with several branches failing deeper says no schema matched", "[schema]") {
  const char* schema = R"({"properties": {"v": {"anyOf": [
    {"type": "object", "required": ["a"]},
    {"type": "object", "required": ["b"]},
    {"type": "null"}]}}})";
  CHECK(verdict(schema, R"({"v": {"a": 1}})") == "valid");
  CHECK(verdict(schema, R"({"v": {"b": 1}})") == "valid");
  CHECK(verdict(schema, R"({"v": {"c": 1}})") == "field 'v': does not match any of the allowed schemas");
  CHECK(verdict(R"({"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer", "maximum": 1}]})", "2", "key") ==
        "value 2 is greater than the maximum 1");
}

TEST_CASE("oneOf is checked like anyOf so overlapping branches accept", "[schema]") {
  const char* schema = R"({"oneOf": [{"type": "integer"}, {"type": "number"}]})";
  CHECK(verdict(schema, "1") == "valid");
  CHECK(verdict(schema, "1.5") == "valid");
  CHECK(verdict(schema, R"("1")") == "expected integer or number, got string");
}

TEST_CASE("allOf requires every branch", "[schema]") {
  const char* schema = R"({"allOf": [{"type": "string"}, {"maxLength": 3}, {"pattern": "^a"}]})";
  CHECK(verdict(schema, R"("abc")") == "valid");
  CHECK(verdict(schema, "1") == "expected string, got integer");
  CHECK(verdict(schema, R"("abcd")") == "string longer than 3 characters");
  CHECK(verdict(schema, R"("bcd")", "key") == "'bcd' does not match the pattern '^a'");
}

TEST_CASE("not rejects values that match its schema", "[schema]") {
  CHECK(verdict(R"({"not": {"type": "null"}})", "1") == "valid");
  CHECK(verdict(R"({"not": {"type": "null"}})", "null") == "value matches a schema it must not match");
}

TEST_CASE("boolean subschemas accept everything or nothing", "[schema]") {
  const char* schema = R"({"properties": {"a": true, "b": false}, "items": false})";
  CHECK(verdict(schema, R"({"a": [1]})") == "valid");
  CHECK(verdict(schema, R"({"b": 1})") == "field 'b': value is not allowed");
  CHECK(verdict(schema, "[]") == "valid");
  CHECK(verdict(schema, "[1]") == "field '[0]': value is not allowed");
}

TEST_CASE("multipleOf is exact for integers and decimal literals", "[schema]") {
  CHECK(verdict(R"({"multipleOf": 2})", "4") == "valid");
  CHECK(verdict(R"({"multipleOf": 2})", "-4") == "valid");
  CHECK(verdict(R"({"multipleOf": 2})", "0") == "valid");
  CHECK(verdict(R"({"multipleOf": 2})", "5", "key") == "value 5 is not a multiple of 2");
  CHECK(verdict(R"({"multipleOf": 2})", "4.0") == "valid");
  CHECK(verdict(R"({"multipleOf": 2})", "4.5", "key") == "value 4.5 is not a multiple of 2");
  CHECK(verdict(R"({"multipleOf": 0.01})", "12.34") == "valid");
  CHECK(verdict(R"({"multipleOf": 0.01})", "-0.07") == "valid");
  CHECK(verdict(R"({"multipleOf": 0.01})", "1234") == "valid");
  CHECK(verdict(R"({"multipleOf": 0.01})", "12.345", "key") == "value 12.345 is not a multiple of 0.01");
  CHECK(verdict(R"({"multipleOf": 0.1})", "0.3") == "valid");
  CHECK(verdict(R"({"multipleOf": 1e-2})", "1.23E1") == "valid");
  CHECK(verdict(R"({"multipleOf": 0.5})", "1e2") == "valid");
  CHECK(verdict(R"({"multipleOf": 1.5})", "4.5") == "valid");
  CHECK(verdict(R"({"multipleOf": 1.5})", "4", "key") == "value 4 is not a multiple of 1.5");
  CHECK(verdict(R"({"multipleOf": 1e-20})", "1.5") == "valid");
  CHECK(verdict(R"({"multipleOf": 1e-20})", "1e-21", "key") == "value 1e-21 is not a multiple of 1e-20");
  CHECK(verdict(R"({"multipleOf": 3})", "12345678901234567890123") == "valid");
  CHECK(verdict(R"({"multipleOf": 7})", "12345678901234567890123", "key") ==
        "value 12345678901234567890123 is not a multiple of 7");
  CHECK(verdict(R"({"multipleOf": 3})", R"("7")") == "valid");  // strings are not numbers
}

TEST_CASE("multipleOf that is not a positive number is ignored", "[schema]") {
  CHECK(verdict(R"({"multipleOf": 0})", "5") == "valid");
  CHECK(verdict(R"({"multipleOf": -2})", "5") == "valid");
  CHECK(verdict(R"({"multipleOf": "2"})", "5") == "valid");
}

TEST_CASE("minimum and maximum compare numbers by value", "[schema]") {
  const char* schema = R"({"minimum": 0, "maximum": 10.5})";
  CHECK(verdict(schema, "0") == "valid");
  CHECK(verdict(schema, "10.5") == "valid");
  CHECK(verdict(schema, "105e-1") == "valid");
  CHECK(verdict(schema, "-0.0") == "valid");
  CHECK(verdict(schema, "-1", "key") == "value -1 is less than the minimum 0");
  CHECK(verdict(schema, "10.51", "key") == "value 10.51 is greater than the maximum 10.5");
  CHECK(verdict(schema, "1e300", "key") == "value 1e300 is greater than the maximum 10.5");
  CHECK(verdict(R"({"maximum": 9007199254740993})", "9007199254740994", "key") ==
        "value 9007199254740994 is greater than the maximum 9007199254740993");
  CHECK(verdict(R"({"minimum": -5})", "-4.999") == "valid");
  CHECK(verdict(R"({"minimum": -5})", "-5.001", "key") == "value -5.001 is less than the minimum -5");
}

TEST_CASE("exclusive bounds accept draft 4 booleans and draft 6 numbers", "[schema]") {
  const char* draft4 = R"({"minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true})";
  CHECK(verdict(draft4, "5") == "valid");
  CHECK(verdict(draft4, "0", "key") == "value 0 is not greater than 0");
  CHECK(verdict(draft4, "10.0", "key") == "value 10.0 is not less than 10");
  const char* draft6 = R"({"exclusiveMinimum": 0, "exclusiveMaximum": 10})";
  CHECK(verdict(draft6, "0.001") == "valid");
  CHECK(verdict(draft6, "0", "key") == "value 0 is not greater than 0");
  CHECK(verdict(draft6, "10", "key") == "value 10 is not less than 10");
  CHECK(verdict(R"({"maximum": 10, "exclusiveMaximum": false})", "10") == "valid");
}

TEST_CASE("maxLength and minLength count code points, not bytes", "[schema]") {
  CHECK(verdict(R"({"maxLength": 5})", R"("héllo")") == "valid");
  CHECK(verdict(R"({"maxLength": 5})", R"("日本語日本")") == "valid");
  CHECK(verdict(R"({"maxLength": 5})", R"("日本語日本語")") == "string longer than 5 characters");
  CHECK(verdict(R"({"maxLength": 2})", R"("😀😀")") == "valid");
  CHECK(verdict(R"({"maxLength": 10})", R"("abcdefghijk")") == "string longer than 10 characters");
  CHECK(verdict(R"({"minLength": 2})", R"("😀")") == "string shorter than 2 characters");
  CHECK(verdict(R"({"minLength": 2})", R"("é")") == "string shorter than 2 characters");
  CHECK(verdict(R"({"minLength": 2})", R"("éé")") == "valid");
  CHECK(verdict(R"({"minLength": 1})", R"("")") == "string shorter than 1 character");
  CHECK(verdict(R"({"maxLength": 0})", "12345") == "valid");
}

TEST_CASE("pattern searches the string with an ECMAScript regex", "[schema]") {
  const char* schema = R"({"pattern": "[0-9]{3}"})";
  CHECK(verdict(schema, R"("ab123cd")") == "valid");
  CHECK(verdict(schema, R"("ab12cd")", "key") == "'ab12cd' does not match the pattern '[0-9]{3}'");
  CHECK(verdict(R"({"pattern": "\\p{L}+"})", R"("x")") == "valid");  // unsupported: ignored
}

TEST_CASE("pattern skips strings too long for std::regex instead of crashing", "[schema]") {
  const Schema schema = compile(R"({"pattern": "^(a|b)*$"})");
  CHECK_FALSE(schema.validate(Json(std::string(1000, 'a'))));
  CHECK(schema.validate(Json(std::string(999, 'a') + "c"), "key")->message ==
        "'" + std::string(40, 'a') + "...' does not match the pattern '^(a|b)*$'");
  CHECK_FALSE(schema.validate(Json(std::string(200000, 'c'))));
}

TEST_CASE("$ref resolves definitions, $defs and JSON pointers", "[schema]") {
  const char* schema = R"({
    "definitions": {"id": {"type": "integer"}, "a/b": {"type": "string"}},
    "$defs": {"name": {"type": "string", "maxLength": 3}},
    "properties": {
      "id": {"$ref": "#/definitions/id"},
      "name": {"$ref": "#/$defs/name"},
      "slash": {"$ref": "#/definitions/a~1b"},
      "same_as_id": {"$ref": "#/properties/id"}
    }})";
  CHECK(verdict(schema, R"({"id": 1, "name": "abc", "slash": "s", "same_as_id": 2})") == "valid");
  CHECK(verdict(schema, R"({"id": "1"})") == "field 'id': expected integer, got string");
  CHECK(verdict(schema, R"({"name": "abcd"})") == "field 'name': string longer than 3 characters");
  CHECK(verdict(schema, R"({"slash": 1})") == "field 'slash': expected string, got integer");
  CHECK(verdict(schema, R"({"same_as_id": 1.5})") == "field 'same_as_id': expected integer, got number");
}

TEST_CASE("recursive $ref validates trees to any depth", "[schema]") {
  const Schema schema = compile(R"({"type": "object", "required": ["name"],
    "properties": {"name": {"type": "string"},
                   "children": {"type": "array", "items": {"$ref": "#"}}}})");
  CHECK(verdict(schema, R"({"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}]})") ==
        "valid");
  CHECK(verdict(schema, R"({"name": "r", "children": [{"name": "a", "children": [{"name": "b"}, {"name": 2}]}]})") ==
        "field 'children[0].children[1].name': expected string, got integer");
  CHECK(verdict(schema, R"({"name": "r", "children": [{"children": []}]})") ==
        "field 'children[0]': missing required field 'name'");

  const Schema mutual = compile(R"({"$ref": "#/definitions/node", "definitions": {
    "node": {"type": "object", "properties": {"next": {"anyOf": [{"type": "null"}, {"$ref": "#/definitions/node"}]},
                                              "v": {"type": "integer"}}}}})");
  CHECK(verdict(mutual, R"({"v": 1, "next": {"v": 2, "next": null}})") == "valid");
  CHECK(verdict(mutual, R"({"v": 1, "next": {"v": 2, "next": {"v": "3"}}})") ==
        "field 'next.next.v': expected integer, got string");
  REQUIRE(mutual.property_names().size() == 2);
  CHECK(mutual.property_names()[0] == "next");
}

TEST_CASE("a $ref with sibling keywords checks both", "[schema]") {
  const char* schema = R"({"definitions": {"s": {"type": "string"}}, "$ref": "#/definitions/s", "maxLength": 2})";
  CHECK(verdict(schema, R"("ab")") == "valid");
  CHECK(verdict(schema, "1") == "expected string, got integer");
  CHECK(verdict(schema, R"("abc")") == "string longer than 2 characters");
}

TEST_CASE("long values are cut and control characters escaped in messages", "[schema]") {
  const std::string secret = "s3cr3t-" + std::string(100, 'x') + "-tail";
  auto error = compile(R"({"enum": ["a"]})").validate(Json(secret), "key");
  REQUIRE(error);
  CHECK(error->message == "value 's3cr3t-" + std::string(33, 'x') + "...' is not one of the allowed values");
  CHECK_THAT(error->message, !Contains("tail"));

  CHECK(verdict(R"({"format": "date"})", R"("a\nb\u0001")", "key") == "'a\\nb\\u0001' is not a valid date");
  const std::string wide = std::string(R"(")") + std::string(50, 'x') + "é\"";
  CHECK(verdict(R"({"format": "date"})", wide, "key") == "'" + std::string(40, 'x') + "...' is not a valid date");
  std::string accents;
  for (int i = 0; i < 45; ++i) accents += "é";
  error = compile(R"({"format": "time"})").validate(Json(accents), "key");
  REQUIRE(error);
  std::string shown;
  for (int i = 0; i < 40; ++i) shown += "é";
  CHECK(error->message == "'" + shown + "...' is not a valid time");
}

TEST_CASE("record errors name the field but never show its value", "[schema]") {
  // A record value may be personal data; config values ("key") are shown.
  const Schema schema = compile(R"({"type": "object", "properties": {
      "email": {"type": "string", "format": "date-time"}, "code": {"enum": ["a"]},
      "n": {"maximum": 1}, "p": {"pattern": "^x"}}})");
  CHECK(verdict(schema, R"({"email": "ann@example.com"})") == "field 'email': value is not a valid date-time");
  CHECK(verdict(schema, R"({"code": "secret"})") == "field 'code': value is not one of the allowed values");
  CHECK(verdict(schema, R"({"n": 12345})") == "field 'n': value is greater than the maximum 1");
  CHECK(verdict(schema, R"({"p": "secret"})") == "field 'p': value does not match the pattern '^x'");
  CHECK(verdict(schema, R"({"code": "secret"})", "key") == "key 'code': value 'secret' is not one of the allowed values");
}

TEST_CASE("describe puts the noun and path before the message", "[schema]") {
  CHECK(singer::describe({"a.b", "expected string, got integer"}) == "field 'a.b': expected string, got integer");
  CHECK(singer::describe({"files[0]", "missing required key 'path'"}, "key") ==
        "key 'files[0]': missing required key 'path'");
  CHECK(singer::describe({"", "missing required field 'id'"}) == "missing required field 'id'");
}

TEST_CASE("property_names lists top-level properties in schema order", "[schema]") {
  const Schema schema = compile(R"({"properties": {"zeta": {}, "alpha": {"properties": {"inner": {}}}, "mid": {}},
                                     "required": ["other"]})");
  CHECK(schema.property_names() == std::vector<std::string>{"zeta", "alpha", "mid"});
}

TEST_CASE("unknown keywords and malformed keyword values are ignored", "[schema]") {
  const char* schema = R"({"type": "object", "inclusion": "available", "selected": true,
    "properties": {"a": {"type": ["string", "nonsense"], "maxLength": "3", "minimum": "x", "items": 5},
                   "b": "not a schema"},
    "required": "a", "additionalProperties": "no"})";
  CHECK(verdict(schema, R"({"a": "abcdef", "b": 1, "c": 2})") == "valid");
  CHECK(verdict(schema, R"({"a": 1})") == "field 'a': expected string, got integer");
}

TEST_CASE("a schema validates RecordFields built by flatten and reused", "[schema]") {
  const Schema schema = compile(R"({"properties": {"id": {"type": "integer"}}, "required": ["id"]})");
  RecordFields fields;
  const Json good = Json::parse(R"({"id": 1})");
  const Json bad = Json::parse(R"({"id": true})");
  singer::flatten(good, fields);
  CHECK_FALSE(schema.validate(fields));
  singer::flatten(bad, fields);
  auto error = schema.validate(fields);
  REQUIRE(error);
  CHECK(error->path == "id");
  CHECK(error->message == "expected integer, got boolean");
  // No nodes at all reads as null rather than crashing.
  CHECK_FALSE(schema.validate(RecordFields{}));
  auto none = compile(R"({"type": "object"})").validate(RecordFields{});
  REQUIRE(none);
  CHECK(none->message == "expected object, got null");
}

TEST_CASE("a moved schema keeps validating", "[schema]") {
  Schema a = compile(R"({"type": "string"})");
  Schema b = std::move(a);
  CHECK(verdict(b, "1") == "expected string, got integer");
  Schema c;
  c = std::move(b);
  CHECK(verdict(c, R"("x")") == "valid");
}

TEST_CASE("flatten lays out a Json value as the reader does", "[schema]") {
  const Json value = Json::parse(R"({"a": 1, "b": [1.5, "x\"y", true, null], "c": {"d": 2e3}, "e": false})");
  RecordFields fields;
  fields.nodes.resize(3);  // flatten replaces what was there
  singer::flatten(value, fields);
  const auto& n = fields.nodes;
  REQUIRE(n.size() == 10);
  CHECK(n[0].kind == FieldNode::Kind::Object);
  CHECK(n[0].end == 10);
  CHECK(n[0].key.empty());
  CHECK(n[1].kind == FieldNode::Kind::Integer);
  CHECK(n[1].key == "a");
  CHECK(n[1].text == "1");
  CHECK(n[2].kind == FieldNode::Kind::Array);
  CHECK(n[2].key == "b");
  CHECK(n[2].end == 7);
  CHECK(n[3].kind == FieldNode::Kind::Number);
  CHECK(n[3].text == "1.5");
  CHECK(n[3].key.empty());
  CHECK(n[4].kind == FieldNode::Kind::String);
  CHECK(n[4].text == "x\"y");
  CHECK(n[5].kind == FieldNode::Kind::Bool);
  CHECK(n[5].boolean);
  CHECK(n[6].kind == FieldNode::Kind::Null);
  CHECK(n[7].kind == FieldNode::Kind::Object);
  CHECK(n[7].key == "c");
  CHECK(n[7].end == 9);
  CHECK(n[8].kind == FieldNode::Kind::Number);
  CHECK(n[8].key == "d");
  CHECK(n[8].text == "2e3");
  CHECK(n[9].kind == FieldNode::Kind::Bool);
  CHECK_FALSE(n[9].boolean);
  CHECK(n[9].key == "e");

  singer::flatten(Json(7), fields);
  REQUIRE(fields.nodes.size() == 1);
  CHECK(fields.nodes[0].kind == FieldNode::Kind::Integer);
  CHECK(fields.nodes[0].end == 1);
}

TEST_CASE("kinds and message types have their protocol names", "[schema]") {
  CHECK(singer::to_string(FieldNode::Kind::Null) == "null");
  CHECK(singer::to_string(FieldNode::Kind::Bool) == "boolean");
  CHECK(singer::to_string(FieldNode::Kind::Integer) == "integer");
  CHECK(singer::to_string(FieldNode::Kind::Number) == "number");
  CHECK(singer::to_string(FieldNode::Kind::String) == "string");
  CHECK(singer::to_string(FieldNode::Kind::Object) == "object");
  CHECK(singer::to_string(FieldNode::Kind::Array) == "array");
  CHECK(singer::to_string(singer::MessageType::Schema) == "SCHEMA");
  CHECK(singer::to_string(singer::MessageType::Record) == "RECORD");
  CHECK(singer::to_string(singer::MessageType::State) == "STATE");
  CHECK(singer::to_string(singer::MessageType::ActivateVersion) == "ACTIVATE_VERSION");
  CHECK(singer::to_string(singer::MessageType::Batch) == "BATCH");
}

TEST_CASE("is_date_time accepts the timestamps taps send", "[schema]") {
  for (const char* s : {"2024-01-31T10:00:00Z", "2024-01-31T10:00:00.123456+02:00", "2024-01-31 10:00:00+00:00",
                        "2024-01-31T10:00:00", "2024-01-31t10:00:00z", "2024-01-31T10:00:00.5",
                        "2024-01-31T10:00:00-05:30", "2024-01-31T10:00:00+0200", "2024-02-29T23:59:59Z",
                        "2000-02-29T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"}) {
    CAPTURE(s);
    CHECK(singer::is_date_time(s));
  }
}

TEST_CASE("is_date_time rejects impossible and malformed timestamps", "[schema]") {
  for (const char* s : {"", "2024-01-31", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-02-30T00:00:00Z",
                        "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
                        "2024-01-00T00:00:00Z", "2024-01-31T25:00:00Z", "2024-01-31T24:00:00Z",
                        "2024-01-31T10:60:00Z", "2024-01-31T10:00:60Z", "2024-01-31T10:00Z",
                        "2024-01-31T10:00:00.Z", "2024-01-31T10:00:00+25:00", "2024-01-31T10:00:00+02:60",
                        "2024-01-31T10:00:00+02", "2024-01-31T10:00:00ZZ", "2024-01-31X10:00:00Z",
                        "2024-1-31T10:00:00Z", "24-01-31T10:00:00Z", "2024-01-31T10:00:00 Z",
                        "2024-01-31T1a:00:00Z", "abc", "2024-01-31T10:00:00+02:00 "}) {
    CAPTURE(s);
    CHECK_FALSE(singer::is_date_time(s));
  }
}

TEST_CASE("is_date accepts only YYYY-MM-DD calendar dates", "[schema]") {
  CHECK(singer::is_date("2024-01-31"));
  CHECK(singer::is_date("2024-02-29"));
  CHECK(singer::is_date("2000-02-29"));
  CHECK_FALSE(singer::is_date("2100-02-29"));
  CHECK_FALSE(singer::is_date("2024-02-30"));
  CHECK_FALSE(singer::is_date("2024-06-31"));
  CHECK_FALSE(singer::is_date("2024-1-31"));
  CHECK_FALSE(singer::is_date("2024/01/31"));
  CHECK_FALSE(singer::is_date("2024-01-31T00:00:00Z"));
  CHECK_FALSE(singer::is_date(""));
}

TEST_CASE("is_time accepts HH:MM:SS with fraction and offset", "[schema]") {
  for (const char* s : {"10:00:00", "00:00:00", "23:59:59", "10:00:00.5", "10:00:00.123456Z", "10:00:00z",
                        "10:00:00+02:00", "10:00:00-11:30", "10:00:00.1+0530"}) {
    CAPTURE(s);
    CHECK(singer::is_time(s));
  }
  for (const char* s : {"", "10:00", "24:00:00", "10:61:00", "10:00:61", "1:00:00", "10:00:00.", "10:00:00+2:00",
                        "10:00:00+02:00:00", "10:00:00 ", "10-00-00"}) {
    CAPTURE(s);
    CHECK_FALSE(singer::is_time(s));
  }
}
