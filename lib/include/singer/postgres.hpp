// The one wrapper of libpq (RAII), shared by target-postgres and singer-run's PostgreSQL
// state store: a connection (config keys, a URI, libpq's PG* environment and ~/.pgpass),
// results, parameterised queries, COPY FROM STDIN and transactions. Every failure becomes
// one Error line naming host:port/database, never the password or the connection string.
// Lives in its own library, singer_postgres, so libsinger does not link libpq.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace singer::postgres {

// What to connect to. Empty fields are left to libpq: PGHOST, PGPORT, PGUSER,
// PGPASSWORD, PGDATABASE, PGSSLMODE... and ~/.pgpass fill them in.
struct ConnectOptions {
  // A "postgresql://..." URI or a "key=value ..." string; the fields below override it.
  std::string uri;
  std::string host;
  std::string port;
  std::string user;
  std::string password;
  std::string database;
  std::string sslmode;
  std::string sslrootcert;
  std::string sslcert;
  std::string sslkey;
  std::string application_name;
  int connect_timeout_seconds = 10;
};

// A query's result (RAII over PGresult*). Rows and columns are 0-based.
class Result {
 public:
  Result() = default;
  explicit Result(pg_result* result) noexcept : result_(result) {}
  Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  int rows() const noexcept;
  int columns() const noexcept;
  std::string column_name(int column) const;
  bool is_null(int row, int column) const noexcept;
  // The value as PostgreSQL's text output, valid while the Result lives.
  std::string_view text(int row, int column) const noexcept;
  // The value parsed as an integer; throws Error when it is not one.
  std::int64_t int64(int row, int column) const;
  // "INSERT 0 5" -> 5: rows affected by the command, 0 when it says none.
  std::int64_t affected_rows() const noexcept;
  pg_result* get() const noexcept { return result_; }

 private:
  pg_result* result_ = nullptr;
};

// One parameter of query(): text, or NULL.
using Param = std::optional<std::string_view>;

class Connection {
 public:
  // Connects (blocking, with connect_timeout). Throws Error naming host:port/database and
  // libpq's reason on one line.
  explicit Connection(const ConnectOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements that return no rows we need. Throws on failure.
  void exec(const std::string& sql);
  // Runs one statement with $1, $2... parameters as text; returns its rows.
  Result query(const std::string& sql, const std::vector<Param>& params = {});
  // The first column of the first row, or nullopt when there is no row or it is NULL.
  std::optional<std::string> query_value(const std::string& sql, const std::vector<Param>& params = {});

  // COPY ... FROM STDIN: begin, put data (PostgreSQL's text format, any chunking), end.
  // A failure in end() names the COPY's `what` (e.g. the table); after a failure the
  // transaction is aborted and the caller should let its Transaction roll back.
  void copy_begin(const std::string& copy_sql);
  void copy_put(std::string_view data);
  void copy_end();
  // Cancels a COPY in progress (after an error of ours), leaving the transaction aborted.
  void copy_abort(std::string_view reason) noexcept;

  // True when a transaction is open (also when it failed and awaits ROLLBACK).
  bool in_transaction() const noexcept;
  // True when the open transaction failed: only ROLLBACK is possible now.
  bool transaction_failed() const noexcept;
  // host:port/database, for messages (never the password).
  const std::string& where() const noexcept { return where_; }
  int server_version() const noexcept;
  // For a client that holds a session open while it waits on other things (singer-run's
  // lock): the socket to poll() (-1 when closed), and reading what arrived while idle.
  // consume_input() throws Error "...: connection lost: ..." when the server ended it.
  int socket() const noexcept;
  void consume_input();

  // Throws Error "<where>: <what>: <libpq's reason>" on one line.
  [[noreturn]] void fail(std::string_view what) const;
  [[noreturn]] void fail(std::string_view what, const Result& result) const;

 private:
  pg_conn* conn_ = nullptr;
  std::string where_;
  std::string password_;  // only to scrub it from messages
};

// BEGIN now; commit() ends it; destruction without commit() rolls back.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection* connection_;
  bool open_ = true;
};

// "name" with embedded double quotes doubled. PostgreSQL keeps quoted names as written
// (case too); names over 63 bytes are truncated by the server, so shorten them first.
std::string quote_identifier(std::string_view name);
// 'text' with embedded single quotes doubled (standard_conforming_strings, the default
// since 9.1). Text with a NUL byte cannot be a literal: throws Error.
std::string quote_literal(std::string_view text);

// libpq's message as one line: lines joined with "; ", trailing space trimmed, and
// `secret` (when not empty) replaced by "***".
std::string one_line(std::string_view message, std::string_view secret = {});

// Empty when libpq can parse the URI or key=value string, else why not (never quoting
// it: the part libpq quotes may be a password).
std::string conninfo_error(const std::string& conninfo);

}  // namespace singer::postgres
