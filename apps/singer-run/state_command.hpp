// `singer-run state get|set|list|clear LOCATION`: look at and repair a pipeline's state
// in either store, a state file or PostgreSQL, under the same lock runs take.
#pragma once

namespace singer_run {

// argv[0] is "state". Returns the exit code; throws Error/UsageError like run().
int state_command(int argc, char** argv);

}  // namespace singer_run
