// tap-csv: reads CSV files into Singer streams, one stream per configured entity.
//
//   tap-csv --config tap.json [--state state.json] [--catalog catalog.json]
//   tap-csv --config tap.json --discover > catalog.json
//   tap-csv --about [--format json|markdown]
//
// Settings (schemas/config/tap-csv.json, printed by --about): files[] with entity, path
// (file, directory or glob), keys, delimiter, quotechar, encoding, field_names,
// has_header, replication_key; infer_types, infer_sample_rows, add_metadata_columns.
#include "csv_stream.hpp"
#include "singer/cli.hpp"
#include "singer/config.hpp"
#include "singer/tap.hpp"

int main(int argc, char** argv) {
  const singer::TapSpec spec{
      .info = {.name = "tap-csv",
               .description = "Singer tap for CSV files (RFC 4180): one stream per entity, "
                              "optional type inference and incremental replication",
               .capabilities = {"catalog", "discover", "properties", "state", "about"},
               .config_schema = singer_embedded::kConfigSchema},
      .make_streams = tap_csv::make_streams,
  };
  return singer::run_main("tap-csv", [&] { return singer::run_tap(argc, argv, spec); });
}
