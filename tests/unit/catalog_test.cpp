// Catalog: shape checks, metadata by breadcrumb, stream and field selection (also the
// legacy --properties style), replication settings, round trips and discovery metadata.
#include "singer/catalog.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include "singer/error.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace singer;
using Catch::Contains;

namespace {

const Location kWhere{"catalog.json", 0, {}};

Catalog parse_catalog(std::string_view text) {
  return Catalog::from_json(Json::parse(text), kWhere);
}

CatalogEntry one_stream(std::string_view metadata, std::string_view schema =
                            R"({"type": "object", "properties": {"id": {"type": "integer"},
                                 "name": {"type": "string"}}})") {
  std::string text = fmt::format(
      R"({{"streams": [{{"tap_stream_id": "users", "schema": {}, "metadata": {}}}]}})", schema,
      metadata);
  return parse_catalog(text).streams.at(0);
}

const char* kCatalog = R"({"streams": [
  {"tap_stream_id": "public-users", "stream": "users",
   "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
   "key_properties": ["id"],
   "metadata": [
     {"breadcrumb": [], "metadata": {"selected": true, "replication-method": "INCREMENTAL",
                                     "replication-key": "id"}},
     {"breadcrumb": ["properties", "id"], "metadata": {"inclusion": "automatic"}}]},
  {"tap_stream_id": "orders", "schema": {"type": "object", "properties": {}}}
]})";

}  // namespace

TEST_CASE("a catalog reads streams, schema, key_properties and metadata", "[catalog]") {
  Catalog c = parse_catalog(kCatalog);
  REQUIRE(c.streams.size() == 2);
  const CatalogEntry& users = c.streams[0];
  CHECK(users.tap_stream_id == "public-users");
  CHECK(users.stream == "users");
  CHECK(users.schema.find("properties")->find("id") != nullptr);
  CHECK(users.key_properties == std::vector<std::string>{"id"});
  REQUIRE(users.metadata.size() == 2);
  CHECK(users.metadata[1].breadcrumb == std::vector<std::string>{"properties", "id"});
  CHECK(users.metadata_at({})->find("selected")->as_bool());
  CHECK(users.metadata_at({"properties", "id"})->find("inclusion")->as_string() == "automatic");
  CHECK(users.metadata_at({"properties", "nope"}) == nullptr);
}

TEST_CASE("a stream without a 'stream' name takes its tap_stream_id", "[catalog]") {
  Catalog c = parse_catalog(kCatalog);
  CHECK(c.streams[1].stream == "orders");
  CHECK(c.streams[1].key_properties.empty());
  CHECK(c.streams[1].metadata.empty());
}

TEST_CASE("a catalog finds streams by tap_stream_id", "[catalog]") {
  Catalog c = parse_catalog(kCatalog);
  REQUIRE(c.find("orders") != nullptr);
  CHECK(c.find("orders")->tap_stream_id == "orders");
  CHECK(c.find("users") == nullptr);  // that is the stream name, not the id
}

TEST_CASE("a catalog without a streams array is refused", "[catalog]") {
  CHECK_THROWS_WITH(parse_catalog("{}"), Contains("catalog.json: catalog has no 'streams' array"));
  CHECK_THROWS_WITH(parse_catalog(R"({"streams": {}})"),
                    Contains("catalog has no 'streams' array"));
  CHECK_THROWS_WITH(parse_catalog("[]"), Contains("catalog has no 'streams' array"));
}

TEST_CASE("a catalog names the stream and member that are malformed", "[catalog]") {
  auto bad = [](std::string_view third) {
    return fmt::format(R"({{"streams": [{{"tap_stream_id": "a", "schema": {{}}}},
                                       {{"tap_stream_id": "b", "schema": {{}}}}, {}]}})",
                       third);
  };
  CHECK_THROWS_WITH(parse_catalog(bad(R"({"schema": {}})")),
                    Contains("catalog.json: streams[2]: missing 'tap_stream_id'"));
  CHECK_THROWS_WITH(parse_catalog(bad(R"({"tap_stream_id": 3, "schema": {}})")),
                    Contains("streams[2]: 'tap_stream_id' must be a string"));
  CHECK_THROWS_WITH(parse_catalog(bad(R"({"tap_stream_id": "c"})")),
                    Contains("streams[2]: missing 'schema'"));
  CHECK_THROWS_WITH(parse_catalog(bad(R"({"tap_stream_id": "c", "schema": []})")),
                    Contains("streams[2]: 'schema' must be an object"));
  CHECK_THROWS_WITH(parse_catalog(bad(R"("x")")), Contains("streams[2]: expected an object"));
  CHECK_THROWS_WITH(
      parse_catalog(bad(R"({"tap_stream_id": "c", "schema": {}, "key_properties": [1]})")),
      Contains("streams[2]: 'key_properties' must be an array of strings"));
  CHECK_THROWS_WITH(
      parse_catalog(bad(R"({"tap_stream_id": "c", "schema": {}, "metadata": {}})")),
      Contains("streams[2]: 'metadata' must be an array"));
  CHECK_THROWS_WITH(parse_catalog(bad(
                        R"({"tap_stream_id": "c", "schema": {}, "metadata": [{"metadata": {}}]})")),
                    Contains("streams[2]: metadata[0]: missing 'breadcrumb'"));
  CHECK_THROWS_WITH(parse_catalog(bad(R"({"tap_stream_id": "c", "schema": {},
                                          "metadata": [{"breadcrumb": []}]})")),
                    Contains("streams[2]: metadata[0]: missing 'metadata'"));
  CHECK_THROWS_WITH(parse_catalog(bad(R"({"tap_stream_id": "c", "schema": {},
                                          "metadata": [{"breadcrumb": [1], "metadata": {}}]})")),
                    Contains("streams[2]: metadata[0]: 'breadcrumb' must be an array of strings"));
}

TEST_CASE("a stream is selected by its 'selected' metadata", "[catalog]") {
  CHECK(one_stream(R"([{"breadcrumb": [], "metadata": {"selected": true}}])").selected());
  CHECK_FALSE(one_stream(R"([{"breadcrumb": [], "metadata": {"selected": false,
                                                             "selected-by-default": true}}])")
                  .selected());
}

TEST_CASE("a stream without 'selected' follows 'selected-by-default', else is not selected",
          "[catalog]") {
  CHECK(one_stream(R"([{"breadcrumb": [], "metadata": {"selected-by-default": true}}])")
            .selected());
  CHECK_FALSE(one_stream(R"([{"breadcrumb": [], "metadata": {}}])").selected());
  CHECK_FALSE(one_stream("[]").selected());
}

TEST_CASE("a stream is selected by the legacy 'selected' at the top of its schema",
          "[catalog]") {
  CHECK(one_stream("[]", R"({"type": "object", "selected": true, "properties": {}})").selected());
  // Explicit metadata still wins over the legacy flag.
  CHECK_FALSE(one_stream(R"([{"breadcrumb": [], "metadata": {"selected": false}}])",
                         R"({"type": "object", "selected": true, "properties": {}})")
                  .selected());
}

TEST_CASE("field selection follows inclusion, selected, then selected-by-default", "[catalog]") {
  CatalogEntry e = one_stream(R"([
    {"breadcrumb": ["properties", "auto"], "metadata": {"inclusion": "automatic", "selected": false}},
    {"breadcrumb": ["properties", "unsup"], "metadata": {"inclusion": "unsupported", "selected": true}},
    {"breadcrumb": ["properties", "off"], "metadata": {"inclusion": "available", "selected": false,
                                                       "selected-by-default": true}},
    {"breadcrumb": ["properties", "on"], "metadata": {"selected": true, "selected-by-default": false}},
    {"breadcrumb": ["properties", "def_off"], "metadata": {"selected-by-default": false}},
    {"breadcrumb": ["properties", "def_on"], "metadata": {"selected-by-default": true}},
    {"breadcrumb": ["properties", "empty"], "metadata": {}}])");
  CHECK(e.field_selected("auto"));
  CHECK_FALSE(e.field_selected("unsup"));
  CHECK_FALSE(e.field_selected("off"));
  CHECK(e.field_selected("on"));
  CHECK_FALSE(e.field_selected("def_off"));
  CHECK(e.field_selected("def_on"));
  CHECK(e.field_selected("empty"));
  CHECK(e.field_selected("no_metadata_at_all"));
}

TEST_CASE("field selection honours legacy 'selected' and 'inclusion' in the property schema",
          "[catalog]") {
  CatalogEntry e = one_stream(R"([{"breadcrumb": ["properties", "b"], "metadata": {"selected": true}}])",
                              R"({"type": "object", "selected": true, "properties": {
                                   "a": {"type": "string", "selected": false},
                                   "b": {"type": "string", "selected": false},
                                   "c": {"type": "string", "inclusion": "automatic", "selected": false}}})");
  CHECK_FALSE(e.field_selected("a"));
  CHECK(e.field_selected("b"));  // metadata wins
  CHECK(e.field_selected("c"));
}

TEST_CASE("replication method comes from metadata, else the forced method", "[catalog]") {
  CHECK(one_stream(R"([{"breadcrumb": [], "metadata": {"replication-method": "FULL_TABLE",
                        "forced-replication-method": "INCREMENTAL"}}])")
            .replication_method() == "FULL_TABLE");
  CHECK(one_stream(R"([{"breadcrumb": [], "metadata": {"forced-replication-method": "INCREMENTAL"}}])")
            .replication_method() == "INCREMENTAL");
  CHECK_FALSE(one_stream("[]").replication_method().has_value());
}

TEST_CASE("replication key comes from metadata, else the only valid replication key",
          "[catalog]") {
  CHECK(one_stream(R"([{"breadcrumb": [], "metadata": {"replication-key": "updated_at",
                        "valid-replication-keys": ["id"]}}])")
            .replication_key() == "updated_at");
  CHECK(one_stream(R"([{"breadcrumb": [], "metadata": {"valid-replication-keys": ["id"]}}])")
            .replication_key() == "id");
  CHECK_FALSE(one_stream(R"([{"breadcrumb": [], "metadata": {"valid-replication-keys": ["a", "b"]}}])")
                  .replication_key()
                  .has_value());
  CHECK_FALSE(one_stream("[]").replication_key().has_value());
}

TEST_CASE("key properties fall back to table-key-properties metadata", "[catalog]") {
  CatalogEntry e = one_stream(R"([{"breadcrumb": [], "metadata": {"table-key-properties": ["id"]}}])");
  CHECK(e.effective_key_properties() == std::vector<std::string>{"id"});
  e.key_properties = {"name"};
  CHECK(e.effective_key_properties() == std::vector<std::string>{"name"});
  CHECK(one_stream("[]").effective_key_properties().empty());
}

TEST_CASE("metadata can be added at a breadcrumb", "[catalog]") {
  CatalogEntry e = one_stream("[]");
  e.metadata_at_or_add({}).set("selected", true);
  CHECK(e.selected());
  e.metadata_at_or_add({}).set("selected", false);
  CHECK(e.metadata.size() == 1);
  CHECK_FALSE(e.selected());
  e.metadata_at_or_add({"properties", "name"}).set("selected", false);
  CHECK_FALSE(e.field_selected("name"));
  CHECK(e.metadata.size() == 2);
}

TEST_CASE("a catalog round-trips through JSON", "[catalog]") {
  Catalog c = parse_catalog(kCatalog);
  Json out = c.to_json();
  Catalog again = Catalog::from_json(out, kWhere);
  CHECK(again.to_json() == out);
  CHECK(out.find("streams")->items()[1].dump() ==
        R"({"tap_stream_id":"orders","stream":"orders","schema":{"type":"object","properties":{}},)"
        R"("key_properties":[],"metadata":[]})");
  CHECK(out.find("streams")->items()[0].find("metadata")->items()[0].dump() ==
        R"({"breadcrumb":[],"metadata":{"selected":true,"replication-method":"INCREMENTAL",)"
        R"("replication-key":"id"}})");
}

TEST_CASE("loading a catalog file parses it", "[catalog]") {
  TempDir dir;
  auto path = dir.write("catalog.json", kCatalog);
  CHECK(Catalog::load(path).streams.size() == 2);
}

TEST_CASE("loading a catalog names the file when it is missing or malformed", "[catalog]") {
  TempDir dir;
  auto missing = (dir.path / "nope.json").string();
  CHECK_THROWS_WITH(Catalog::load(missing),
                    Contains(missing + ": cannot read catalog file: No such file or directory"));
  CHECK_THROWS_AS(Catalog::load(missing), UsageError);
  auto bad_json = dir.write("bad.json", "{\"streams\": [");
  CHECK_THROWS_WITH(Catalog::load(bad_json), Contains(bad_json + ": invalid JSON"));
  auto bad_shape = dir.write("shape.json", R"({"streams": [{"schema": {}}]})");
  CHECK_THROWS_WITH(Catalog::load(bad_shape),
                    Contains(bad_shape + ": streams[0]: missing 'tap_stream_id'"));
}

TEST_CASE("standard metadata describes the stream and every top-level property", "[catalog]") {
  Json schema = Json::parse(R"({"type": "object", "properties": {
      "name": {"type": "string"}, "id": {"type": "integer"}, "updated_at": {"type": "string"}}})");
  auto md = standard_metadata(schema, {"id"}, {"updated_at"}, "INCREMENTAL");
  REQUIRE(md.size() == 4);
  CHECK(md[0].breadcrumb.empty());
  CHECK(md[0].metadata.dump() ==
        R"({"table-key-properties":["id"],"valid-replication-keys":["updated_at"],)"
        R"("forced-replication-method":"INCREMENTAL","selected-by-default":true,)"
        R"("inclusion":"available"})");
  CHECK(md[1].breadcrumb == std::vector<std::string>{"properties", "name"});
  CHECK(md[1].metadata.dump() == R"({"inclusion":"available","selected-by-default":true})");
  CHECK(md[2].breadcrumb == std::vector<std::string>{"properties", "id"});
  CHECK(md[2].metadata.dump() == R"({"inclusion":"automatic","selected-by-default":true})");
  CHECK(md[3].breadcrumb == std::vector<std::string>{"properties", "updated_at"});
  CHECK(md[3].metadata.find("inclusion")->as_string() == "automatic");
}

TEST_CASE("standard metadata leaves out empty replication keys and no forced method",
          "[catalog]") {
  auto md = standard_metadata(Json::parse(R"({"type": "object"})"), {}, {}, std::nullopt);
  REQUIRE(md.size() == 1);
  CHECK(md[0].metadata.dump() ==
        R"({"table-key-properties":[],"selected-by-default":true,"inclusion":"available"})");
}

TEST_CASE("standard metadata makes a discovered stream selectable by default", "[catalog]") {
  CatalogEntry e;
  e.tap_stream_id = e.stream = "users";
  e.schema = Json::parse(R"({"type": "object", "properties": {"id": {"type": "integer"}}})");
  e.metadata = standard_metadata(e.schema, {"id"}, {}, std::nullopt);
  CHECK(e.selected());
  CHECK(e.field_selected("id"));
  CHECK(e.effective_key_properties() == std::vector<std::string>{"id"});
}
