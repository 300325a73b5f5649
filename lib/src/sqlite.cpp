// RAII over sqlite3* and sqlite3_stmt*, and SQLite's result codes as one clear line.
#include "singer/sqlite.hpp"

#include <sqlite3.h>

#include <utility>

#include "singer/error.hpp"

namespace singer::sqlite {

std::string_view to_string(StorageClass storage) noexcept {
  switch (storage) {
    case StorageClass::Integer: return "INTEGER";
    case StorageClass::Real: return "REAL";
    case StorageClass::Text: return "TEXT";
    case StorageClass::Blob: return "BLOB";
    case StorageClass::Null: return "NULL";
  }
  return "NULL";
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void Statement::bind_null(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index)) db_->fail(rc);
}

void Statement::bind_int64(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value)) db_->fail(rc);
}

void Statement::bind_double(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value)) db_->fail(rc);
}

void Statement::bind_text(int index, std::string_view value) {
  if (int rc = sqlite3_bind_text64(stmt_, index, value.empty() ? "" : value.data(), value.size(),
                                   SQLITE_STATIC, SQLITE_UTF8)) {
    db_->fail(rc);
  }
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  db_->fail(rc);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() noexcept { sqlite3_reset(stmt_); }

int Statement::column_count() const noexcept { return sqlite3_column_count(stmt_); }

std::string Statement::column_name(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return name ? std::string(name) : std::string();
}

StorageClass Statement::column_storage(int column) const noexcept {
  return static_cast<StorageClass>(sqlite3_column_type(stmt_, column));
}

bool Statement::column_is_null(int column) const noexcept { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::column_int64(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }

double Statement::column_double(int column) const noexcept { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::column_text_view(int column) const noexcept {
  // Text first, then its size: the order the SQLite documentation asks for.
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (!text) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string Statement::column_text(int column) const { return std::string(column_text_view(column)); }

std::string_view Statement::column_blob(int column) const noexcept {
  const void* blob = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (!blob) return {};
  return {static_cast<const char*>(blob), static_cast<std::size_t>(size)};
}

Database::Database(std::string path, int busy_timeout_ms, Mode mode)
    : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {
  // Read-only without SQLITE_OPEN_CREATE: a missing file fails instead of appearing.
  const int flags = (mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  // SQLite (built with SQLITE_USE_URI, as Debian's is) reads a name starting with
  // "file:" as a URI with options; a path is a path.
  const std::string name = path_.rfind("file:", 0) == 0 ? "./" + path_ : path_;
  int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(Location{path_}, "cannot open the database: {}", message);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms_);
  if (mode == Mode::ReadOnly) {
    // Belt and braces: even a statement that would write is refused.
    exec("PRAGMA query_only = 1");
  }
}

Database::~Database() {
  // Closing with a transaction open rolls it back: nothing uncommitted was promised.
  if (db_) sqlite3_close_v2(db_);
}

void Database::exec(const std::string& sql) {
  if (int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr)) fail(rc);
}

Statement Database::prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) fail(rc);
  return Statement(stmt, this);
}

std::int64_t Database::query_int(const std::string& sql) const {
  Statement stmt = prepare(sql);
  std::int64_t value = stmt.step() ? stmt.column_int64(0) : 0;
  stmt.reset();
  return value;
}

bool Database::read_only() const noexcept { return sqlite3_db_readonly(db_, "main") == 1; }

bool Database::autocommit() const noexcept { return sqlite3_get_autocommit(db_) != 0; }

void Database::fail(int rc) const {
  Location where{path_};
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(where, "database is locked: another connection kept it busy for more than {} ms",
                  static_cast<long>(busy_timeout_ms_));
    case SQLITE_NOTADB: throw Error(where, "file is not a SQLite database");
    case SQLITE_READONLY: throw Error(where, "cannot write: the database is read-only");
    case SQLITE_FULL: throw Error(where, "cannot write: the disk is full");
    case SQLITE_CANTOPEN: throw Error(where, "cannot open the database file (or its -wal or -shm file)");
    case SQLITE_CORRUPT: throw Error(where, "the database file is corrupt");
    default: throw Error(where, "{}", db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  }
}

ReadTransaction::ReadTransaction(Database& db) : db_(&db) { db_->exec("BEGIN DEFERRED"); }

ReadTransaction::~ReadTransaction() {
  // A read transaction changed nothing: ending it either way only releases the snapshot.
  // SQLite may already have rolled back after an error, hence the check.
  if (!db_->autocommit()) {
    try {
      db_->exec("ROLLBACK");
    } catch (const Error&) {
    }
  }
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

}  // namespace singer::sqlite
