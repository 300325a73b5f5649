// target-postgres without a server: COPY text encoding, jsonb NUL handling, stream names
// to schema and table, the column types and how they widen.
#include "postgres_sink.hpp"

#include <catch2/catch.hpp>

#include "singer/json.hpp"

using namespace target_postgres;
namespace sql = singer::sql;

TEST_CASE("COPY text escapes backslash, tab, newline and carriage return", "[postgres_sink]") {
  std::string out;
  CHECK(append_copy_text(out, "a\tb\nc\rd\\e \\N", false));
  CHECK(out == "a\\tb\\nc\\rd\\\\e \\\\N");
  out.assign(1, 'x');
  CHECK_FALSE(append_copy_text(out, std::string_view("a\0b", 3), false));
  CHECK(out == "x");
  CHECK(append_copy_text(out, std::string_view("a\0b", 3), true));
  CHECK(out == "xa\xEF\xBF\xBD" "b");
}

TEST_CASE("jsonb text keeps its escapes and refuses or replaces an escaped NUL", "[postgres_sink]") {
  std::string out;
  CHECK(append_copy_json(out, R"({"a":"x\ty\\u0000"})", false));
  CHECK(out == R"({"a":"x\\ty\\\\u0000"})");
  out.clear();
  CHECK_FALSE(append_copy_json(out, R"(["\u0000"])", false));
  CHECK(out.empty());
  CHECK(append_copy_json(out, R"(["\u0000"])", true));
  CHECK(out == R"(["\\ufffd"])");
}

TEST_CASE("schema-table streams name their schema; others go to the default", "[postgres_sink]") {
  CHECK(table_name_of("sales-orders", "").schema == "sales");
  CHECK(table_name_of("sales-orders", "").table == "orders");
  CHECK(table_name_of("db-sales-orders", "x").schema == "sales");
  CHECK(table_name_of("orders", "").schema == "public");
  CHECK(table_name_of("orders", "landing").schema == "landing");
  CHECK(table_name_of("a-b-c-d", "").table == "a-b-c-d");
  CHECK(table_name_of("-orders", "").table == "-orders");
}

TEST_CASE("types widen without losing a value", "[postgres_sink]") {
  CHECK(pg_type_of(sql::ColumnType::Integer) == PgType::BigInt);
  CHECK(pg_type_of(sql::ColumnType::DateTime) == PgType::TimestampTz);
  CHECK(pg_type_of(sql::ColumnType::Any) == PgType::Jsonb);
  CHECK(widened(PgType::BigInt, PgType::Numeric) == PgType::Numeric);
  CHECK(widened(PgType::Numeric, PgType::BigInt) == PgType::Numeric);
  CHECK(widened(PgType::BigInt, PgType::Text) == PgType::Text);
  CHECK(widened(PgType::Text, PgType::Jsonb) == PgType::Jsonb);
  CHECK(pg_type_named("timestamp with time zone") == PgType::TimestampTz);
  CHECK_FALSE(pg_type_named("integer").has_value());
  sql::Value big = sql::number_value("123456789012345678901234567890", true);
  CHECK_FALSE(fits(PgType::BigInt, big));
  CHECK(fits(PgType::Numeric, big));
  CHECK(fits(PgType::Numeric, sql::number_value("1e400", false)));
}

TEST_CASE("connection keys come from the config, the password only where given", "[postgres_sink]") {
  auto options = options_from_config(singer::Json::parse(
      R"({"host":"db","port":5433,"user":"loader","database":"w","default_target_schema":"raw","sanitize_null_text_characters":true,"activate_version":false})"));
  CHECK(options.connect.host == "db");
  CHECK(options.connect.port == "5433");
  CHECK(options.connect.password.empty());
  CHECK(options.default_schema == "raw");
  CHECK(options.sanitize_null_text);
  CHECK_FALSE(options.sql.process_activate_version);
  CHECK_FALSE(options.sql.case_insensitive_names);
}
