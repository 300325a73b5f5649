// tap-sqlite: the tables and views of a SQLite database as Singer streams.
//
//   tap-sqlite --config tap.json --discover > catalog.json
//   tap-sqlite --config tap.json [--catalog catalog.json] [--state state.json]
//   tap-sqlite --about [--format json|markdown]
//
// Settings (schemas/config/tap-sqlite.json, printed by --about): database (alias
// path_to_db), tables, exclude_tables, start_date, busy_timeout_ms, batch_size,
// invalid_utf8.
// The database is opened read-only and never created; FULL_TABLE and INCREMENTAL
// streams each read inside one read transaction.
#include "singer/cli.hpp"
#include "singer/config.hpp"
#include "singer/tap.hpp"
#include "sqlite_stream.hpp"

int main(int argc, char** argv) {
  const singer::TapSpec spec{
      .info = {.name = "tap-sqlite",
               .description = "Singer tap for SQLite databases: every table and view a stream, read-only, "
                              "FULL_TABLE or INCREMENTAL by a replication key",
               .capabilities = {"catalog", "discover", "properties", "state", "about"},
               .config_schema = singer_embedded::kConfigSchema},
      .make_streams = tap_sqlite::make_streams,
  };
  return singer::run_main("tap-sqlite", [&] { return singer::run_tap(argc, argv, spec); });
}
