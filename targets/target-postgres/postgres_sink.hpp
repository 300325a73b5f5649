// target-postgres's dialect of lib/sql: one table per stream in a PostgreSQL schema,
// rows sent by COPY FROM STDIN in PostgreSQL's text format, upserts of keys above the
// table's greatest straight into it and the others through a temporary staging table, and
// one transaction per flush shared by every stream.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "singer/error.hpp"
#include "singer/json.hpp"
#include "singer/postgres.hpp"
#include "singer/sink.hpp"
#include "singer/sql.hpp"

namespace target_postgres {

constexpr std::size_t kMaxIdentifierBytes = 63;  // PostgreSQL's NAMEDATALEN - 1

struct PostgresOptions {
  singer::postgres::ConnectOptions connect;
  std::string default_schema;  // empty: "public"
  bool sanitize_null_text = false;
  singer::sql::Options sql;
};

// Reads the connection keys (host, port, user, password, database, sqlalchemy_url,
// ssl_*), default_target_schema, sanitize_null_text_characters, activate_version and the
// lib/sql settings. Throws UsageError.
PostgresOptions options_from_config(const singer::Json& config);

// The PostgreSQL type of a column, as target-postgres creates and widens them.
enum class PgType : std::uint8_t { BigInt, Numeric, Boolean, Text, TimestampTz, Date, Time, Jsonb };
std::string_view to_string(PgType type) noexcept;  // "bigint", "numeric", ...
PgType pg_type_of(singer::sql::ColumnType type) noexcept;
// From format_type() ("bigint", "timestamp with time zone", ...); nullopt for others.
std::optional<PgType> pg_type_named(std::string_view name) noexcept;
// The type a column of type `have` becomes to also hold values of type `want`
// (bigint + numeric = numeric; scalars of other kinds = text; anything + jsonb = jsonb).
PgType widened(PgType have, PgType want) noexcept;
// True if a value is stored as it is in a column of this type.
bool fits(PgType type, const singer::sql::Value& value) noexcept;

// Appends `text` in COPY's text format: backslash, tab, newline and carriage return
// escaped. Returns false (nothing appended) if it holds a NUL byte and `sanitize` is off;
// with `sanitize`, each NUL becomes U+FFFD.
bool append_copy_text(std::string& out, std::string_view text, bool sanitize);
// A JSON text for jsonb: "\u0000" (which jsonb refuses) found; replaced by "\ufffd" when
// `sanitize`, else false. Other bytes as they are.
bool append_copy_json(std::string& out, std::string_view json, bool sanitize);

// Where a stream's rows go: "schema-table" (as database taps name streams) and
// "database-schema-table" name their schema; other names go to the default schema.
struct TableName {
  std::string schema;
  std::string table;
};
TableName table_name_of(std::string_view stream, std::string_view default_schema);

class PostgresSink;

// The connection every sink of the run shares: one transaction, committed by the first
// flush after every sink has sent its buffered rows.
class PostgresDatabase {
 public:
  explicit PostgresDatabase(PostgresOptions options);

  // The connection for statements: ends a sink's open COPY first.
  singer::postgres::Connection& connection() {
    end_copy();
    return *connection_;
  }
  const PostgresOptions& options() const noexcept { return options_; }

  // BEGIN unless a transaction is open.
  void begin();
  // Every sink sends its rows, then COMMIT. Throws if the transaction failed earlier
  // (the same error again, when a send failed: one line is enough).
  void commit();
  void failed(const singer::Error& error) { failure_ = error; }

  // A COPY stays open between one sink's chunks, so the server stores rows while the next
  // records are parsed; any other use of the connection ends it (end_copy()). A failure
  // that names `key_index` (quoted) is a key another session added meanwhile: said so.
  void copy_open(PostgresSink* owner, const std::string& stream, const std::string& copy_sql,
                 const std::string& key_index = {});
  void copy_put(std::string_view data);
  void end_copy();
  const PostgresSink* copy_owner() const noexcept { return copy_owner_; }

  // Registers a sink; returns its number (for its own staging table's name).
  int attach(PostgresSink* sink) {
    sinks_.push_back(sink);
    return next_sink_++;
  }
  void detach(PostgresSink* sink);
  // CREATE SCHEMA IF NOT EXISTS, once per run.
  void ensure_schema(const std::string& schema);
  // One table per stream: refuses a second stream that maps to the same table.
  void claim_table(const std::string& qualified, const std::string& stream);

 private:
  PostgresOptions options_;
  std::unique_ptr<singer::postgres::Connection> connection_;
  std::vector<PostgresSink*> sinks_;
  std::map<std::string, std::string> tables_;  // "schema"."table" -> stream
  std::vector<std::string> schemas_;
  std::optional<singer::Error> failure_;
  PostgresSink* copy_owner_ = nullptr;
  std::string copy_stream_;
  std::string copy_key_index_;
  int next_sink_ = 0;
};

class PostgresSink : public singer::Sink {
 public:
  PostgresSink(std::shared_ptr<PostgresDatabase> database, const singer::SchemaMessage& schema);
  ~PostgresSink() override;

  void write(const singer::RecordMessage& record, const singer::RecordContext& context) override;
  void schema_changed(const singer::SchemaMessage& schema) override;
  void activate_version(std::int64_t version) override;
  void flush() override;
  void finish() override;

  // Sends the buffered rows (COPY, and the merge for upserts and deletes), inside the
  // open transaction. Called by PostgresDatabase::commit() and before any DDL.
  void send();
  // The source and input line of the record that became line `copy_line` (1-based) of
  // this sink's open COPY, if known: server errors name COPY's own lines.
  std::optional<std::pair<std::string, std::int64_t>> input_of_copy_line(std::int64_t copy_line) const;

 private:
  // Append and Insert COPY straight into the table (Insert: upserts of keys the table
  // cannot hold yet); Upsert and Delete COPY into the staging table and merge from it.
  enum class Segment : std::uint8_t { None, Append, Insert, Upsert, Delete };
  static bool staged(Segment kind) noexcept { return kind == Segment::Upsert || kind == Segment::Delete; }

  void replan();
  void prepare_table();
  void widen_column(std::size_t column, PgType to, const singer::RecordContext& context);
  void encode(std::size_t column, const singer::sql::Value& value, const singer::RecordContext& context);
  Segment upsert_kind(const std::vector<singer::sql::Value>& values);
  void start_segment(Segment kind, const std::vector<singer::sql::Value>& values);
  void add_row(const std::vector<singer::sql::Value>& values, const singer::RecordContext& context);
  void stream_rows();
  std::string column_list(const std::vector<std::size_t>& columns) const;
  std::string qualified(const std::string& table) const;
  singer::Location where(const singer::RecordContext& context) const;
  singer::postgres::Connection& conn() { return database_->connection(); }

  std::shared_ptr<PostgresDatabase> database_;
  singer::SchemaMessage schema_;
  TableName name_;            // schema and final table (shortened)
  std::string table_;         // the table rows go to now (the staging table for overwrite)
  singer::sql::TablePlan plan_;
  std::unique_ptr<singer::sql::RowBuilder> rows_;
  std::vector<std::string> columns_;  // per plan column: its name in the table (shortened)
  std::vector<PgType> types_;         // per plan column: its type in the table
  bool upsert_ = false;
  bool versioned_ = false;
  bool overwrite_ = false;
  std::optional<std::int64_t> newest_version_;

  // Rows waiting to be sent: one segment of one kind and one set of present columns, so
  // that upserts and deletes apply in record order and absent fields stay untouched.
  Segment segment_ = Segment::None;
  std::string shape_;                  // per plan column: '1' present, '0' absent
  std::vector<std::size_t> present_;   // columns of the segment
  std::string buffer_;
  std::int64_t rows_buffered_ = 0;
  std::string raw_buffer_;             // raw_table rows
  std::string stage_;                  // pg_temp."_sdc_stage_<n>", this sink's own
  bool stage_ready_ = false;           // created for the current segment
  // Keys of the upsert segment, while they compare as text exactly as the server does
  // (bigint, text): a segment without a repeated key needs no DISTINCT ON sort.
  std::unordered_set<std::string> segment_keys_;
  bool maybe_repeated_keys_ = false;
  std::string key_text_;
  // Where each row came from (index into sources_, input line): of the rows in buffer_,
  // and of the rows in this sink's open COPY, so a server error names the record's line.
  std::vector<std::string> sources_;
  std::vector<std::pair<std::uint32_t, std::int64_t>> buffered_lines_;
  std::vector<std::pair<std::uint32_t, std::int64_t>> copy_lines_;
  std::string row_shape_;
  // A single bigint key: an upsert whose key is above every key the table may hold is an
  // insert, so it goes by COPY straight into the table (Segment::Insert). max_key_ is the
  // table's greatest key (read once, inside the load's transaction; none when empty),
  // raised by every key this sink sends since. The first key not above it sends the rest
  // of the segment through the staging table (direct_open_ false until that merges).
  std::string key_index_;  // "_sdc_key_<table>" in double quotes, as server errors name it
  bool max_key_read_ = false;
  std::optional<std::int64_t> max_key_;
  bool direct_open_ = true;
};

}  // namespace target_postgres
