// The state in PostgreSQL, so pipelines can run from any host: one row per pipeline id
// (state, when and by which run it was saved), a bounded history of earlier values, and
// a session advisory lock on the runner's own connection that dies with the run.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "process.hpp"
#include "singer/postgres.hpp"
#include "state_store.hpp"

namespace singer_run {

inline constexpr int kDefaultHistory = 20;

// postgres://user@host:port/db?schema=ops&history=50#orders, split into what libpq
// reads and what singer-run reads.
struct PostgresLocation {
  std::string uri;          // as written; never holds a password (refused)
  std::string conninfo;     // for libpq: without the fragment and singer-run's parameters
  std::string pipeline_id;  // after '#'; empty when there is none
  std::string schema = "singer_run";
  int history = kDefaultHistory;  // earlier values kept per pipeline id; 0 = none
};

// Throws UsageError (exit 2) naming the URI (password masked) and what is wrong: a
// password in it, a bad schema name or history, a bad pipeline id, what libpq refuses.
PostgresLocation parse_postgres_location(const std::string& text, bool need_id);

class PostgresStateStore : public StateStore {
 public:
  // Connects; throws Error (exit 1) when the database cannot be reached.
  explicit PostgresStateStore(PostgresLocation where);

  const std::string& name() const override { return where_.uri; }
  bool try_lock(const RunIdentity& me) override;
  std::string holder() override;
  std::optional<singer::Json> read() override;
  void save(std::string_view json_text) override;
  void clear() override;
  std::string tap_state_file(const singer::Json& state) override;
  int watch_fd() const override;
  void check() override;
  std::vector<StoreEntry> list() override;
  std::vector<HistoryEntry> history() override;
  std::optional<singer::Json> read_history(int n) override;

 private:
  bool tables_exist();
  void create_tables();
  [[noreturn]] void lost(const singer::Error& e) const;
  std::optional<singer::Json> parse_state(const singer::postgres::Result& r, const std::string& what) const;

  PostgresLocation where_;
  std::unique_ptr<singer::postgres::Connection> conn_;
  std::string state_table_;    // "singer_run"."singer_run_state"
  std::string history_table_;  // "singer_run"."singer_run_state_history"
  std::string lock_key_;       // "singer-run:<schema>:<pipeline id>", hashed to the lock's bigint
  std::string saved_by_;       // the identity that took the lock
  bool locked_ = false;
  Fd tap_fd_;                  // the copy of the state the tap reads (a memfd)
};

}  // namespace singer_run
