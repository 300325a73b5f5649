// target-jsonl: Singer messages on stdin -> one JSON-lines file per stream.
#include "jsonl_sink.hpp"
#include "singer/config.hpp"
#include "singer/target.hpp"

int main(int argc, char** argv) {
  singer::TargetSpec spec;
  spec.info.name = "target-jsonl";
  spec.info.description = "Writes each Singer stream to <destination_path>/<stream>.jsonl, record bytes as received";
  spec.info.capabilities = {"about"};
  spec.info.config_schema = singer_embedded::kConfigSchema;
  spec.make_sink = [](const singer::SchemaMessage& schema, const singer::Json& config) {
    return std::make_unique<target_jsonl::JsonlSink>(schema.stream, target_jsonl::options_from_config(config));
  };
  return singer::run_main(spec.info.name, [&] { return singer::run_target(argc, argv, spec); });
}
