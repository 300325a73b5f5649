// The PostgreSQL store. Every save is one transaction that first checks, in pg_locks,
// that this very backend still holds the pipeline's advisory lock: a runner whose
// connection (and so its lock) is gone can never overwrite the state of the run that
// took over. The connection is never re-opened: a lost connection ends the run.
#include "postgres_state_store.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "command_line.hpp"
#include "singer/error.hpp"

namespace singer_run {

using singer::Error;
using singer::Json;
using singer::UsageError;
namespace pg = singer::postgres;

namespace {

constexpr size_t kMaxIdBytes = 200;
constexpr int kMaxHistory = 100'000;

// The text is shown with a password masked, should one have slipped in.
std::string masked(const std::string& text) { return redact_arguments({text})[0]; }

bool is_id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._-:/@+=").find(c) != std::string_view::npos;
}

bool is_schema_name(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

// The advisory lock of a pipeline id, as pg_locks shows a bigint key: the high half in
// classid, the low half in objid, objsubid 1; only locks in this database.
std::string lock_holders(const std::string& key_sql) {
  return "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
         " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
         " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(" + key_sql + ", 0)";
}

constexpr const char* kIsoUtc = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string iso(const std::string& column) {
  return fmt::format("to_char({} AT TIME ZONE 'UTC', {})", column, kIsoUtc);
}

// Our side: a server that went silent (a network partition) is noticed after about a
// minute, before the server gives our lock away, so the tap and target are stopped
// before another run can start. The user's own keepalives_* settings win.
std::string with_keepalives(const std::string& conninfo) {
  if (conninfo.find("keepalives") != std::string::npos) return conninfo;
  return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") +
         "keepalives=1&keepalives_idle=30&keepalives_interval=10&keepalives_count=3";
}

}  // namespace

PostgresLocation parse_postgres_location(const std::string& text, bool need_id) {
  PostgresLocation out;
  out.uri = text;
  std::string shown = masked(text);
  std::string rest = text;
  if (size_t hash = rest.find('#'); hash != std::string::npos) {
    out.pipeline_id = rest.substr(hash + 1);
    rest.resize(hash);
    if (out.pipeline_id.empty() || out.pipeline_id.size() > kMaxIdBytes ||
        !std::all_of(out.pipeline_id.begin(), out.pipeline_id.end(), is_id_char)) {
      throw UsageError({shown}, "the pipeline id after '#' must be 1 to {} letters, digits or . _ - : / @ + =",
                       kMaxIdBytes);
    }
  }
  if (need_id && out.pipeline_id.empty()) {
    throw UsageError({shown}, "name the pipeline after '#', e.g. postgres://user@host/db#orders");
  }

  size_t scheme_end = rest.find("://");
  size_t authority_end = rest.find_first_of("/?", scheme_end + 3);
  std::string authority = rest.substr(scheme_end + 3, authority_end == std::string::npos
                                                          ? std::string::npos
                                                          : authority_end - scheme_end - 3);
  auto no_password = [&]() {
    return UsageError({shown}, "a password in the URI would show in process lists and logs: "
                      "put it in ~/.pgpass or PGPASSWORD");
  };
  if (size_t at = authority.rfind('@'); at != std::string::npos && authority.find(':') < at) {
    throw no_password();
  }

  std::string query;
  if (size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  std::string kept;
  size_t from = 0;
  while (from <= query.size() && !query.empty()) {
    size_t amp = query.find('&', from);
    std::string pair = query.substr(from, amp == std::string::npos ? std::string::npos : amp - from);
    size_t eq = pair.find('=');
    std::string key = pair.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (key == "schema") {
      if (!is_schema_name(value)) {
        throw UsageError({shown}, "schema '{}': expected a lowercase name of letters, digits and _", value);
      }
      out.schema = value;
    } else if (key == "history") {
      int n = -1;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 0 || n > kMaxHistory) {
        throw UsageError({shown}, "history '{}': expected the number of earlier states to keep, 0 to {}",
                         value, kMaxHistory);
      }
      out.history = n;
    } else if (key == "password") {
      throw no_password();
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "" : "&") + pair;
    }
    if (amp == std::string::npos) break;
    from = amp + 1;
  }
  out.conninfo = rest + (kept.empty() ? "" : "?" + kept);
  if (std::string why = pg::conninfo_error(out.conninfo); !why.empty()) {
    throw UsageError({shown}, "invalid PostgreSQL URI: {}", why);
  }
  return out;
}

PostgresStateStore::PostgresStateStore(PostgresLocation where) : where_(std::move(where)) {
  std::string schema = pg::quote_identifier(where_.schema);
  state_table_ = schema + ".singer_run_state";
  history_table_ = schema + ".singer_run_state_history";
  lock_key_ = "singer-run:" + where_.schema + ":" + where_.pipeline_id;
  pg::ConnectOptions options;
  options.uri = with_keepalives(where_.conninfo);
  options.application_name = "singer-run";
  try {
    conn_ = std::make_unique<pg::Connection>(options);
    // The server's side of a host that died without closing its connection: the
    // session, and so the lock, ends after about 2 minutes of silence, not the
    // system's default 2 hours.
    conn_->exec("SET tcp_keepalives_idle = 60; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 6");
  } catch (const Error& e) {
    throw Error({where_.uri}, "{}", e.detail());
  }
}

void PostgresStateStore::lost(const Error& e) const {
  throw Error({where_.uri}, "{}", e.detail());
}

bool PostgresStateStore::tables_exist() {
  try {
    return conn_->query_value("SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
                              {state_table_, history_table_}) == "t";
  } catch (const Error& e) {
    lost(e);
  }
}

// Created on first use. Two runners may both find the tables missing: a transaction
// advisory lock makes the second wait and then find them. The schema is created only
// when missing, so a user without CREATE on the database can name an existing one.
void PostgresStateStore::create_tables() {
  if (tables_exist()) return;
  try {
    pg::Transaction tx(*conn_);
    conn_->exec("SELECT pg_advisory_xact_lock(hashtextextended('singer-run:create tables', 0))");
    if (!conn_->query_value("SELECT 1 FROM pg_namespace WHERE nspname = $1", {where_.schema})) {
      conn_->exec("CREATE SCHEMA IF NOT EXISTS " + pg::quote_identifier(where_.schema));
    }
    conn_->exec("CREATE TABLE IF NOT EXISTS " + state_table_ + " ("
                "pipeline_id text PRIMARY KEY, "
                "state jsonb, "                 // NULL until the first save
                "saved_at timestamptz, "
                "saved_by text, "               // "host pid N started T" of the run that saved it
                "locked_by_host text, "         // the run that took the lock last, for the
                "locked_by_pid integer, "       // message a refused run prints
                "locked_at timestamptz, "
                "locked_by_backend integer)");
    conn_->exec("CREATE TABLE IF NOT EXISTS " + history_table_ + " ("
                "id bigserial PRIMARY KEY, "
                "pipeline_id text NOT NULL, "
                "state jsonb NOT NULL, "
                "saved_at timestamptz NOT NULL, "
                "saved_by text)");
    conn_->exec("CREATE INDEX IF NOT EXISTS singer_run_state_history_pipeline ON " + history_table_ +
                " (pipeline_id, id)");
    tx.commit();
  } catch (const Error& e) {
    throw Error({where_.uri}, "cannot create the state tables in schema '{}': {}", where_.schema, e.detail());
  }
}

bool PostgresStateStore::try_lock(const RunIdentity& me) {
  try {
    if (!locked_) {
      create_tables();
      if (conn_->query_value("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", {lock_key_}) != "t") {
        return false;
      }
      locked_ = true;
    }
    saved_by_ = me.to_string();
    std::string pid = std::to_string(me.pid);
    conn_->query("INSERT INTO " + state_table_ +
                     " (pipeline_id, locked_by_host, locked_by_pid, locked_at, locked_by_backend)"
                     " VALUES ($1, $2, $3, $4::timestamptz, pg_backend_pid())"
                     " ON CONFLICT (pipeline_id) DO UPDATE SET locked_by_host = excluded.locked_by_host,"
                     " locked_by_pid = excluded.locked_by_pid, locked_at = excluded.locked_at,"
                     " locked_by_backend = excluded.locked_by_backend",
                 {where_.pipeline_id, me.host, pid, me.started});
    return true;
  } catch (const Error& e) {
    lost(e);
  }
}

std::string PostgresStateStore::holder() {
  try {
    if (!tables_exist()) return "holder unknown";
    // Only the row written by the backend that holds the lock now: an older one would
    // name a run that has ended.
    pg::Result r = conn_->query("SELECT locked_by_host, locked_by_pid, " + iso("locked_at") + " FROM " +
                                    state_table_ + " WHERE pipeline_id = $1 AND locked_by_backend IN (" +
                                    lock_holders("$2") + ")",
                                {where_.pipeline_id, lock_key_});
    if (r.rows() == 0 || r.is_null(0, 0)) return "holder unknown";
    return fmt::format("host {}, pid {}, started {}", r.text(0, 0), r.text(0, 1), r.text(0, 2));
  } catch (const Error& e) {
    lost(e);
  }
}

std::optional<Json> PostgresStateStore::parse_state(const pg::Result& r, const std::string& what) const {
  if (r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  Json state = Json::parse(r.text(0, 0), {where_.uri});
  if (!state.is_object()) throw UsageError({where_.uri}, "{} is not a JSON object", what);
  return state;
}

std::optional<Json> PostgresStateStore::read() {
  pg::Result r;
  try {
    if (!tables_exist()) return std::nullopt;
    r = conn_->query("SELECT state::text FROM " + state_table_ + " WHERE pipeline_id = $1", {where_.pipeline_id});
  } catch (const Error& e) {
    lost(e);
  }
  return parse_state(r, "the saved state");
}

void PostgresStateStore::save(std::string_view json_text) {
  try {
    pg::Transaction tx(*conn_);
    if (conn_->query_value("SELECT EXISTS (" + lock_holders("$1") + " AND pid = pg_backend_pid())",
                           {lock_key_}) != "t") {
      throw Error({where_.uri}, "cannot save the state: this run no longer holds the lock");
    }
    std::string text(json_text);
    conn_->query("INSERT INTO " + state_table_ + " (pipeline_id, state, saved_at, saved_by)"
                     " VALUES ($1, $2::jsonb, now(), $3) ON CONFLICT (pipeline_id) DO UPDATE SET"
                     " state = excluded.state, saved_at = excluded.saved_at, saved_by = excluded.saved_by",
                 {where_.pipeline_id, text, saved_by_});
    if (where_.history > 0) {
      conn_->query("INSERT INTO " + history_table_ + " (pipeline_id, state, saved_at, saved_by)"
                       " VALUES ($1, $2::jsonb, now(), $3)",
                   {where_.pipeline_id, text, saved_by_});
      conn_->query("DELETE FROM " + history_table_ + " WHERE pipeline_id = $1 AND id NOT IN (SELECT id FROM " +
                       history_table_ + " WHERE pipeline_id = $1 ORDER BY id DESC LIMIT $2)",
                   {where_.pipeline_id, std::to_string(where_.history)});
    }
    tx.commit();
  } catch (const Error& e) {
    if (e.location().file == where_.uri) throw;
    throw Error({where_.uri}, "cannot save the state: {}", e.detail());
  }
}

void PostgresStateStore::clear() {
  try {
    if (!tables_exist()) return;
    conn_->query("DELETE FROM " + state_table_ + " WHERE pipeline_id = $1", {where_.pipeline_id});
  } catch (const Error& e) {
    lost(e);
  }
}

// A memfd rather than a temporary file: nothing on disk to leak when singer-run is
// killed -9, and no copy of the state for other users to read. Not close-on-exec: the
// tap inherits it and opens /dev/fd/N like any file (again and again, from the start).
std::string PostgresStateStore::tap_state_file(const Json& state) {
  tap_fd_.reset(::memfd_create("singer-run-state", 0));
  if (!tap_fd_) throw Error({where_.uri}, "cannot make the tap's copy of the state: {}", std::strerror(errno));
  std::string text = state.dump() + "\n";
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(tap_fd_.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error({where_.uri}, "cannot write the tap's copy of the state: {}", std::strerror(errno));
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return "/dev/fd/" + std::to_string(tap_fd_.get());
}

int PostgresStateStore::watch_fd() const { return conn_->socket(); }

void PostgresStateStore::check() {
  try {
    conn_->consume_input();
  } catch (const Error& e) {
    std::string why = e.detail();
    constexpr std::string_view kLost = "connection lost: ";
    if (size_t at = why.find(kLost); at != std::string::npos) why.erase(0, at + kLost.size());
    throw Error({where_.uri}, "lost the connection to PostgreSQL, and with it the lock: {}", why);
  }
}

std::vector<StoreEntry> PostgresStateStore::list() {
  std::vector<StoreEntry> out;
  try {
    if (!tables_exist()) return out;
    pg::Result r = conn_->query("SELECT s.pipeline_id, coalesce(" + iso("s.saved_at") +
                                    ", ''), coalesce(s.saved_by, ''), EXISTS (" +
                                    lock_holders("'singer-run:' || $1 || ':' || s.pipeline_id") + ") FROM " +
                                    state_table_ + " s ORDER BY s.pipeline_id",
                                {where_.schema});
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({std::string(r.text(i, 0)), std::string(r.text(i, 1)), std::string(r.text(i, 2)),
                     r.text(i, 3) == "t"});
    }
  } catch (const Error& e) {
    lost(e);
  }
  return out;
}

std::vector<HistoryEntry> PostgresStateStore::history() {
  std::vector<HistoryEntry> out;
  try {
    if (!tables_exist()) return out;
    pg::Result r = conn_->query("SELECT " + iso("saved_at") + ", coalesce(saved_by, '') FROM " + history_table_ +
                                    " WHERE pipeline_id = $1 ORDER BY id DESC",
                                {where_.pipeline_id});
    for (int i = 0; i < r.rows(); ++i) out.push_back({std::string(r.text(i, 0)), std::string(r.text(i, 1))});
  } catch (const Error& e) {
    lost(e);
  }
  return out;
}

std::optional<Json> PostgresStateStore::read_history(int n) {
  pg::Result r;
  try {
    if (!tables_exist()) return std::nullopt;
    r = conn_->query("SELECT state::text FROM " + history_table_ +
                         " WHERE pipeline_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1",
                     {where_.pipeline_id, std::to_string(n - 1)});
  } catch (const Error& e) {
    lost(e);
  }
  return parse_state(r, fmt::format("history entry {}", n));
}

}  // namespace singer_run
