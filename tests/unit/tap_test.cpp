// The tap seam's SyncContext: announcing a stream's SCHEMA and widening it mid-stream.
#include "singer/stream.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "temp_dir.hpp"

using namespace singer;

namespace {

class FakeStream : public Stream {
 public:
  std::string name() const override { return "items"; }
  Json schema() const override { return Json::parse(R"({"type":"object","properties":{"qty":{"type":"integer"}}})"); }
  void sync(SyncContext&) override {}
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("widened properties are announced in one new SCHEMA before the next record", "[tap]") {
  TempDir dir;
  const std::string path = (dir.path / "out.jsonl").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  {
    MessageWriter out(fd);
    FakeStream stream;
    CatalogEntry entry;
    entry.tap_stream_id = "items";
    entry.stream = "items";
    entry.schema = stream.schema();
    State state;
    int states = 0;
    SyncContext ctx(out, entry, stream, state, 0, [&] { ++states; });

    SchemaMessage schema;
    schema.stream = "items";
    schema.schema = entry.schema;
    schema.key_properties = {"qty"};
    ctx.announce(std::move(schema));
    ctx.begin_record().raw(R"({"qty":5})");
    ctx.end_record();

    ctx.widen("qty", Json::parse(R"({"type":["string","null"]})"));
    ctx.widen("qty", Json::parse(R"({"type":["number","null"]})"));
    CHECK(ctx.schema().dump() == R"({"type":"object","properties":{"qty":{"type":["number","null"]}}})");
    ctx.begin_record().raw(R"({"qty":5.5})");
    ctx.end_record();
    CHECK(ctx.records() == 2);
    CHECK(states == 0);
  }
  ::close(fd);
  const std::string text = read_file(path);
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(text.substr(at, nl - at));
  }
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] ==
        R"({"type":"SCHEMA","stream":"items","schema":{"type":"object","properties":{"qty":{"type":"integer"}}},"key_properties":["qty"]})");
  CHECK(lines[1].rfind(R"({"type":"RECORD","stream":"items","record":{"qty":5})", 0) == 0);
  CHECK(lines[2] ==
        R"({"type":"SCHEMA","stream":"items","schema":{"type":"object","properties":{"qty":{"type":["number","null"]}}},"key_properties":["qty"]})");
  CHECK(lines[3].rfind(R"({"type":"RECORD","stream":"items","record":{"qty":5.5})", 0) == 0);
}

TEST_CASE("widening a property the schema did not have adds it", "[tap]") {
  TempDir dir;
  const std::string path = (dir.path / "out.jsonl").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  {
    MessageWriter out(fd);
    FakeStream stream;
    CatalogEntry entry;
    entry.tap_stream_id = "items";
    State state;
    SyncContext ctx(out, entry, stream, state, 0, [] {});
    SchemaMessage schema;
    schema.stream = "items";
    schema.schema = Json::parse(R"({"type":"object"})");
    ctx.announce(std::move(schema));
    ctx.widen("note", Json::parse(R"({"type":"string"})"));
    CHECK(ctx.schema().dump() == R"({"type":"object","properties":{"note":{"type":"string"}}})");
  }
  ::close(fd);
}
