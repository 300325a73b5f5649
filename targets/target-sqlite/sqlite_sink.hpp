// target-sqlite's dialect of lib/sql: one table per stream in one SQLite database,
// typed columns that never change a value, upserts over a unique key index, and one
// transaction per flush shared by every stream.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "singer/json.hpp"
#include "singer/sink.hpp"
#include "singer/sql.hpp"
#include "singer/sqlite.hpp"
#include "sqlite_writer.hpp"

namespace target_sqlite {

struct SqliteOptions {
  std::string database;         // path of the file, `.db` appended when it has no suffix
  bool synchronous_full = true;  // synchronous=full (default) or normal
  int busy_timeout_ms = 5000;
  singer::sql::Options sql;
};

// Reads the config (database or path_to_db, synchronous, busy_timeout_ms and the
// lib/sql settings). Throws UsageError.
SqliteOptions options_from_config(const singer::Json& config);

// "warehouse" -> "warehouse.db"; a name with a suffix ("x.sqlite") is kept.
std::string database_path(std::string_view configured);

// SQLite's column affinity, from a declared type by SQLite's own rules.
enum class Affinity : std::uint8_t { Integer, Real, Text, None, Numeric };
Affinity affinity_of(std::string_view declared_type) noexcept;
// The declared type target-sqlite gives a neutral column type ("" = no affinity).
std::string_view declared_type(singer::sql::ColumnType type) noexcept;
// True if SQLite stores `value` in a column of `affinity` without changing it.
bool survives(Affinity affinity, const singer::sql::Value& value) noexcept;

// The database every sink of the run writes to: one connection, one transaction.
class SqliteDatabase {
 public:
  explicit SqliteDatabase(SqliteOptions options);

  // The connection, for the main thread: waits until the writer thread has run every
  // queued row (and throws its error, if it met one).
  singer::sqlite::Database& db();
  // Rows queued here run on the writer thread, in order.
  Writer& writer() noexcept { return writer_; }
  const SqliteOptions& options() const noexcept { return options_; }

  // BEGIN IMMEDIATE unless a transaction is open.
  void begin();
  // COMMIT if a transaction is open: the first sink's flush commits every stream.
  void commit();
  bool in_transaction() const noexcept { return in_transaction_; }

  // One table per stream: refuses a second stream whose table name equals another's
  // as SQLite compares names (case-insensitively).
  void claim_table(const std::string& table, const std::string& stream);

 private:
  SqliteOptions options_;
  std::unique_ptr<singer::sqlite::Database> db_;
  Writer writer_;  // after db_: stopped before the connection closes
  bool in_transaction_ = false;
  std::map<std::string, std::string> tables_;  // folded table name -> stream
};

class SqliteSink : public singer::Sink {
 public:
  SqliteSink(std::shared_ptr<SqliteDatabase> database, const singer::SchemaMessage& schema);
  ~SqliteSink() override;

  void write(const singer::RecordMessage& record, const singer::RecordContext& context) override;
  void schema_changed(const singer::SchemaMessage& schema) override;
  void activate_version(std::int64_t version) override;
  void flush() override;
  void finish() override;

 private:
  struct TableColumn {
    std::string name;
    std::string type;  // declared type
  };

  void replan();
  void prepare_table();
  void prepare_key_index();
  std::vector<TableColumn> table_columns(const std::string& table);
  std::vector<std::string> key_index_columns();
  void create_key_index(const std::vector<std::string>& columns);
  void rebuild_table(const std::map<std::string, std::string>& retype);
  void read_affinities();
  void keep_values_as_they_are(std::size_t column, const singer::sql::Value& value,
                               const singer::RecordContext& context);
  // Queue the row on the writer thread; its errors name the record's stream and line.
  void insert(const std::vector<singer::sql::Value>& values, const singer::RecordContext& context);
  void remove(const std::vector<singer::sql::Value>& values, const singer::RecordContext& context);
  void queue(const singer::sql::Value& value);
  singer::sqlite::Database& db() { return database_->db(); }
  void clear_statements();
  singer::Location where(const singer::RecordContext& context) const;

  std::shared_ptr<SqliteDatabase> database_;
  singer::SchemaMessage schema_;
  singer::sql::TablePlan plan_;
  std::unique_ptr<singer::sql::RowBuilder> rows_;
  std::vector<Affinity> affinity_;  // per plan column, from the table as it is
  std::string index_name_;
  bool upsert_ = false;
  bool versioned_ = false;
  bool overwrite_ = false;  // loading into a staging table, switched into place by finish()
  std::optional<std::int64_t> newest_version_;

  // Upserts leave absent fields alone: one statement per set of present columns.
  std::unordered_map<std::string, singer::sqlite::Statement> inserts_;
  std::string shape_;
  std::string last_shape_;
  singer::sqlite::Statement* last_insert_ = nullptr;
  singer::sqlite::Statement delete_;
  singer::sqlite::Statement raw_insert_;
};

}  // namespace target_sqlite
