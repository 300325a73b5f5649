// run_tap(): everything a tap does beyond its streams.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "singer/cli.hpp"
#include "singer/json.hpp"
#include "singer/stream.hpp"

namespace singer {

struct TapSpec {
  ProgramInfo info;
  // Builds the streams from the validated config. Throws UsageError on bad config.
  std::function<std::vector<std::unique_ptr<Stream>>(const Json& config)> make_streams;
};

// Parses --config, --state, --catalog/--properties, --discover, --test[=schema],
// --about [--format], --version, --help; discovers or syncs the selected streams; emits
// SCHEMA, RECORD, STATE (every `state_every` records, default 10000, and at the end) and
// METRIC lines. --test (Meltano SDK) syncs at most one record per selected stream and
// emits no STATE. A --state or --catalog file that cannot be read, or an empty --state
// file, is a UsageError.
// Returns the exit code; call it through run_main().
int run_tap(int argc, char** argv, const TapSpec& spec);

}  // namespace singer
