// The SQLite wrapper: read-write and read-only connections, every storage class in and
// out, read transactions, identifiers, and failures as one line naming the file.
#include "singer/sqlite.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "singer/error.hpp"
#include "temp_dir.hpp"

using namespace singer;
using namespace singer::sqlite;
using Catch::Contains;

TEST_CASE("a read-write database is created and reads back every storage class", "[sqlite]") {
  TempDir dir;
  const std::string path = (dir.path / "a.db").string();
  Database db(path, 1000);
  db.exec("CREATE TABLE t (a)");
  Statement insert = db.prepare("INSERT INTO t VALUES (?1)");
  insert.bind_int64(1, 9007199254740993);
  insert.run();
  insert.bind_double(1, 0.1);
  insert.run();
  insert.bind_text(1, std::string_view("x\0y", 3));
  insert.run();
  insert.bind_null(1);
  insert.run();
  db.exec("INSERT INTO t VALUES (x'00ff')");

  Statement select = db.prepare("SELECT a FROM t ORDER BY rowid");
  CHECK(select.column_count() == 1);
  CHECK(select.column_name(0) == "a");
  REQUIRE(select.step());
  CHECK(select.column_storage(0) == StorageClass::Integer);
  CHECK(select.column_int64(0) == 9007199254740993);
  REQUIRE(select.step());
  CHECK(select.column_storage(0) == StorageClass::Real);
  CHECK(select.column_double(0) == 0.1);
  REQUIRE(select.step());
  CHECK(select.column_storage(0) == StorageClass::Text);
  CHECK(select.column_text_view(0) == std::string_view("x\0y", 3));
  REQUIRE(select.step());
  CHECK(select.column_is_null(0));
  REQUIRE(select.step());
  CHECK(select.column_storage(0) == StorageClass::Blob);
  CHECK(select.column_blob(0) == std::string_view("\x00\xff", 2));
  CHECK_FALSE(select.step());
  CHECK(db.query_int("SELECT count(*) FROM t") == 5);
  CHECK(to_string(StorageClass::Blob) == "BLOB");
}

TEST_CASE("a read-only database never creates its file", "[sqlite]") {
  TempDir dir;
  const std::string path = (dir.path / "missing.db").string();
  CHECK_THROWS_WITH(Database(path, 0, Database::Mode::ReadOnly), Contains(path + ": cannot open the database"));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a read-only database refuses to write", "[sqlite]") {
  TempDir dir;
  const std::string path = (dir.path / "a.db").string();
  {
    Database db(path, 0);
    db.exec("CREATE TABLE t (a INTEGER)");
  }
  Database db(path, 0, Database::Mode::ReadOnly);
  CHECK(db.read_only());
  CHECK_THROWS_WITH(db.exec("INSERT INTO t VALUES (1)"), Contains(path + ": "));
  CHECK(db.query_int("SELECT count(*) FROM t") == 0);
}

TEST_CASE("a read transaction sees one snapshot while another connection writes (WAL)", "[sqlite]") {
  TempDir dir;
  const std::string path = (dir.path / "a.db").string();
  Database writer(path, 1000);
  writer.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)");
  Database reader(path, 1000, Database::Mode::ReadOnly);
  {
    ReadTransaction snapshot(reader);
    CHECK_FALSE(reader.autocommit());
    CHECK(reader.query_int("SELECT count(*) FROM t") == 1);
    writer.exec("INSERT INTO t VALUES (2)");
    CHECK(reader.query_int("SELECT count(*) FROM t") == 1);
  }
  CHECK(reader.autocommit());
  CHECK(reader.query_int("SELECT count(*) FROM t") == 2);
}

TEST_CASE("a file that is not a database is one line naming it", "[sqlite]") {
  TempDir dir;
  const std::string path = dir.write("users.csv", "name,email\nann,ann@example.com\n");
  Database db(path, 0, Database::Mode::ReadOnly);
  CHECK_THROWS_WITH(db.query_int("SELECT count(*) FROM sqlite_schema"), path + ": file is not a SQLite database");
}

TEST_CASE("identifiers are quoted with embedded quotes doubled", "[sqlite]") {
  CHECK(quote_identifier("users") == "\"users\"");
  CHECK(quote_identifier("a\"b") == "\"a\"\"b\"");
  CHECK(quote_identifier("") == "\"\"");
}

TEST_CASE("a path that starts with file: is a file name, not a URI", "[sqlite]") {
  TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path);
  {
    Database db("file:a.db?mode=memory", 0);
    db.exec("CREATE TABLE t (a)");
  }
  CHECK(std::filesystem::exists(dir.path / "file:a.db?mode=memory"));
  std::filesystem::current_path(cwd);
}
