// Where a pipeline's state and its one-run-at-a-time lock live: a state file on this
// host (file_state_store) or a row in PostgreSQL (postgres_state_store). The runner and
// `singer-run state ...` see only this interface.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "singer/json.hpp"

namespace singer_run {

// Who holds a lock or saved a state: shown to a refused run and kept with each save.
struct RunIdentity {
  std::string host;
  pid_t pid = 0;
  std::string started;  // "2026-11-20T23:10:00Z"
  std::string role;     // empty for a run; "state set", "state clear" for those commands
  // "web-3 pid 1234 started 2026-11-20T23:10:00Z" (+ " (state set)")
  std::string to_string() const;
};

// This process, started now (or at `started`).
RunIdentity this_run(std::string started_iso, std::string role = {});

// One saved state before the current one (PostgreSQL only).
struct HistoryEntry {
  std::string saved_at;
  std::string saved_by;
};

// One pipeline id in a store, for `state list`.
struct StoreEntry {
  std::string id;
  std::string saved_at;  // empty when unknown
  std::string saved_by;  // empty when unknown
  bool running = false;  // a run holds its lock now
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // The file path, or the URI as the user wrote it (it never holds a password): the
  // location of every message about the state.
  virtual const std::string& name() const = 0;

  // Takes the lock without waiting and, when it got it, records `me` as the holder.
  // False when another run holds it.
  virtual bool try_lock(const RunIdentity& me) = 0;
  // "pid 1234, started ..." (the file) or "host web-3, pid 1234, started ..." as the
  // holder recorded it; "holder unknown" when it did not (yet).
  virtual std::string holder() = 0;

  // The saved state; nullopt when there is none. Throws UsageError when it is not a
  // JSON object: a broken state is never taken as empty.
  virtual std::optional<singer::Json> read() = 0;
  // Saves one state (its own transaction), only while the lock is held; throws Error
  // and saves nothing otherwise.
  virtual void save(std::string_view json_text) = 0;
  // Deletes the current state (`state clear`); PostgreSQL keeps its history.
  virtual void clear() = 0;

  // What the tap gets after --state: the state file itself, or a private copy of
  // `state` that lives as long as the store.
  virtual std::string tap_state_file(const singer::Json& state) = 0;

  // During a run: a descriptor that turns readable when the store needs a look (the
  // database connection), -1 when none; check() then throws Error when the lock is lost.
  virtual int watch_fd() const { return -1; }
  virtual void check() {}

  // `state list` and `state list URI#id`, `state get --history N`.
  virtual std::vector<StoreEntry> list() = 0;
  virtual std::vector<HistoryEntry> history() = 0;
  virtual std::optional<singer::Json> read_history(int n) = 0;  // 1 = the newest save
};

// What the user wrote after --state, in a pipeline file's "state", or after `state get`.
struct StateLocation {
  std::string text;     // as written
  std::string path;     // a file: relative to our cwd (already joined with the pipeline file's dir)
  std::string tap_arg;  // a file: what the tap gets after --state (valid in the tap's workdir)
  bool postgres() const;
};

// True for "postgres://..." and "postgresql://...".
bool is_postgres_uri(std::string_view text);

// Opens the store: a state file (checks its directory), or connects to PostgreSQL
// (UsageError for a bad URI, Error when the database cannot be reached).
// `need_id`: a pipeline id ("#orders") is required (runs, get, set, clear).
std::unique_ptr<StateStore> open_state_store(const StateLocation& where, bool need_id = true);

}  // namespace singer_run
