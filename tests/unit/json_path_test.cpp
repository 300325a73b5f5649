// tap-rest's JSONPath subset: what it accepts, and the config error for what it does not.
#include "json_path.hpp"

#include <catch2/catch.hpp>

#include "singer/error.hpp"

using Catch::Matchers::Equals;
using tap_rest::parse_json_path;
using tap_rest::PathStep;

TEST_CASE("json path reads names, wildcards, indexes and quoted keys", "[json_path]") {
  CHECK(parse_json_path("$", "records_path").empty());
  auto steps = parse_json_path("$.data[*]", "records_path");
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].kind == PathStep::Kind::Key);
  CHECK(steps[0].key == "data");
  CHECK(steps[1].kind == PathStep::Kind::Wildcard);

  steps = parse_json_path("$['@odata.nextLink']", "next_page_token_path");
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].key == "@odata.nextLink");

  steps = parse_json_path("$.entry[*].resource", "records_path");
  REQUIRE(steps.size() == 3);
  CHECK(steps[2].key == "resource");

  steps = parse_json_path("$.pages[2].*", "records_path");
  REQUIRE(steps.size() == 3);
  CHECK(steps[1].kind == PathStep::Kind::Index);
  CHECK(steps[1].index == 2);
  CHECK(steps[2].kind == PathStep::Kind::Wildcard);
}

TEST_CASE("json path refuses what it cannot evaluate, naming the setting", "[json_path]") {
  CHECK_THROWS_AS(parse_json_path("data[*]", "records_path"), singer::UsageError);
  CHECK_THROWS_WITH(parse_json_path("data", "records_path"),
                    Equals("records_path: 'data' is not a supported JSONPath (it must start with $)"));
  CHECK_THROWS_WITH(parse_json_path("$..id", "records_path"),
                    Equals("records_path: '$..id' is not a supported JSONPath (recursive descent .. is not supported)"));
  CHECK_THROWS_WITH(parse_json_path("$.link[?(@.relation=='next')].url", "next_page_token_path"),
                    Equals("next_page_token_path: '$.link[?(@.relation=='next')].url' is not a supported JSONPath "
                           "(filters and slices are not supported)"));
  CHECK_THROWS_WITH(parse_json_path("$.a[", "records_path"),
                    Equals("records_path: '$.a[' is not a supported JSONPath (unclosed [)"));
}
