// target-postgres: Singer messages on stdin -> one PostgreSQL table per stream, by COPY.
#include <memory>

#include "postgres_sink.hpp"
#include "singer/config.hpp"
#include "singer/target.hpp"

int main(int argc, char** argv) {
  singer::TargetSpec spec;
  spec.info.name = "target-postgres";
  spec.info.description =
      "Loads each Singer stream into a PostgreSQL table by COPY: exact values, upserts by key, "
      "one transaction per STATE";
  spec.info.capabilities = {"about", "activate-version", "hard-delete", "schema-flattening", "validate-records"};
  spec.info.config_schema = singer_embedded::kConfigSchema;
  spec.sink_needs_fields = true;
  // Every stream's sink shares one connection, opened at the first SCHEMA.
  std::shared_ptr<target_postgres::PostgresDatabase> database;
  spec.make_sink = [&database](const singer::SchemaMessage& schema, const singer::Json& config) {
    if (!database) {
      database = std::make_shared<target_postgres::PostgresDatabase>(target_postgres::options_from_config(config));
    }
    return std::make_unique<target_postgres::PostgresSink>(database, schema);
  };
  return singer::run_main(spec.info.name, [&] { return singer::run_target(argc, argv, spec); });
}
