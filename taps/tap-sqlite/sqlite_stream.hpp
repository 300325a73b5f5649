// One Singer stream per table or view: the config that picks them, and the SELECT that
// turns rows into RECORD messages inside one read transaction, values exact, the SCHEMA
// widened when a value of another storage class arrives.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "discovery.hpp"
#include "singer/json.hpp"
#include "singer/sqlite.hpp"
#include "singer/stream.hpp"

namespace tap_sqlite {

struct Options {
  std::string database;
  std::vector<std::string> tables;          // globs; empty = every table and view
  std::vector<std::string> exclude_tables;  // globs
  std::optional<std::string> start_date;    // first bound of date-time replication keys
  int busy_timeout_ms = 5000;
  bool replace_invalid_utf8 = false;        // invalid_utf8: "replace" instead of "fail"
  std::int64_t batch_size = 10000;          // records between two STATE messages
};

// Reads a validated config. Throws UsageError for what the schema cannot say.
Options read_options(const singer::Json& config);

// Opens the database read-only and describes the tables the config picks, as run_tap's
// TapSpec::make_streams wants them. A missing database file is a UsageError; it is never
// created.
std::vector<std::unique_ptr<singer::Stream>> make_streams(const singer::Json& config);

class SqliteStream : public singer::Stream {
 public:
  SqliteStream(std::shared_ptr<singer::sqlite::Database> db, TableInfo table, const Options& options);

  std::string name() const override { return table_.name; }
  singer::Json schema() const override { return table_schema(table_); }
  std::vector<std::string> key_properties() const override { return table_.key_properties; }
  std::vector<std::string> valid_replication_keys() const override { return table_.valid_replication_keys; }
  // INCREMENTAL selects ORDER BY the replication key.
  bool sorted_by_replication_key() const override { return true; }
  std::int64_t state_every() const override { return batch_size_; }
  void add_discovered_metadata(singer::CatalogEntry& entry) const override;
  // Refuses properties that are no column, and a replication key that is not selected.
  void check_catalog(const singer::CatalogEntry& entry, const singer::Location& where) const override;
  void sync(singer::SyncContext& ctx) override;

  const TableInfo& table() const noexcept { return table_; }

 private:
  std::shared_ptr<singer::sqlite::Database> db_;
  TableInfo table_;
  std::optional<std::string> start_date_;
  bool replace_invalid_utf8_;
  std::int64_t batch_size_;
};

// Standard base64 (RFC 4648, with padding) of bytes, appended to out.
void append_base64(std::string& out, std::string_view bytes);
// The same on raw memory with room for base64_room(bytes.size()) bytes; returns the end.
constexpr std::size_t base64_room(std::size_t bytes) noexcept { return (bytes + 2) / 3 * 4; }
char* write_base64(char* out, std::string_view bytes) noexcept;

}  // namespace tap_sqlite
