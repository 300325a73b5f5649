// run_target(): everything a target does beyond its sinks.
#pragma once

#include <functional>
#include <memory>

#include "singer/cli.hpp"
#include "singer/json.hpp"
#include "singer/sink.hpp"

namespace singer {

struct TargetSpec {
  ProgramInfo info;
  // Called once per stream, at its first SCHEMA.
  std::function<std::unique_ptr<Sink>(const SchemaMessage& schema, const Json& config)> make_sink;
  // The sinks read records field by field (RecordMessage::fields), even with validation off.
  bool sink_needs_fields = false;
};

// Parses --config, --input, --test (check the config, read nothing), --about [--format],
// --version, --help; reads messages from stdin; remembers an ACTIVATE_VERSION that comes
// before its stream's SCHEMA and activates it on the new sink;
// validates records (unless config validate_records is false); routes them to sinks;
// prints each STATE value on stdout only after every earlier record is flushed.
// Batches: a STATE waits until batch_size_rows records (config, default 100000) or
// max_batch_seconds (default 1) since the last flush, or the end of input.
int run_target(int argc, char** argv, const TargetSpec& spec);

}  // namespace singer
