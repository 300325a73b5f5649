// target-sqlite: Singer messages on stdin -> one SQLite table per stream.
#include <memory>

#include "singer/config.hpp"
#include "singer/target.hpp"
#include "sqlite_sink.hpp"

int main(int argc, char** argv) {
  singer::TargetSpec spec;
  spec.info.name = "target-sqlite";
  spec.info.description =
      "Loads each Singer stream into a table of a SQLite database: exact values, upserts by key, "
      "one transaction per STATE";
  spec.info.capabilities = {"about", "activate-version", "hard-delete", "schema-flattening", "validate-records"};
  spec.info.config_schema = singer_embedded::kConfigSchema;
  spec.sink_needs_fields = true;
  // Every stream's sink shares one connection, opened at the first SCHEMA.
  std::shared_ptr<target_sqlite::SqliteDatabase> database;
  spec.make_sink = [&database](const singer::SchemaMessage& schema, const singer::Json& config) {
    if (!database) {
      database = std::make_shared<target_sqlite::SqliteDatabase>(target_sqlite::options_from_config(config));
    }
    return std::make_unique<target_sqlite::SqliteSink>(database, schema);
  };
  return singer::run_main(spec.info.name, [&] { return singer::run_target(argc, argv, spec); });
}
