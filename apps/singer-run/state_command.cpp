// The state subcommands. Writes (set, clear) take the pipeline's lock, so they never race
// a run; reads (get, list) do not, so they work while a run is going.
#include "state_command.hpp"

#include <CLI/CLI.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "run.hpp"
#include "run_log.hpp"
#include "singer/cli.hpp"
#include "singer/error.hpp"
#include "singer/log.hpp"
#include "state_store.hpp"

namespace singer_run {

namespace {

using singer::Error;
using singer::Json;
using singer::UsageError;

constexpr const char* kFooter = R"(
LOCATION
  A state file (state/orders.json), or a PostgreSQL URI naming the pipeline after '#':
    postgres://runner@db.internal/ops?schema=singer_run&history=20#orders
  The password comes from ~/.pgpass or PGPASSWORD, never from the URI.

COMMANDS
  get LOCATION [--history N]   print the saved state (or the Nth latest save) on stdout
  set LOCATION FILE            replace the state with FILE's JSON object ("-": stdin)
  list LOCATION                one line per pipeline id, tab-separated: id, saved at,
                               running or idle, saved by (a state file: its path,
                               modified at, running or idle, -); with '#id': that
                               pipeline's history, newest first (N, saved at, saved by)
  clear LOCATION --yes         delete the saved state (PostgreSQL keeps its history)

  set and clear take the pipeline's lock: while a run holds it they exit 75.

EXIT STATUS
  0 done; 1 no saved state, or the database failed; 2 usage error, a bad URI or an
  invalid JSON file; 75 a run holds the lock
)";

StateLocation location(const std::string& text) { return {text, text, text}; }

std::string read_input(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError({file}, "cannot read: {}", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void print(const Json& state) {
  std::string text = state.dump() + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::string now_iso() { return iso8601_utc(std::chrono::system_clock::now()); }

void lock_for(StateStore& store, const std::string& role) {
  if (!store.try_lock(this_run(now_iso(), role))) {
    throw ExitError({store.name()}, fmt::format("another run holds the lock ({})", store.holder()), kExitLocked);
  }
}

int get(const std::string& where, int history) {
  auto store = open_state_store(location(where));
  std::optional<Json> state = history > 0 ? store->read_history(history) : store->read();
  if (!state) {
    if (history > 0) throw Error({store->name()}, "no history entry {}", std::to_string(history));
    throw Error({store->name()}, "no state saved");
  }
  print(*state);
  return 0;
}

int set(const std::string& where, const std::string& file) {
  std::string where_file = file == "-" ? "<stdin>" : file;
  Json state;
  try {
    state = Json::parse(read_input(file), {where_file});
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.location(), "{}", e.detail());
  }
  if (!state.is_object()) throw UsageError({where_file}, "a state must be a JSON object");
  auto store = open_state_store(location(where));
  lock_for(*store, "state set");
  store->save(state.dump());
  singer::log::info("{}: state saved", store->name());
  return 0;
}

int list(const std::string& where) {
  StateLocation loc = location(where);
  bool one_pipeline = loc.postgres() && where.find('#') != std::string::npos;
  auto store = open_state_store(loc, /*need_id=*/false);
  std::string out;
  auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  if (one_pipeline) {
    int n = 0;
    for (const HistoryEntry& h : store->history()) {
      out += fmt::format("{}\t{}\t{}\n", ++n, h.saved_at, or_dash(h.saved_by));
    }
  } else {
    for (const StoreEntry& e : store->list()) {
      out += fmt::format("{}\t{}\t{}\t{}\n", e.id, or_dash(e.saved_at), e.running ? "running" : "idle",
                         or_dash(e.saved_by));
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int clear(const std::string& where, bool yes) {
  auto store = open_state_store(location(where));
  if (!yes) {
    throw UsageError({store->name()}, "state clear deletes the saved state: add --yes to confirm");
  }
  lock_for(*store, "state clear");
  store->clear();
  singer::log::info("{}: state cleared", store->name());
  return 0;
}

}  // namespace

int state_command(int argc, char** argv) {
  CLI::App app{"Looks at and repairs a pipeline's saved state.", "singer-run state"};
  app.footer(kFooter);
  app.require_subcommand(1);
  std::string where, file;
  int history = 0;
  bool yes = false;
  auto* get_cmd = app.add_subcommand("get", "Print the saved state");
  get_cmd->add_option("location", where, "State file or postgres://...#id")->required();
  get_cmd->add_option("--history", history, "Print the Nth latest save instead (1 = the newest)")
      ->check(CLI::Range(1, 1'000'000));
  auto* set_cmd = app.add_subcommand("set", "Replace the saved state");
  set_cmd->add_option("location", where, "State file or postgres://...#id")->required();
  set_cmd->add_option("file", file, "A JSON object; - for stdin")->required();
  auto* list_cmd = app.add_subcommand("list", "List pipelines, or one pipeline's history");
  list_cmd->add_option("location", where, "State file, postgres://... or postgres://...#id")->required();
  auto* clear_cmd = app.add_subcommand("clear", "Delete the saved state");
  clear_cmd->add_option("location", where, "State file or postgres://...#id")->required();
  clear_cmd->add_flag("--yes", yes, "Confirm");

  if (argc > 1 && argv[1][0] != '-') {
    std::string_view command = argv[1];
    if (command != "get" && command != "set" && command != "list" && command != "clear") {
      throw UsageError({}, "state: unknown command '{}' (expected get, set, list or clear); see "
                       "singer-run state --help", command);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // the help of the subcommand asked about
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    throw UsageError({}, "state: {}; see singer-run state --help", what);
  }
  if (get_cmd->parsed()) return get(where, history);
  if (set_cmd->parsed()) return set(where, file);
  if (list_cmd->parsed()) return list(where);
  return clear(where, yes);
}

}  // namespace singer_run
