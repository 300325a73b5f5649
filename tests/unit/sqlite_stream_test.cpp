// tap-sqlite's streams: a table dropped or altered after discovery (in the same run) is
// one line naming it; a stream syncs into a MessageWriter.
#include "sqlite_stream.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "singer/error.hpp"
#include "temp_dir.hpp"

using namespace tap_sqlite;
using singer::Json;
using Catch::Contains;

namespace {

struct Fixture {
  TempDir dir;
  std::string path = (dir.path / "app.db").string();
  std::string out_path = (dir.path / "out.jsonl").string();

  Fixture() {
    singer::sqlite::Database db(path, 0);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, w TEXT); INSERT INTO t VALUES (1, 'a', 'b');");
  }

  std::unique_ptr<singer::Stream> stream() {
    Json config = Json::object();
    config.set("database", path);
    auto streams = make_streams(config);
    REQUIRE(streams.size() == 1);
    return std::move(streams.front());
  }

  // Syncs the stream with its discovered catalog entry; returns what it wrote.
  std::string sync(singer::Stream& stream) {
    const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    {
      singer::MessageWriter out(fd);
      singer::CatalogEntry entry;
      entry.tap_stream_id = stream.name();
      entry.stream = stream.name();
      entry.schema = stream.schema();
      singer::State state;
      singer::SyncContext ctx(out, entry, stream, state, 0, [] {});
      singer::SchemaMessage schema;
      schema.stream = stream.name();
      schema.schema = entry.schema;
      ctx.announce(std::move(schema));
      try {
        stream.sync(ctx);
      } catch (...) {
        ::close(fd);
        throw;
      }
    }
    ::close(fd);
    std::ifstream in(out_path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  void exec(const std::string& sql) {
    singer::sqlite::Database db(path, 0);
    db.exec(sql);
  }
};

}  // namespace

TEST_CASE("a stream writes its rows as records", "[sqlite_stream]") {
  Fixture f;
  auto stream = f.stream();
  const std::string text = f.sync(*stream);
  CHECK_THAT(text, Contains(R"("record":{"id":1,"v":"a","w":"b"})"));
}

TEST_CASE("a table dropped after discovery is one line naming it", "[sqlite_stream]") {
  Fixture f;
  auto stream = f.stream();
  f.exec("DROP TABLE t");
  CHECK_THROWS_WITH(f.sync(*stream), f.path + ": stream 't': table 't' no longer exists in the database");
}

TEST_CASE("a column dropped after discovery is one line naming it", "[sqlite_stream]") {
  Fixture f;
  auto stream = f.stream();
  f.exec("ALTER TABLE t DROP COLUMN w");
  CHECK_THROWS_WITH(f.sync(*stream), f.path + ": stream 't': column 'w' no longer exists in table 't'");
}

TEST_CASE("a missing database is a usage error and is not created", "[sqlite_stream]") {
  TempDir dir;
  Json config = Json::object();
  config.set("database", (dir.path / "nope.db").string());
  try {
    make_streams(config);
    FAIL("no error");
  } catch (const singer::Error& e) {
    CHECK(e.exit_code() == 2);
    CHECK_THAT(e.what(), Contains("nope.db: cannot open the database: No such file or directory"));
  }
  CHECK_FALSE(std::filesystem::exists(dir.path / "nope.db"));
}
