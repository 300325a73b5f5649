// What every SQL target shares, whatever the database: the plan from a Singer schema to
// columns (flattening, names, collisions, a neutral type per column), a record's row
// values without a DOM (exact numbers, UTC date-times), load methods, ACTIVATE_VERSION
// and delete rules, the _sdc_* metadata columns, and quoted SQL text for the statements.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "singer/error.hpp"
#include "singer/json.hpp"
#include "singer/message.hpp"
#include "singer/sink.hpp"

namespace singer::sql {

// A column's type, before any dialect: each target maps it to its own SQL type.
// Any = anyOf, type lists mixing kinds, or no type: each value keeps its own type.
enum class ColumnType : std::uint8_t { Integer, Number, Boolean, String, DateTime, Date, Time, Json, Any };

std::string_view to_string(ColumnType type) noexcept;

// The neutral type of one property's JSON Schema.
ColumnType column_type_of(const Json& property_schema);

enum class LoadMethod : std::uint8_t { Upsert, AppendOnly, Overwrite };

std::string_view to_string(LoadMethod method) noexcept;

// The settings every SQL target accepts (names as the Meltano SDK spells them).
struct Options {
  LoadMethod load_method = LoadMethod::Upsert;
  bool add_record_metadata = false;
  bool hard_delete = false;
  bool process_activate_version = true;
  bool flattening_enabled = false;
  int flattening_max_depth = 1;  // levels of nested objects turned into parent__child columns
  bool raw_table = false;
  // SQLite compares column names case-insensitively; PostgreSQL's quoted names do not.
  bool case_insensitive_names = true;
};

// Reads load_method, add_record_metadata, hard_delete, process_activate_version_messages,
// flattening_enabled, flattening_max_depth, raw_table. Throws UsageError for a bad value.
Options options_from_config(const Json& config, std::string_view config_name = "config");

// The _sdc_* columns (Meltano SDK names). None for a column holding a property.
enum class Metadata : std::uint8_t {
  None,
  ExtractedAt,
  ReceivedAt,
  BatchedAt,
  DeletedAt,
  Sequence,
  TableVersion,
  SyncStartedAt,
};

struct Column {
  std::string name;              // "address__zip"
  std::vector<std::string> path;  // {"address", "zip"}; {name} for metadata columns
  ColumnType type = ColumnType::Any;
  Metadata metadata = Metadata::None;
};

// The property path as people read it: address.zip
std::string display_path(const std::vector<std::string>& path);

struct TablePlan {
  std::string stream;
  std::string table;                  // the stream's name, as it is
  std::vector<Column> columns;        // properties in schema order, then metadata columns
  std::vector<std::size_t> keys;      // indexes of the key columns, in key_properties order
  LoadMethod method = LoadMethod::Upsert;  // effective: upsert without keys appends
  int deleted_at = -1;                // index of _sdc_deleted_at, -1 if none
  int table_version = -1;             // index of _sdc_table_version, -1 if none
  // Record field name -> column, or -1 for an object flattened into its children;
  // nested names are joined with "__" like the columns.
  std::unordered_map<std::string, int> by_name;
};

// What beyond the schema's properties the table needs.
struct PlanFlags {
  bool versioned = false;  // the stream uses ACTIVATE_VERSION: _sdc_table_version (and
                           // _sdc_deleted_at for soft deletes) even without metadata
};

// Plans the table of a stream. Throws Error naming the stream when key_properties name
// no property, a name is empty or holds a NUL byte, or two properties would share a
// column (every colliding source path is named).
TablePlan plan_table(const SchemaMessage& schema, const Options& options, PlanFlags flags = {});

// "a", "b" and "c" / "a" and "b"
std::string quoted_list(const std::vector<std::string>& names);

// One value of a row, pointing into the record (or the builder's scratch space).
struct Value {
  enum class Kind : std::uint8_t { Absent, Null, Bool, Integer, BigInteger, Number, String, Json };
  Kind kind = Kind::Absent;
  bool boolean = false;
  std::int64_t integer = 0;  // Integer
  double number = 0;         // Number: the nearest double
  bool exact = false;        // Number: `number` has exactly the literal's decimal value
  std::string_view text;     // number literal, string bytes (date-times normalised), JSON text
};

// A JSON number literal as a Value: Integer if it fits 64 bits, BigInteger if an integer
// beyond, else Number with `exact` telling whether the double keeps the literal's value
// ("1.5" yes, "12.0000000000000000000000000001" and "1e400" no).
Value number_value(std::string_view literal, bool integer_literal);

// An RFC 3339 / ISO-8601 date-time as UTC text: "2024-01-05T12:00:00+02:00" ->
// "2024-01-05T10:00:00Z", fraction kept as written; no offset means UTC; a date alone
// is midnight. False (out untouched) when text is not a date-time.
bool normalize_date_time(std::string_view text, std::string& out);

// Turns records into row values, one Value per plan column, walking RecordFields.
class RowBuilder {
 public:
  explicit RowBuilder(const TablePlan& plan);

  // Metadata columns take their values from `context`. The values stay valid until the
  // next build() and while the record's reader has not moved on.
  void build(const RecordMessage& record, const RecordContext& context);
  const std::vector<Value>& values() const noexcept { return values_; }

  // The first key property whose value is absent or null, or nullptr.
  const Column* missing_key() const noexcept;
  // True if the record's _sdc_deleted_at is set (a deleted source row).
  bool deleted() const noexcept;
  // Fields of the last record that no column holds (e.g. not in the schema).
  const std::vector<std::string_view>& unknown_fields() const noexcept { return unknown_; }

 private:
  void field(const RecordFields& fields, std::uint32_t index, std::string& name);
  void set(int column, const FieldNode& node);

  const TablePlan* plan_;
  std::vector<Value> values_;
  std::vector<std::string> scratch_;  // per column: normalised date-times
  std::vector<std::string_view> unknown_;
  // Records of one stream repeat their field order: position -> (key, column) skips the hash.
  std::vector<std::pair<std::string, int>> by_position_;
  std::string name_;
};

// What an ACTIVATE_VERSION does once the records before it are committed.
enum class VersionAction : std::uint8_t { Ignore, DeleteOlder, SoftDeleteOlder };

// Older than the newest version already seen -> Ignore (the caller warns).
VersionAction version_action(std::int64_t version, std::optional<std::int64_t> newest_seen, bool hard_delete) noexcept;

// "name" with inner quotes doubled: safe for any name in SQLite and PostgreSQL.
std::string quote_identifier(std::string_view name);
void append_quoted_identifier(std::string& out, std::string_view name);

// Placeholders: "?" (SQLite) or "$1", "$2"... (PostgreSQL).
enum class Placeholders : std::uint8_t { Question, Dollar };

// INSERT INTO "t" ("a", "b") VALUES (?, ?) for the columns whose `present` is true; with
// `upsert_keys` non-empty, ON CONFLICT ("k") DO UPDATE SET "b" = excluded."b" (the keys
// themselves are never updated; DO NOTHING when only keys are present).
std::string insert_sql(const TablePlan& plan, const std::vector<bool>& present, bool upsert,
                       Placeholders style = Placeholders::Question);

// DELETE FROM "t" WHERE "k1" = ? AND "k2" = ?
std::string delete_by_key_sql(const TablePlan& plan, Placeholders style = Placeholders::Question);

// The raw table of a stream (raw_table): _raw_<stream>.
std::string raw_table_name(std::string_view stream);

// A name that fits a database's identifier limit (PostgreSQL: 63 bytes): unchanged when
// it fits, else its first bytes (whole UTF-8 characters) + "_" + 8 hex digits of a hash
// of the whole name. Deterministic, so every run maps a long name to the same table.
std::string fit_identifier(std::string_view name, std::size_t max_bytes);

}  // namespace singer::sql
