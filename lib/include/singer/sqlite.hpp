// The one wrapper of the SQLite C API (RAII), shared by target-sqlite and tap-sqlite: a
// connection (read-write, or read-only so a tap never writes to or creates its source),
// prepared statements that bind and read every storage class, and read transactions.
// Every SQLite failure becomes an Error naming the database file, in words for people.
// Lives in its own library, singer_sqlite, so libsinger does not link SQLite.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace singer::sqlite {

class Database;

// SQLite's storage classes, with the values of SQLITE_INTEGER ... SQLITE_NULL.
enum class StorageClass : std::uint8_t { Integer = 1, Real = 2, Text = 3, Blob = 4, Null = 5 };

// "INTEGER", "REAL", "TEXT", "BLOB", "NULL", as typeof() says them (lowercase there).
std::string_view to_string(StorageClass storage) noexcept;

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, const Database* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  explicit operator bool() const noexcept { return stmt_ != nullptr; }

  // Parameters are 1-based, as in SQL.
  void bind_null(int index);
  void bind_int64(int index, std::int64_t value);
  void bind_double(int index, double value);
  // Bound as TEXT with its exact length: bytes are stored as they are. The bytes must
  // outlive the statement's next step (SQLITE_STATIC).
  void bind_text(int index, std::string_view value);

  // Runs one step: true when a row is ready. Throws on failure (after a reset).
  bool step();
  // step() until done, then reset(): for statements that return no rows.
  void run();
  void reset() noexcept;

  // Columns are 0-based, as in the C API; valid while a row is ready.
  int column_count() const noexcept;
  std::string column_name(int column) const;
  StorageClass column_storage(int column) const noexcept;
  bool column_is_null(int column) const noexcept;
  std::int64_t column_int64(int column) const noexcept;
  double column_double(int column) const noexcept;
  // The value's bytes as TEXT (SQLite converts other classes), valid until the next
  // step, reset or column call on this column.
  std::string_view column_text_view(int column) const noexcept;
  std::string column_text(int column) const;
  // The value's bytes as a BLOB, valid as column_text_view.
  std::string_view column_blob(int column) const noexcept;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  const Database* db_ = nullptr;
};

class Database {
 public:
  enum class Mode : std::uint8_t {
    ReadWriteCreate,  // a target: creates the file if missing (not its folder)
    ReadOnly,         // a tap: never writes, never creates; a missing file fails to open
  };

  // Opens the database file (always a file name, never a "file:" URI). Throws Error
  // naming the file.
  Database(std::string path, int busy_timeout_ms, Mode mode = Mode::ReadWriteCreate);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  void exec(const std::string& sql);
  Statement prepare(std::string_view sql) const;

  // The first column of the first row of a query, as an integer (0 when no row).
  std::int64_t query_int(const std::string& sql) const;

  bool read_only() const noexcept;
  // True when no transaction is open (SQLite rolls back by itself after some errors).
  bool autocommit() const noexcept;
  const std::string& path() const noexcept { return path_; }
  int busy_timeout_ms() const noexcept { return busy_timeout_ms_; }

  // Throws the Error for result code rc, naming the database.
  [[noreturn]] void fail(int rc) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  int busy_timeout_ms_;
};

// A read transaction: every statement inside it sees one snapshot of the database
// (in WAL mode, while other connections keep writing). BEGIN now, and the shared lock
// taken by the first read is held until destruction, which ends the transaction.
class ReadTransaction {
 public:
  explicit ReadTransaction(Database& db);
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction();

 private:
  Database* db_;
};

// A name as an SQL identifier: "name", with embedded double quotes doubled.
std::string quote_identifier(std::string_view name);

}  // namespace singer::sqlite
