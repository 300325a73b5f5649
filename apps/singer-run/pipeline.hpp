// The run itself: start the target and the tap joined by a kernel pipe, then one poll()
// loop over the target's stdout (states), both stderrs (logs, METRIC lines) and our
// signals, until both children have exited.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "child_output.hpp"
#include "duration.hpp"
#include "process.hpp"
#include "progress.hpp"
#include "run_plan.hpp"
#include "singer/json.hpp"
#include "state_store.hpp"

namespace singer_run {

struct PipelineSetup {
  ChildCommand tap;     // argv complete, with --state / --catalog appended
  ChildCommand target;
  std::string workdir;  // empty = ours
  std::chrono::steady_clock::time_point started;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // --timeout
  Millis grace = kDefaultGrace;  // SIGTERM .. SIGKILL
};

struct ChildResult {
  bool started = false;
  bool exited = false;  // reaped; status is valid
  int status = 0;       // as from waitpid()
  bool stopped = false; // singer-run signalled it (timeout, interrupt, the other side failed)
  bool ok() const noexcept { return exited && status == 0; }
};

struct PipelineResult {
  ChildResult tap;
  ChildResult target;
  bool timed_out = false;
  int interrupted_by = 0;   // SIGINT, SIGTERM or SIGHUP we received
  std::string save_error;   // the state could not be saved (or its lock was lost): run stopped
  RecordCounts records;     // from the tap's METRIC lines
  std::int64_t state_saves = 0;
  std::int64_t rejected_state_lines = 0;
  std::optional<singer::Json> last_state;  // the last state saved
};

// Throws UsageError if either program cannot be executed (nothing is left running).
// Otherwise runs both to the end and describes what happened; never throws for a child
// that fails. A store that cannot save, or that loses its lock (a dropped database
// connection), stops both children and is reported in save_error.
PipelineResult run_pipeline(const PipelineSetup& setup, StateStore& store, Progress& progress);

}  // namespace singer_run
