// tap-sqlite's discovery: SQLite's affinity rules, property types as JSON Schema, and a
// table described from the database's own catalog; base64 of BLOBs.
#include "discovery.hpp"

#include <catch2/catch.hpp>

#include "singer/error.hpp"
#include "sqlite_stream.hpp"
#include "temp_dir.hpp"

using namespace tap_sqlite;
using singer::Json;
using Catch::Contains;

TEST_CASE("affinity follows SQLite's rules in their order", "[discovery]") {
  CHECK(affinity_of("INTEGER") == Affinity::Integer);
  CHECK(affinity_of("bigint") == Affinity::Integer);
  CHECK(affinity_of("POINT") == Affinity::Integer);  // "INT" wins, as in SQLite
  CHECK(affinity_of("VARCHAR(20)") == Affinity::Text);
  CHECK(affinity_of("CHARINT") == Affinity::Integer);
  CHECK(affinity_of("clob") == Affinity::Text);
  CHECK(affinity_of("") == Affinity::Blob);
  CHECK(affinity_of("BLOB") == Affinity::Blob);
  CHECK(affinity_of("DOUBLE PRECISION") == Affinity::Real);
  CHECK(affinity_of("FLOATING POINT") == Affinity::Integer);  // "INT" again
  CHECK(affinity_of("DECIMAL(10,2)") == Affinity::Numeric);
  CHECK(affinity_of("DATETIME") == Affinity::Numeric);
  CHECK(affinity_of("STRING") == Affinity::Numeric);
}

TEST_CASE("a property type reads and writes JSON Schema", "[discovery]") {
  PropertyType t;
  t.integer = true;
  t.null = true;
  CHECK(t.to_json().dump() == R"({"type":["integer","null"]})");
  t.number = true;
  CHECK(t.to_json().dump() == R"({"type":["number","null"]})");
  PropertyType s;
  s.string = true;
  s.format = "date-time";
  CHECK(s.to_json().dump() == R"({"type":"string","format":"date-time"})");
  PropertyType back = PropertyType::from_json(Json::parse(R"({"type":["string","null"],"contentEncoding":"base64"})"));
  CHECK(back.string);
  CHECK(back.null);
  CHECK(back.base64);
  CHECK_FALSE(back.integer);
  CHECK(PropertyType::from_json(Json::parse("{}")).any);
  CHECK(PropertyType::from_json(Json::parse("{}")).to_json().dump() == "{}");
}

TEST_CASE("a table is described by its declared types, keys and row count", "[discovery]") {
  TempDir dir;
  const std::string path = (dir.path / "a.db").string();
  {
    singer::sqlite::Database db(path, 0);
    db.exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at DATETIME, n NUMERIC, x);"
        "INSERT INTO t VALUES (1, 'a', '2024-01-01 00:00:00', 1.5, x'00');"
        "CREATE TABLE w (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;");
  }
  singer::sqlite::Database db(path, 0, singer::sqlite::Database::Mode::ReadOnly);
  CHECK(list_tables(db) == std::vector<std::string>{"t", "w"});
  const TableInfo t = describe_table(db, "t");
  CHECK(t.rowid);
  CHECK_FALSE(t.rowid_key);  // id is the rowid
  CHECK(t.key_properties == std::vector<std::string>{"id"});
  CHECK(t.valid_replication_keys == std::vector<std::string>{"id", "at"});
  CHECK(t.row_count == 1);
  CHECK(table_schema(t).dump() ==
        R"({"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"},)"
        R"("at":{"type":["string","null"],"format":"date-time"},"n":{"type":["number","null"]},)"
        R"("x":{"type":["string","null"],"contentEncoding":"base64"}}})");
  const TableInfo w = describe_table(db, "w");
  CHECK_FALSE(w.rowid);
  CHECK(w.rowid_name.empty());
  CHECK(w.key_properties == std::vector<std::string>{"a", "b"});
  CHECK(table_schema(w).dump() == R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}})");
  CHECK_THROWS_WITH(describe_table(db, "gone"), Contains("table 'gone' does not exist"));
}

TEST_CASE("table globs match case-insensitively", "[discovery]") {
  CHECK(matches_any({"sales_*"}, "SALES_2024"));
  CHECK_FALSE(matches_any({"sales_*"}, "users"));
  CHECK_FALSE(matches_any({}, "users"));
}

TEST_CASE("BLOBs are standard base64 with padding", "[discovery]") {
  auto b64 = [](std::string_view bytes) {
    std::string out;
    append_base64(out, bytes);
    return out;
  };
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foobar") == "Zm9vYmFy");
  CHECK(b64(std::string_view("\x00\xff\xfe", 3)) == "AP/+");
}
