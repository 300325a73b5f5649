// RAII over PGconn* and PGresult*, and libpq's messages as one clear line that never
// holds the password or the connection string.
#include "singer/postgres.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "singer/error.hpp"
#include "singer/log.hpp"

namespace singer::postgres {

namespace {

// SQLAlchemy URLs name a driver ("postgresql+psycopg2://"); libpq knows only the scheme.
std::string libpq_uri(std::string_view uri) {
  for (std::string_view scheme : {"postgresql+", "postgres+"}) {
    if (uri.substr(0, scheme.size()) == scheme) {
      auto colon = uri.find("://");
      if (colon != std::string_view::npos) return "postgresql" + std::string(uri.substr(colon));
    }
  }
  return std::string(uri);
}

// The password a URI or key=value string carries, to scrub it from messages.
std::string password_in(const std::string& conninfo, std::string& error) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (!options) {
    // libpq quotes the offending part, which may be the password: keep only the reason.
    std::string_view text = message ? message : "cannot parse";
    error = std::string(text.substr(0, text.find(':')));
    PQfreemem(message);
    return {};
  }
  std::string password;
  for (auto* option = options; option->keyword; ++option) {
    if (std::strcmp(option->keyword, "password") == 0 && option->val) password = option->val;
  }
  PQconninfoFree(options);
  return password;
}

void notice_receiver(void*, const PGresult* result) {
  const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
  const char* text = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  // NOTICEs ("relation already exists, skipping") are noise; WARNINGs are for people.
  if (severity && text && std::strcmp(severity, "WARNING") == 0) log::warning("postgresql: {}", text);
}

std::string where_of(PGconn* conn, const ConnectOptions& options) {
  auto field = [](const char* value, const std::string& fallback) {
    return value && *value ? std::string(value) : fallback;
  };
  std::string host = conn ? field(PQhost(conn), options.host) : options.host;
  std::string port = conn ? field(PQport(conn), options.port) : options.port;
  std::string database = conn ? field(PQdb(conn), options.database) : options.database;
  if (host.empty()) host = "localhost";
  std::string out = host;
  if (!port.empty()) out += ":" + port;
  if (!database.empty()) out += "/" + database;
  return out;
}

}  // namespace

std::string one_line(std::string_view message, std::string_view secret) {
  std::string out;
  out.reserve(message.size());
  bool pending_break = false;
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      pending_break = true;
      continue;
    }
    if (pending_break) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (!out.empty()) out += "; ";
      pending_break = false;
      if ((c == ' ' || c == '\t') && !out.empty() && out.back() == ' ') continue;
    }
    out += c == '\t' ? ' ' : c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  // libpq never quotes a password; scrubbing a very short one would only mangle words.
  if (secret.size() >= 4) {
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

Result::~Result() {
  if (result_) PQclear(result_);
}

int Result::rows() const noexcept { return result_ ? PQntuples(result_) : 0; }
int Result::columns() const noexcept { return result_ ? PQnfields(result_) : 0; }

std::string Result::column_name(int column) const {
  const char* name = PQfname(result_, column);
  return name ? std::string(name) : std::string();
}

bool Result::is_null(int row, int column) const noexcept { return PQgetisnull(result_, row, column) != 0; }

std::string_view Result::text(int row, int column) const noexcept {
  return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::int64_t Result::int64(int row, int column) const {
  auto value = text(row, column);
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size()) {
    throw Error(Location(), "postgresql: expected an integer in column '{}', got '{}'", column_name(column), value);
  }
  return out;
}

std::int64_t Result::affected_rows() const noexcept {
  if (!result_) return 0;
  std::string_view text = PQcmdTuples(result_);
  std::int64_t out = 0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

Connection::Connection(const ConnectOptions& options) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  std::string uri;
  std::string timeout = std::to_string(options.connect_timeout_seconds);
  if (!options.uri.empty()) {
    uri = libpq_uri(options.uri);
    std::string error;
    password_ = password_in(uri, error);
    if (!error.empty()) {
      throw Error(Location(), "postgresql: invalid connection URI: {}", error);
    }
    keys.push_back("dbname");
    values.push_back(uri.c_str());
  }
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    keys.push_back(key);
    values.push_back(value.c_str());
  };
  add("host", options.host);
  add("port", options.port);
  add("user", options.user);
  add("password", options.password);
  add("dbname", options.database);
  add("sslmode", options.sslmode);
  add("sslrootcert", options.sslrootcert);
  add("sslcert", options.sslcert);
  add("sslkey", options.sslkey);
  add("application_name", options.application_name);
  if (options.connect_timeout_seconds > 0) add("connect_timeout", timeout);
  // Our text encoding for COPY and parameters; the server converts to the database's.
  keys.push_back("client_encoding");
  values.push_back("UTF8");
  keys.push_back(nullptr);
  values.push_back(nullptr);
  if (!options.password.empty()) password_ = options.password;

  conn_ = PQconnectdbParams(keys.data(), values.data(), uri.empty() ? 0 : 1);
  where_ = where_of(conn_, options);
  if (!conn_) throw Error(Location(where_), "cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string reason = one_line(PQerrorMessage(conn_), password_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(Location(where_), "cannot connect: {}", reason);
  }
  PQsetNoticeReceiver(conn_, notice_receiver, nullptr);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::fail(std::string_view what) const {
  std::string reason = one_line(PQerrorMessage(conn_), password_);
  if (PQstatus(conn_) == CONNECTION_BAD) {
    throw Error(Location(where_), "{}: connection lost: {}", what, reason.empty() ? "no reason given" : reason);
  }
  throw Error(Location(where_), "{}: {}", what, reason.empty() ? "failed" : reason);
}

namespace {

// What the server quotes after ': "' is the offending value ('invalid input syntax for
// type integer: "abc"', 'COPY t, line 3, column v: "abc"'): cut, as values may be
// personal data.
std::string_view without_quoted_value(std::string_view text) {
  const std::size_t at = text.find(": \"");
  return at == std::string_view::npos ? text : text.substr(0, at);
}

}  // namespace

void Connection::fail(std::string_view what, const Result& result) const {
  const PGresult* raw = result.get();
  const char* primary = raw ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (!primary || PQstatus(conn_) == CONNECTION_BAD) fail(what);
  // The primary message names the constraint, relation or type; the DETAIL holds values
  // ("Key (id)=(5) already exists", "Failing row contains (...)"): left out, the column
  // named instead.
  std::string reason(without_quoted_value(primary));
  if (const char* column = PQresultErrorField(raw, PG_DIAG_COLUMN_NAME)) reason += fmt::format(" (column {})", column);
  if (const char* context = PQresultErrorField(raw, PG_DIAG_CONTEXT)) {
    std::string_view text = context;
    // COPY names the line and column of the bad row; other contexts are stacks of noise.
    if (text.substr(0, 5) == "COPY ") reason += fmt::format("; {}", without_quoted_value(text.substr(0, text.find('\n'))));
  }
  throw Error(Location(where_), "{}: {}", what, one_line(reason, password_));
}

void Connection::exec(const std::string& sql) {
  PGresult* raw = PQexec(conn_, sql.c_str());
  Result result(raw);
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(sql.substr(0, sql.find_first_of(" (\n")), result);
  }
}

Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
  std::vector<std::string> owned;
  owned.reserve(params.size());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) {
    if (param) {
      owned.emplace_back(*param);
      values.push_back(owned.back().c_str());
    } else {
      values.push_back(nullptr);
    }
  }
  PGresult* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
  Result result(raw);
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail(sql.substr(0, sql.find_first_of(" (\n")), result);
  }
  return result;
}

std::optional<std::string> Connection::query_value(const std::string& sql, const std::vector<Param>& params) {
  Result result = query(sql, params);
  if (result.rows() == 0 || result.columns() == 0 || result.is_null(0, 0)) return std::nullopt;
  return std::string(result.text(0, 0));
}

void Connection::copy_begin(const std::string& copy_sql) {
  PGresult* raw = PQexec(conn_, copy_sql.c_str());
  Result result(raw);
  if (!raw || PQresultStatus(raw) != PGRES_COPY_IN) fail("COPY", result);
}

void Connection::copy_put(std::string_view data) {
  if (data.empty()) return;
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) fail("COPY");
}

void Connection::copy_end() {
  if (PQputCopyEnd(conn_, nullptr) != 1) fail("COPY");
  Result failed;
  bool ok = true;
  while (PGresult* raw = PQgetResult(conn_)) {
    Result result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && ok) {
      ok = false;
      failed = std::move(result);
    }
  }
  if (!ok) fail("COPY", failed);
}

void Connection::copy_abort(std::string_view reason) noexcept {
  std::string text(reason);
  if (PQputCopyEnd(conn_, text.c_str()) == 1) {
    while (PGresult* raw = PQgetResult(conn_)) PQclear(raw);
  }
}

bool Connection::in_transaction() const noexcept {
  auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

bool Connection::transaction_failed() const noexcept { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

int Connection::server_version() const noexcept { return PQserverVersion(conn_); }

int Connection::socket() const noexcept { return PQstatus(conn_) == CONNECTION_OK ? PQsocket(conn_) : -1; }

void Connection::consume_input() {
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) fail("reading from the server");
}

std::string conninfo_error(const std::string& conninfo) {
  std::string error;
  password_in(libpq_uri(conninfo), error);
  return error;
}

Transaction::Transaction(Connection& connection) : connection_(&connection) { connection_->exec("BEGIN"); }

Transaction::~Transaction() {
  if (!open_) return;
  try {
    connection_->exec("ROLLBACK");
  } catch (...) {  // NOLINT(bugprone-empty-catch): the connection is gone; so is the transaction
  }
}

void Transaction::commit() {
  open_ = false;
  connection_->exec("COMMIT");
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string quote_literal(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    throw Error(Location(), "postgresql: text with a NUL byte cannot be stored");
  }
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace singer::postgres
