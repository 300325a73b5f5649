// The order of a run and the words of its last line. Everything that can refuse the
// run (lock, state file, programs) happens before any child starts.
#include "run.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>

#include "pipeline.hpp"
#include "process.hpp"
#include "run_log.hpp"
#include "singer/log.hpp"
#include "state_store.hpp"

namespace singer_run {

namespace {

using Clock = std::chrono::steady_clock;
using singer::Json;

void take_lock(StateStore& store, const RunIdentity& me, const RunPlan& plan,
               std::optional<Clock::time_point> deadline) {
  if (store.try_lock(me)) return;
  std::string holder = store.holder();
  if (!plan.wait) {
    throw ExitError({store.name()}, fmt::format("another run holds the lock ({})", holder),
                    kExitLocked);
  }
  singer::log::info("{}: waiting for the lock ({})", store.name(), holder);
  for (;;) {
    Millis step{100};
    if (deadline) {
      auto left = std::chrono::duration_cast<Millis>(*deadline - Clock::now());
      if (left.count() <= 0) {
        throw ExitError({store.name()},
                        fmt::format("timed out after {} waiting for the lock ({})",
                                    format_duration(*plan.timeout), store.holder()),
                        kExitTimedOut);
      }
      step = std::min(step, left);
    }
    if (int sig = wait_for_interrupt(step)) {
      throw ExitError({}, fmt::format("interrupted by {} while waiting for the lock", signal_name(sig)),
                      128 + sig);
    }
    if (store.try_lock(me)) return;
  }
}

std::optional<Json> initial_state(StateStore& store, const RunPlan& plan) {
  try {
    return store.read();
  } catch (const singer::UsageError& e) {
    // A full refresh is the way out of a broken state, so it must not be blocked by one.
    if (!plan.full_refresh) throw;
    singer::log::warning("{}; ignored for --full-refresh", e.what());
    return std::nullopt;
  }
}

struct Outcome {
  int exit_code = 0;
  std::string result = "ok";
  std::string message;
};

Outcome judge(const PipelineResult& r, const PipelineSetup& setup, const RunPlan& plan) {
  std::vector<std::string> stopped;
  std::vector<std::string> failed;
  auto look = [&](const ChildResult& c, const ChildCommand& command) {
    if (c.stopped) {
      stopped.push_back(command.label());
    } else if (c.exited && c.status != 0) {
      failed.push_back(fmt::format("{}: {}", command.label(), describe_wait_status(c.status)));
    }
  };
  look(r.tap, setup.tap);
  look(r.target, setup.target);
  std::string suffix;
  if (!stopped.empty()) {
    suffix = " (stopped " + stopped[0] + (stopped.size() > 1 ? " and " + stopped[1] : "") + ")";
  }

  Outcome o;
  if (r.interrupted_by != 0) {
    o = {128 + r.interrupted_by, "interrupted", "interrupted by " + signal_name(r.interrupted_by)};
  } else if (r.timed_out) {
    o = {kExitTimedOut, "timed out", "timed out after " + format_duration(*plan.timeout)};
  } else if (!r.save_error.empty()) {
    o = {1, "failed", r.save_error};
  } else if (!failed.empty()) {
    o = {1, "failed", failed[0] + (failed.size() > 1 ? "; " + failed[1] : "")};
  } else if (!stopped.empty()) {
    o = {1, "failed", "stopped"};  // not reached: something made us stop a child
  } else {
    return o;
  }
  o.message += suffix;
  return o;
}

ChildReport report(const ChildResult& c, const ChildCommand& command) {
  ChildReport out;
  out.argv = command.argv;
  out.started = c.started;
  if (c.exited && WIFEXITED(c.status)) out.exit_code = WEXITSTATUS(c.status);
  if (c.exited && WIFSIGNALED(c.status)) out.signal = WTERMSIG(c.status);
  return out;
}

std::string summary(const PipelineResult& r, bool advanced, Clock::duration elapsed, bool in_file) {
  std::string out = fmt::format("ran {:.1f}s", std::chrono::duration<double>(elapsed).count());
  if (r.records.any()) {
    out += fmt::format(", {} record{} ({})", r.records.total(), r.records.total() == 1 ? "" : "s",
                       r.records.to_string());
  }
  if (r.state_saves == 0) {
    out += in_file ? ", no state from the target: state file unchanged"
                   : ", no state from the target: state unchanged";
  } else {
    out += fmt::format(", state saved ({} update{}{})", r.state_saves, r.state_saves == 1 ? "" : "s",
                       advanced ? "" : ", unchanged");
  }
  return out;
}

void write_run_log(const RunPlan& plan, RunRecord& record) {
  if (!plan.log_runs) return;
  record.ended = std::chrono::system_clock::now();
  try {
    append_run_log(*plan.log_runs, record);
  } catch (const singer::Error& e) {
    singer::log::warning("{}", e.what());
  }
}

}  // namespace

int run(const RunPlan& plan) {
  RunRecord record;
  record.started = std::chrono::system_clock::now();
  record.pipeline_file = plan.pipeline_file;
  record.state_path = plan.state_path;
  record.full_refresh = plan.full_refresh;
  record.tap.argv = plan.tap.argv;
  record.target.argv = plan.target.argv;
  bool logged = false;

  auto started = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (plan.timeout) deadline = started + *plan.timeout;
  ensure_standard_fds();
  block_runner_signals();
  try {
    std::unique_ptr<StateStore> store =
        open_state_store({plan.state_path, plan.state_path, plan.state_arg});
    take_lock(*store, this_run(iso8601_utc(record.started)), plan, deadline);
    std::optional<Json> initial = initial_state(*store, plan);

    PipelineSetup setup{plan.tap, plan.target, plan.workdir, started, deadline, plan.grace};
    if (initial && !plan.full_refresh) {
      setup.tap.argv.insert(setup.tap.argv.end(), {"--state", store->tap_state_file(*initial)});
    }
    if (plan.catalog_arg) setup.tap.argv.insert(setup.tap.argv.end(), {"--catalog", *plan.catalog_arg});
    record.tap.argv = setup.tap.argv;

    Progress progress(plan.progress);
    PipelineResult result = run_pipeline(setup, *store, progress);
    bool advanced = result.last_state && (!initial || !(*result.last_state == *initial));
    Outcome outcome = judge(result, setup, plan);

    record.tap = report(result.tap, setup.tap);
    record.target = report(result.target, setup.target);
    record.records = result.records;
    record.state_saves = result.state_saves;
    record.state_advanced = advanced;
    record.result = outcome.result;
    record.exit_code = outcome.exit_code;
    record.error = outcome.message;
    write_run_log(plan, record);
    logged = true;

    singer::log::info("{}", summary(result, advanced, Clock::now() - started, !is_postgres_uri(plan.state_path)));
    if (outcome.exit_code != 0) throw ExitError({}, outcome.message, outcome.exit_code);
    return 0;
  } catch (const singer::Error& e) {
    if (!logged) {
      int code = e.exit_code();
      record.result = code == kExitLocked     ? "locked"
                      : code == kExitTimedOut ? "timed out"
                      : code > 128            ? "interrupted"
                                              : "error";
      record.exit_code = code;
      record.error = e.what();
      write_run_log(plan, record);
    }
    throw;
  }
}

}  // namespace singer_run
