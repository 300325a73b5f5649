// Discovery: the tables and views of a SQLite database as the database describes them
// (sqlite_schema, PRAGMA table_list / table_xinfo / index_list), their JSON Schema by
// SQLite's affinity rules, keys, replication keys and a row count that never costs a
// full scan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "singer/json.hpp"
#include "singer/sqlite.hpp"

namespace tap_sqlite {

// https://www.sqlite.org/datatype3.html#determination_of_column_affinity
enum class Affinity : std::uint8_t { Integer, Text, Blob, Real, Numeric };
Affinity affinity_of(std::string_view declared) noexcept;

// What a property's JSON Schema admits, as far as this tap writes values: JSON types,
// a string format and base64 strings (BLOBs). `any` is a schema without "type".
struct PropertyType {
  bool any = false;
  bool null = false;
  bool integer = false;
  bool number = false;
  bool string = false;
  std::string format;   // "date-time", "date" or empty; applies to strings
  bool base64 = false;  // strings are BLOBs in base64 (contentEncoding)

  // Reads the parts of a catalog property this tap understands.
  static PropertyType from_json(const singer::Json& property);
  singer::Json to_json() const;
};

// The property type a column is declared with, before any value is seen: by affinity,
// with DATE / DATETIME / TIMESTAMP as formatted strings. NUMERIC and undeclared columns
// take the storage classes present in a sample (`seen`), else number / string.
struct ColumnInfo {
  std::string name;
  std::string declared;  // the declared type as written ("VARCHAR(20)"), "" if none
  Affinity affinity = Affinity::Blob;
  bool not_null = false;
  int pk = 0;  // 1-based position in the primary key, 0 if not in it
  PropertyType type;
};

struct TableInfo {
  std::string name;
  bool view = false;     // a view or virtual table: no rowid, no keys, no row count
  bool rowid = false;    // a rowid table (not WITHOUT ROWID)
  // How the SELECT names the rowid ("rowid", "_rowid_" or "oid", whichever no column
  // shadows), empty when there is none or every name is a column.
  std::string rowid_name;
  // The rowid is offered as the replication key `rowid` (a rowid table without an
  // INTEGER PRIMARY KEY column, which would be the rowid under its own name).
  bool rowid_key = false;
  std::vector<ColumnInfo> columns;
  std::vector<std::string> key_properties;
  std::vector<std::string> valid_replication_keys;
  std::optional<std::int64_t> row_count;  // from sqlite_stat1 or a bounded count
};

// The pseudo-column name of the rowid as a replication key.
inline constexpr std::string_view kRowidKey = "rowid";

// Rows sampled for the types present in NUMERIC and undeclared columns, and rows counted
// at most for row-count when sqlite_stat1 has no figure.
inline constexpr std::int64_t kSampleRows = 1000;
inline constexpr std::int64_t kCountLimit = 100000;

// The tables and views of the main schema (not sqlite_* internals), sorted by name.
std::vector<std::string> list_tables(const singer::sqlite::Database& db);

// Describes one table or view. Throws Error when it no longer exists.
TableInfo describe_table(const singer::sqlite::Database& db, const std::string& name);

// The JSON Schema of a table's stream.
singer::Json table_schema(const TableInfo& table);

// Glob matching as the config's tables / exclude_tables use it (case-insensitive, as
// SQLite names are).
bool matches_any(const std::vector<std::string>& patterns, std::string_view name);

}  // namespace tap_sqlite
