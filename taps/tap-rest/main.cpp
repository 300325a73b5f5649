// tap-rest: any JSON REST API as Singer streams, configured, not coded.
//
//   tap-rest --config api.json --discover > catalog.json
//   tap-rest --config api.json [--catalog catalog.json] [--state state.json]
//   tap-rest --about [--format json|markdown]
//
// Settings (schemas/config/tap-rest.json, printed by --about): api_url, streams[] (name,
// path, parent, params, headers, records_path, primary_keys, replication_key, schema,
// ...), pagination_style and its parameters, auth_method and its credentials, retry and
// timeout limits, max_requests_per_second. Key names follow tap-rest-api-msdk.
#include "rest_stream.hpp"
#include "singer/cli.hpp"
#include "singer/config.hpp"
#include "singer/tap.hpp"

int main(int argc, char** argv) {
  const singer::TapSpec spec{
      .info = {.name = "tap-rest",
               .description = "Singer tap for JSON REST APIs: paging, auth, child streams, incremental "
                              "replication and retries, all from config",
               .capabilities = {"catalog", "discover", "properties", "state", "about"},
               .config_schema = singer_embedded::kConfigSchema},
      .make_streams = tap_rest::make_streams,
  };
  return singer::run_main("tap-rest", [&] { return singer::run_tap(argc, argv, spec); });
}
