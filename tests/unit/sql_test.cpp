// lib/sql: column plans from schemas (types, flattening, collisions, keys, metadata),
// row values from records read by a MessageReader (exact numbers, UTC date-times, the
// record's own JSON for nested values), version rules and the shared statement text.
#include "singer/sql.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "singer/message_reader.hpp"

using Catch::Matchers::Contains;
using namespace singer;
using sql::ColumnType;
using sql::Value;

namespace {

SchemaMessage schema_of(std::string_view properties, std::vector<std::string> keys = {}) {
  SchemaMessage s;
  s.stream = "users";
  s.schema = Json::parse(std::string("{\"type\":\"object\",\"properties\":") + std::string(properties) + "}");
  s.key_properties = std::move(keys);
  s.has_key_properties = true;
  return s;
}

std::vector<std::string> names(const sql::TablePlan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.columns) out.push_back(c.name);
  return out;
}

ColumnType type_of(std::string_view schema) { return sql::column_type_of(Json::parse(schema)); }

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

// Builds the row of one RECORD line read the way target-sqlite reads it.
struct Row {
  MessageReader reader;
  sql::TablePlan plan;
  sql::RowBuilder rows;
  Row(std::string_view record, const sql::TablePlan& p, RecordContext context = {})
      : reader(MessageReader::from_string(std::string(R"({"type":"RECORD","stream":"users","record":)") +
                                          one_line(record) + "}\n")),
        plan(p),
        rows(plan) {
    reader.set_record_fields(true);
    REQUIRE(reader.next());
    rows.build(reader.record(), context);
  }
  const Value& operator[](std::string_view column) const {
    for (std::size_t i = 0; i < plan.columns.size(); ++i) {
      if (plan.columns[i].name == column) return rows.values()[i];
    }
    FAIL("no column " << column);
    return rows.values()[0];
  }
};

std::string normalized(std::string_view text) {
  std::string out;
  return sql::normalize_date_time(text, out) ? out : "not a date-time";
}

}  // namespace

TEST_CASE("each JSON Schema type gets a neutral column type", "[sql]") {
  CHECK(type_of(R"({"type":"integer"})") == ColumnType::Integer);
  CHECK(type_of(R"({"type":["null","integer"]})") == ColumnType::Integer);
  CHECK(type_of(R"({"type":["integer","number"]})") == ColumnType::Number);
  CHECK(type_of(R"({"type":"number"})") == ColumnType::Number);
  CHECK(type_of(R"({"type":"boolean"})") == ColumnType::Boolean);
  CHECK(type_of(R"({"type":"string"})") == ColumnType::String);
  CHECK(type_of(R"({"type":"string","format":"date-time"})") == ColumnType::DateTime);
  CHECK(type_of(R"({"type":["string","null"],"format":"date"})") == ColumnType::Date);
  CHECK(type_of(R"({"type":"string","format":"time"})") == ColumnType::Time);
  CHECK(type_of(R"({"type":"object"})") == ColumnType::Json);
  CHECK(type_of(R"({"type":"array","items":{"type":"integer"}})") == ColumnType::Json);
}

TEST_CASE("anyOf, type lists of several kinds and untyped properties keep each value's type", "[sql]") {
  CHECK(type_of(R"({})") == ColumnType::Any);
  CHECK(type_of(R"({"type":["string","integer"]})") == ColumnType::Any);
  CHECK(type_of(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})") == ColumnType::Any);
  CHECK(type_of(R"({"type":"null"})") == ColumnType::Any);
  CHECK(type_of(R"({"anyOf":[{"type":"string","format":"date-time"},{"type":"null"}]})") == ColumnType::DateTime);
  CHECK(type_of(R"({"anyOf":[{"type":"string","format":"date-time"},{"type":"string"}]})") == ColumnType::String);
}

TEST_CASE("a plan has one column per property in schema order, keys and an effective load method", "[sql]") {
  auto plan = sql::plan_table(schema_of(R"({"id":{"type":"integer"},"name":{"type":"string"}})", {"id"}), {});
  CHECK(plan.table == "users");
  CHECK(names(plan) == std::vector<std::string>{"id", "name"});
  REQUIRE(plan.keys.size() == 1);
  CHECK(plan.keys[0] == 0);
  CHECK(plan.method == sql::LoadMethod::Upsert);

  auto keyless = sql::plan_table(schema_of(R"({"id":{"type":"integer"}})"), {});
  CHECK(keyless.method == sql::LoadMethod::AppendOnly);
}

TEST_CASE("flattening turns nested objects into parent__child columns up to the depth", "[sql]") {
  sql::Options options;
  options.flattening_enabled = true;
  options.flattening_max_depth = 1;
  auto plan = sql::plan_table(
      schema_of(R"({"a":{"type":"object","properties":{"b":{"type":"integer"},"c":{"type":"object","properties":{"d":{"type":"string"}}}}}})"),
      options);
  CHECK(names(plan) == std::vector<std::string>{"a__b", "a__c"});
  CHECK(plan.columns[1].type == ColumnType::Json);
  CHECK(plan.columns[0].path == std::vector<std::string>{"a", "b"});

  options.flattening_max_depth = 2;
  plan = sql::plan_table(
      schema_of(R"({"a":{"type":"object","properties":{"b":{"type":"integer"},"c":{"type":"object","properties":{"d":{"type":"string"}}}}}})"),
      options);
  CHECK(names(plan) == std::vector<std::string>{"a__b", "a__c__d"});

  options.flattening_enabled = false;
  plan = sql::plan_table(schema_of(R"({"a":{"type":"object","properties":{"b":{"type":"integer"}}}})"), options);
  CHECK(names(plan) == std::vector<std::string>{"a"});
}

TEST_CASE("columns that collide case-insensitively are refused naming every source path", "[sql]") {
  CHECK_THROWS_WITH(sql::plan_table(schema_of(R"({"id":{"type":"integer"},"ID":{"type":"string"}})"), {}),
                    Contains("stream 'users'") && Contains("properties 'id' and 'ID' would share one column 'id'") &&
                        Contains("case-insensitively"));
  sql::Options options;
  options.flattening_enabled = true;
  CHECK_THROWS_WITH(
      sql::plan_table(schema_of(R"({"a__b":{"type":"string"},"a":{"type":"object","properties":{"b":{"type":"string"}}}})"),
                      options),
      Contains("properties 'a__b' and 'a.b' would share one column 'a__b'"));
  sql::Options sensitive;
  sensitive.case_insensitive_names = false;
  CHECK(names(sql::plan_table(schema_of(R"({"id":{"type":"integer"},"ID":{"type":"string"}})"), sensitive)).size() ==
        2);
}

TEST_CASE("a key property that is not a property is refused", "[sql]") {
  CHECK_THROWS_WITH(sql::plan_table(schema_of(R"({"id":{"type":"integer"}})", {"uid"}), {}),
                    Contains("key property 'uid' is not one of the schema's properties"));
}

TEST_CASE("metadata columns follow the properties; versioned streams get a version column", "[sql]") {
  sql::Options options;
  options.add_record_metadata = true;
  auto plan = sql::plan_table(schema_of(R"({"id":{"type":"integer"}})"), options);
  CHECK(names(plan) == std::vector<std::string>{"id", "_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at",
                                                "_sdc_deleted_at", "_sdc_sequence", "_sdc_table_version",
                                                "_sdc_sync_started_at"});
  CHECK(plan.deleted_at == 4);
  CHECK(plan.table_version == 6);

  sql::PlanFlags versioned;
  versioned.versioned = true;
  CHECK(names(sql::plan_table(schema_of(R"({"id":{"type":"integer"}})"), {}, versioned)) ==
        std::vector<std::string>{"id", "_sdc_deleted_at", "_sdc_table_version"});
  sql::Options hard;
  hard.hard_delete = true;
  CHECK(names(sql::plan_table(schema_of(R"({"id":{"type":"integer"}})"), hard, versioned)) ==
        std::vector<std::string>{"id", "_sdc_table_version"});
  CHECK(names(sql::plan_table(schema_of(R"({"id":{"type":"integer"}})"), {})) == std::vector<std::string>{"id"});
}

TEST_CASE("number literals keep their exact value", "[sql]") {
  Value v = sql::number_value("1.5", false);
  CHECK(v.kind == Value::Kind::Number);
  CHECK(v.exact);
  CHECK(v.number == 1.5);
  CHECK(sql::number_value("1.50", false).exact);
  CHECK(sql::number_value("15e-1", false).exact);
  CHECK(sql::number_value("0.1", false).exact);
  CHECK(sql::number_value("-0.0", false).exact);
  CHECK_FALSE(sql::number_value("12.0000000000000000000000000001", false).exact);
  CHECK_FALSE(sql::number_value("0.30000000000000000001", false).exact);
  CHECK_FALSE(sql::number_value("1e400", false).exact);
  CHECK_FALSE(sql::number_value("1e-400", false).exact);
  // The same double as std::from_chars on both sides of the fast path's limits.
  CHECK(sql::number_value("9.08e-4", false).number == 9.08e-4);
  CHECK(sql::number_value("-7724.02", false).number == -7724.02);
  CHECK(sql::number_value("1e22", false).number == 1e22);
  CHECK(sql::number_value("1e23", false).number == 1e23);
  CHECK(sql::number_value("9007199254740993.0", false).number == 9007199254740992.0);
  CHECK(std::signbit(sql::number_value("-0.0", false).number));
  CHECK(sql::number_value("5e+12", false).exact);
  CHECK(sql::number_value("0.000000000000000000000001", false).exact);
  CHECK_FALSE(sql::number_value("9007199254740993.0", false).exact);

  Value i = sql::number_value("9223372036854775807", true);
  CHECK(i.kind == Value::Kind::Integer);
  CHECK(i.integer == 9223372036854775807LL);
  Value big = sql::number_value("1180591620717411303424", true);
  CHECK(big.kind == Value::Kind::BigInteger);
  CHECK(big.text == "1180591620717411303424");
}

TEST_CASE("date-times become UTC RFC 3339 text keeping the fraction", "[sql]") {
  CHECK(normalized("2024-01-05T10:00:00Z") == "2024-01-05T10:00:00Z");
  CHECK(normalized("2024-01-05T12:00:00+02:00") == "2024-01-05T10:00:00Z");
  CHECK(normalized("2024-01-05T12:00:00.123456789+0200") == "2024-01-05T10:00:00.123456789Z");
  CHECK(normalized("2024-01-01T01:30:00+02:00") == "2023-12-31T23:30:00Z");
  CHECK(normalized("2024-02-28T23:00:00-01:00") == "2024-02-29T00:00:00Z");
  CHECK(normalized("2024-01-05 10:00:00") == "2024-01-05T10:00:00Z");
  CHECK(normalized("2024-01-05T10:00Z") == "2024-01-05T10:00:00Z");
  CHECK(normalized("2024-01-05") == "2024-01-05T00:00:00Z");
  CHECK(normalized("2024-02-30T10:00:00Z") == "not a date-time");
  CHECK(normalized("yesterday") == "not a date-time");
  CHECK(normalized("2024-01-05T10:00:00Zjunk") == "not a date-time");
}

TEST_CASE("a record becomes row values without a DOM", "[sql]") {
  auto plan = sql::plan_table(
      schema_of(R"({"id":{"type":"integer"},"n":{"type":"number"},"s":{"type":"string"},"b":{"type":"boolean"},
                    "t":{"type":"string","format":"date-time"},"d":{"type":"string","format":"date"},
                    "o":{"type":"object"},"a":{"type":"array"},"z":{}})",
                {"id"}),
      {});
  Row row(R"({"id":7,"n":12.0000000000000000000000000001,"s":"caf\u00e9 \"q\"","b":false,
              "t":"2024-01-05T12:00:00.5+02:00","d":"2024-01-05T23:00:00-05:00",
              "o":{"k": [1, {"x": "}"}]},"a":[ 1 ,2],"z":null,"extra":1})",
          plan);
  CHECK(row["id"].kind == Value::Kind::Integer);
  CHECK(row["id"].integer == 7);
  CHECK(row["n"].kind == Value::Kind::Number);
  CHECK_FALSE(row["n"].exact);
  CHECK(row["n"].text == "12.0000000000000000000000000001");
  CHECK(row["s"].text == "café \"q\"");
  CHECK(row["b"].kind == Value::Kind::Bool);
  CHECK_FALSE(row["b"].boolean);
  CHECK(row["t"].text == "2024-01-05T10:00:00.5Z");
  CHECK(row["d"].text == "2024-01-05");
  CHECK(row["o"].kind == Value::Kind::Json);
  CHECK(row["o"].text == R"({"k": [1, {"x": "}"}]})");
  CHECK(row["a"].text == "[ 1 ,2]");
  CHECK(row["z"].kind == Value::Kind::Null);
  CHECK(row.rows.unknown_fields() == std::vector<std::string_view>{"extra"});
  CHECK(row.rows.missing_key() == nullptr);
}

TEST_CASE("absent fields stay absent, and a missing or null key is reported", "[sql]") {
  auto plan = sql::plan_table(schema_of(R"({"id":{"type":"integer"},"name":{"type":"string"}})", {"id"}), {});
  Row partial(R"({"id":1})", plan);
  CHECK(partial["name"].kind == Value::Kind::Absent);
  Row no_key(R"({"name":"x"})", plan);
  REQUIRE(no_key.rows.missing_key() != nullptr);
  CHECK(no_key.rows.missing_key()->name == "id");
  Row null_key(R"({"id":null})", plan);
  REQUIRE(null_key.rows.missing_key() != nullptr);
}

TEST_CASE("flattened records fill parent__child columns; a null parent nulls them", "[sql]") {
  sql::Options options;
  options.flattening_enabled = true;
  auto plan = sql::plan_table(
      schema_of(R"({"a":{"type":["object","null"],"properties":{"b":{"type":"integer"},"c":{"type":"object","properties":{"d":{"type":"string"}}}}}})"),
      options);
  Row row(R"({"a":{"b":1,"c":{"d":"x"}}})", plan);
  CHECK(row["a__b"].integer == 1);
  CHECK(row["a__c"].text == R"({"d":"x"})");
  Row null_parent(R"({"a":null})", plan);
  CHECK(null_parent["a__b"].kind == Value::Kind::Null);
  CHECK(null_parent["a__c"].kind == Value::Kind::Null);
}

TEST_CASE("metadata values come from the record and its context", "[sql]") {
  sql::Options options;
  options.add_record_metadata = true;
  auto plan = sql::plan_table(schema_of(R"({"id":{"type":"integer"}})"), options);
  RecordContext context;
  context.sequence = 42;
  context.received_at = "2024-01-05T10:00:00.000001Z";
  context.batched_at = "2024-01-05T10:00:01.000001Z";
  context.table_version = 3;
  context.sync_started_at = 1704448800000;
  Row row(R"({"id":1,"_sdc_deleted_at":"2024-01-05T11:00:00+01:00"})", plan, context);
  CHECK(row["_sdc_sequence"].integer == 42);
  CHECK(row["_sdc_received_at"].text == "2024-01-05T10:00:00.000001Z");
  CHECK(row["_sdc_batched_at"].text == "2024-01-05T10:00:01.000001Z");
  CHECK(row["_sdc_table_version"].integer == 3);
  CHECK(row["_sdc_sync_started_at"].integer == 1704448800000);
  CHECK(row["_sdc_extracted_at"].kind == Value::Kind::Null);
  CHECK(row["_sdc_deleted_at"].text == "2024-01-05T10:00:00Z");
  CHECK(row.rows.deleted());
  Row alive(R"({"id":1})", plan, context);
  CHECK(alive["_sdc_deleted_at"].kind == Value::Kind::Null);
  CHECK_FALSE(alive.rows.deleted());
}

TEST_CASE("an older ACTIVATE_VERSION is ignored; a newer one deletes or marks older rows", "[sql]") {
  CHECK(sql::version_action(3, 5, true) == sql::VersionAction::Ignore);
  CHECK(sql::version_action(5, 5, true) == sql::VersionAction::DeleteOlder);
  CHECK(sql::version_action(6, 5, false) == sql::VersionAction::SoftDeleteOlder);
  CHECK(sql::version_action(1, std::nullopt, false) == sql::VersionAction::SoftDeleteOlder);
}

TEST_CASE("statement text quotes every name and upserts only the present columns", "[sql]") {
  SchemaMessage s = schema_of(R"({"id":{"type":"integer"},"a \"b\"; --":{"type":"string"},"c":{"type":"string"}})",
                              {"id"});
  s.stream = "we\"ird";
  auto plan = sql::plan_table(s, {});
  CHECK(sql::quote_identifier("x\"y") == "\"x\"\"y\"");
  CHECK(sql::insert_sql(plan, {true, true, false}, true) ==
        R"(INSERT INTO "we""ird" ("id", "a ""b""; --") VALUES (?, ?) ON CONFLICT ("id") DO UPDATE SET "a ""b""; --" = excluded."a ""b""; --")");
  CHECK(sql::insert_sql(plan, {true, false, false}, true) ==
        R"(INSERT INTO "we""ird" ("id") VALUES (?) ON CONFLICT ("id") DO NOTHING)");
  CHECK(sql::insert_sql(plan, {true, true, true}, false, sql::Placeholders::Dollar) ==
        R"(INSERT INTO "we""ird" ("id", "a ""b""; --", "c") VALUES ($1, $2, $3))");
  CHECK(sql::delete_by_key_sql(plan) == R"(DELETE FROM "we""ird" WHERE "id" = ?)");
  CHECK(sql::raw_table_name("users") == "_raw_users");
}

TEST_CASE("options come from the config with the Meltano SDK's names", "[sql]") {
  auto options = sql::options_from_config(Json::parse(
      R"({"load_method":"append-only","hard_delete":true,"process_activate_version_messages":false,
          "flattening_enabled":true,"flattening_max_depth":3,"raw_table":true,"add_record_metadata":true})"));
  CHECK(options.load_method == sql::LoadMethod::AppendOnly);
  CHECK(options.hard_delete);
  CHECK_FALSE(options.process_activate_version);
  CHECK(options.flattening_enabled);
  CHECK(options.flattening_max_depth == 3);
  CHECK(options.raw_table);
  CHECK(options.add_record_metadata);
  CHECK_THROWS_WITH(sql::options_from_config(Json::parse(R"({"load_method":"merge"})"), "target.json"),
                    Contains("target.json") && Contains("'load_method' must be"));
}

TEST_CASE("long names are shortened deterministically to whole characters plus a hash", "[sql]") {
  CHECK(sql::fit_identifier("users", 63) == "users");
  std::string long_name(70, 'a');
  std::string fitted = sql::fit_identifier(long_name, 63);
  CHECK(fitted.size() == 63);
  CHECK(fitted.substr(0, 54) == std::string(54, 'a'));
  CHECK(fitted[54] == '_');
  CHECK(fitted == sql::fit_identifier(long_name, 63));
  CHECK(sql::fit_identifier(long_name + "b", 63) != sql::fit_identifier(long_name + "c", 63));
  // 53 ASCII bytes then a 2-byte character across the cut: the character is dropped whole.
  std::string greek = std::string(53, 'x') + "\xce\xb1" + std::string(20, 'y');
  std::string cut = sql::fit_identifier(greek, 63);
  CHECK(cut.substr(0, 54) == std::string(53, 'x') + "_");
  CHECK(cut.size() == 62);
}
