// target-sqlite's storage rule: SQLite's affinity from declared types, which values
// survive which columns unchanged, the declared type per neutral type, and the database
// path rule.
#include "sqlite_sink.hpp"

#include <catch2/catch.hpp>

using namespace target_sqlite;
namespace sql = singer::sql;

namespace {
sql::Value integer(std::int64_t i) {
  sql::Value v;
  v.kind = sql::Value::Kind::Integer;
  v.integer = i;
  return v;
}
sql::Value text(sql::Value::Kind kind) {
  sql::Value v;
  v.kind = kind;
  v.text = "123";
  return v;
}
}  // namespace

TEST_CASE("affinity follows SQLite's rules for declared types", "[sqlite_sink]") {
  CHECK(affinity_of("INTEGER") == Affinity::Integer);
  CHECK(affinity_of("bigint") == Affinity::Integer);
  CHECK(affinity_of("TEXT") == Affinity::Text);
  CHECK(affinity_of("varchar(10)") == Affinity::Text);
  CHECK(affinity_of("") == Affinity::None);
  CHECK(affinity_of("BLOB") == Affinity::None);
  CHECK(affinity_of("REAL") == Affinity::Real);
  CHECK(affinity_of("DOUBLE PRECISION") == Affinity::Real);
  CHECK(affinity_of("DECIMAL(10,2)") == Affinity::Numeric);
  CHECK(affinity_of("ANY") == Affinity::Numeric);  // why untyped columns get no type at all
}

TEST_CASE("each neutral type has a declared type; untyped columns have none", "[sqlite_sink]") {
  CHECK(declared_type(sql::ColumnType::Integer) == "INTEGER");
  CHECK(declared_type(sql::ColumnType::Boolean) == "INTEGER");
  CHECK(declared_type(sql::ColumnType::Number) == "REAL");
  CHECK(declared_type(sql::ColumnType::DateTime) == "TEXT");
  CHECK(declared_type(sql::ColumnType::Json) == "TEXT");
  CHECK(declared_type(sql::ColumnType::Any).empty());
}

TEST_CASE("values survive only the columns that keep them unchanged", "[sqlite_sink]") {
  CHECK(survives(Affinity::Integer, integer(5)));
  CHECK(survives(Affinity::Real, integer(9007199254740992)));
  CHECK_FALSE(survives(Affinity::Real, integer(9007199254740993)));
  CHECK_FALSE(survives(Affinity::Text, integer(5)));

  sql::Value exact = sql::number_value("1.5", false);
  sql::Value inexact = sql::number_value("12.0000000000000000000000000001", false);
  CHECK(survives(Affinity::Real, exact));
  CHECK(survives(Affinity::Integer, exact));
  CHECK_FALSE(survives(Affinity::Real, inexact));
  CHECK_FALSE(survives(Affinity::Text, inexact));
  CHECK(survives(Affinity::None, inexact));

  CHECK_FALSE(survives(Affinity::Integer, sql::number_value("1180591620717411303424", true)));
  CHECK(survives(Affinity::None, sql::number_value("1180591620717411303424", true)));

  CHECK(survives(Affinity::Text, text(sql::Value::Kind::String)));
  CHECK_FALSE(survives(Affinity::Integer, text(sql::Value::Kind::String)));  // '123' would become 123
  CHECK_FALSE(survives(Affinity::Real, text(sql::Value::Kind::Json)));
  CHECK(survives(Affinity::Integer, sql::Value{}));  // absent
}

TEST_CASE("the database path gets .db only when it has no suffix", "[sqlite_sink]") {
  CHECK(database_path("warehouse") == "warehouse.db");
  CHECK(database_path("data/warehouse") == "data/warehouse.db");
  CHECK(database_path("data.v1/warehouse") == "data.v1/warehouse.db");
  CHECK(database_path("warehouse.sqlite") == "warehouse.sqlite");
  CHECK(database_path("warehouse.db") == "warehouse.db");
  CHECK(database_path(":memory:") == ":memory:");
}

TEST_CASE("config accepts path_to_db and refuses a bad synchronous", "[sqlite_sink]") {
  auto options = options_from_config(singer::Json::parse(R"({"path_to_db": "x", "synchronous": "normal"})"));
  CHECK(options.database == "x.db");
  CHECK_FALSE(options.synchronous_full);
  CHECK(options.busy_timeout_ms == 5000);
  CHECK_THROWS_WITH(options_from_config(singer::Json::parse(R"({"database": "x", "synchronous": "off"})")),
                    Catch::Contains("'synchronous' must be 'full' or 'normal'"));
}
