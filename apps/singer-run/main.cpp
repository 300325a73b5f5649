// singer-run: runs one Singer tap into one Singer target and keeps the state file
// between runs; safe to start from cron and CI. See --help, or docs/singer-run.md.
#include <CLI/CLI.hpp>

#include <cctype>
#include <iostream>

#include "run.hpp"
#include "run_plan.hpp"
#include "singer/cli.hpp"
#include "state_command.hpp"

namespace {

constexpr const char* kDescription =
    "Runs a Singer tap into a Singer target, keeps the state file between runs.";

// CLI11 derives one usage line from the positionals; singer-run has two forms.
class Usage : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override {
    return R"(
Usage:
  singer-run [OPTIONS] --state FILE|URI TAP TARGET
  singer-run [OPTIONS] PIPELINE_FILE
  singer-run state get|set|list|clear LOCATION ...   (see singer-run state --help)

Examples:
  singer-run --state state.json "tap-csv --config tap.json" "target-jsonl --config target.json"
  singer-run pipelines/orders.json
  singer-run --state 'postgres://runner@db.internal/ops#orders' "tap-csv ..." "target-postgres ..."
)";
  }
};

constexpr const char* kFooter = R"(
PIPELINE FILE
  The same run described in JSON, so a crontab line is one short command:
    {
      "tap": "tap-csv --config tap.json",
      "target": "target-jsonl --config target.json",
      "state": "state/orders.json",
      "catalog": "catalog.json",
      "timeout": "30m",
      "log_runs": "runs.jsonl",
      "full_refresh": false
    }
  tap, target and state are required; also allowed: grace, wait, description.
  tap and target are a command string or an array of arguments. Relative paths in
  the file, in its commands too, are relative to the file: the tap and the target
  run in the file's directory. Options given on the command line win over the file.

COMMANDS
  Split like sh splits a simple command ('...', "...", \), then run directly,
  without a shell: the process singer-run signals is the program itself. Unquoted
  $ ` * ? [ ~ | & ; < > ( ) # are refused rather than misread; for shell features
  use: "sh -c 'exec my-tap --config \"$HOME/tap.json\" \"$@\"' sh". The tap gets
  "--state FILE" appended when the state file exists (and not --full-refresh), and
  "--catalog FILE" with --catalog; its stdin is /dev/null. The tap's stdout is the
  target's stdin: a kernel pipe of 1 MiB; records never pass through singer-run.

STATE
  Every line the target prints on stdout is a state. Each valid JSON object is
  saved at once, atomically (temp file, fsync, rename, fsync of the directory); the
  latest wins. Any other line is a warning and never touches the state file. A state
  file that is not a JSON object stops the run before it starts (exit 2).
  --full-refresh runs the tap without the state; the target's states replace it.

STATE IN POSTGRESQL
  --state 'postgres://user@host:port/db?schema=singer_run&history=20#orders' (or the
  same as "state" in the pipeline file) keeps the state of pipeline id "orders" in
  table SCHEMA.singer_run_state (created on first use; schema default singer_run).
  Each save is its own transaction, made only while the lock is held; the last
  `history` saves (default 20, 0 = none) stay in SCHEMA.singer_run_state_history.
  The lock is a session advisory lock on singer-run's own connection: it is released
  when the run ends or its host dies. A run that loses its connection stops both
  programs and exits 1; it never saves again. The password comes from ~/.pgpass or
  PGPASSWORD: a URI with one is refused. The tap gets "--state /dev/fd/N", a private
  in-memory copy of the state. singer-run state get|set|list|clear works on both
  stores.

ONE RUN AT A TIME
  An flock(2) on STATE.lock. A second run exits 75 at once, naming the holder:
    singer-run: error: state.json: another run holds the lock (pid 1234, started ...)
  --wait waits for it instead (within --timeout, if given). The lock is inherited by
  the tap and target, so it is held until they have exited too. In PostgreSQL the
  refusal also names the holder's host.

OUTPUT
  Nothing on stdout. On stderr: each child's lines prefixed with its name
  ("tap-csv | ..."), warnings, one summary line at the end ("singer-run: info: ran
  ..."), and on failure one last "singer-run: error: ..." line naming the side that
  failed. Records per stream are summed from the tap's METRIC record_count lines
  (each value is an increment, as singer-python's Counter logs them). On a terminal,
  a live status line (elapsed, records, records/s).
  --log-runs FILE appends one JSON line per run: started, ended, duration_s, both
  commands (secret values redacted), exit codes, records, state_saves,
  state_advanced, result, exit_code, error.

SIGNALS AND TIMEOUT
  SIGINT, SIGTERM and SIGHUP are passed to both children; singer-run waits for them,
  keeps the last state the target emitted, and exits 128+signal. A second signal
  kills them at once. --timeout sends SIGTERM to both, SIGKILL after --grace.
  If singer-run itself is killed, its children get SIGTERM.

EXIT STATUS
  0    both tap and target exited 0
  1    the tap or the target failed (the summary names it), or the state could not be saved,
       or the database could not be reached or its connection was lost
  2    usage or config error, found before anything ran (flags, pipeline file,
       state file, a bad PostgreSQL URI, command not found)
  75   another run holds the lock on the state file (EX_TEMPFAIL)
  124  timed out (--timeout)
  130  interrupted by SIGINT; 143 by SIGTERM; 129 by SIGHUP
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "state") {
    return singer::run_main("singer-run", [&] { return singer_run::state_command(argc - 1, argv + 1); });
  }
  return singer::run_main("singer-run", [&]() -> int {
    singer_run::Options options;
    std::string state, catalog, log_runs, timeout, grace;

    CLI::App app{kDescription, "singer-run"};
    app.formatter(std::make_shared<Usage>());
    app.footer(kFooter);
    app.set_version_flag("--version", "singer-run " + std::string(singer::version()));
    app.add_option("commands", options.commands, "PIPELINE_FILE, or the TAP and TARGET commands")
        ->type_name("");
    auto* state_opt = app.add_option("--state", state, "The state file, or postgres://...#PIPELINE_ID: read before, replaced as the target emits states")
        ->type_name("FILE|URI");
    auto* catalog_opt = app.add_option("--catalog", catalog, "Passed to the tap as --catalog FILE")
        ->type_name("FILE");
    auto* timeout_opt = app.add_option("--timeout", timeout, "Stop both after DURATION (90s, 30m, 2h) and exit 124")
        ->type_name("DURATION");
    auto* grace_opt = app.add_option("--grace", grace, "Time between SIGTERM and SIGKILL when stopping them (default 10s)")
        ->type_name("DURATION");
    auto* log_opt = app.add_option("--log-runs", log_runs, "Append one JSON line per run to FILE")
        ->type_name("FILE");
    app.add_flag("--full-refresh", options.full_refresh, "Run the tap without the saved state");
    app.add_flag("--wait", options.wait, "Wait for another run's lock instead of exiting 75");

    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::cout << app.help();
      return 0;
    } catch (const CLI::CallForVersion& e) {
      std::cout << e.what() << "\n";
      return 0;
    } catch (const CLI::ParseError& e) {
      std::string what = e.what();
      if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
      throw singer::UsageError({}, "{}; see --help", what);
    }
    if (state_opt->count()) options.state = state;
    if (catalog_opt->count()) options.catalog = catalog;
    if (timeout_opt->count()) options.timeout = timeout;
    if (grace_opt->count()) options.grace = grace;
    if (log_opt->count()) options.log_runs = log_runs;

    return singer_run::run(singer_run::make_plan(options));
  });
}
