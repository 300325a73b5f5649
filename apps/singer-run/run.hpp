// One run from start to end: take the lock, check the state, run the pipeline, say how
// it went (one summary line, the run log) and pick the exit code.
#pragma once

#include "run_plan.hpp"
#include "singer/error.hpp"

namespace singer_run {

// Exit codes singer-run adds to the project's 0 / 1 / 2.
inline constexpr int kExitLocked = 75;    // EX_TEMPFAIL: another run holds the lock
inline constexpr int kExitTimedOut = 124; // as timeout(1)

// An error that ends the run with a given exit code; run_main() prints it.
class ExitError : public singer::Error {
 public:
  ExitError(singer::Location where, std::string detail, int exit_code)
      : Error(std::move(where), std::move(detail), exit_code) {}
};

// Returns 0 when both children exited 0; throws for everything else.
int run(const RunPlan& plan);

}  // namespace singer_run
