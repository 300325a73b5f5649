// Records into SQLite tables: the table follows the stream's schema (new columns, safe
// widening, key index), every value is bound with the storage class that keeps it
// exactly, and all streams share one transaction that commits before each STATE.
#include "sqlite_sink.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "singer/error.hpp"
#include "singer/log.hpp"

namespace target_sqlite {

namespace sql = singer::sql;
using singer::Error;
using singer::Location;
using singer::UsageError;

namespace {

constexpr std::int64_t kExactIntegerLimit = std::int64_t{1} << 53;  // doubles hold every integer up to it

std::string fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// mkdir -p of the folder holding `path`.
void make_parent_directories(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  std::string folder = path.substr(0, slash);
  for (std::size_t i = 1; i <= folder.size(); ++i) {
    if (i != folder.size() && folder[i] != '/') continue;
    std::string partial = folder.substr(0, i);
    struct stat st {};
    if (::stat(partial.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        throw Error(Location{path}, "cannot create the folder '{}': '{}' is not a folder", folder, partial);
      }
      continue;
    }
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      throw Error(Location{path}, "cannot create the folder '{}': {}", folder, std::strerror(errno));
    }
  }
}

std::string describe(const sql::Value& value) {
  using Kind = sql::Value::Kind;
  switch (value.kind) {
    case Kind::Integer:
    case Kind::BigInteger:
    case Kind::Number: {
      std::string_view t = value.text;
      return t.size() > 60 ? std::string(t.substr(0, 57)) + "..." : std::string(t);
    }
    case Kind::Bool: return "a boolean";
    case Kind::String: return "a string";
    case Kind::Json: return "a JSON object or array";
    default: return "null";
  }
}

std::string staging_table_name(std::string_view stream) { return "_sdc_overwrite_" + std::string(stream); }

std::string joined_names(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  return sql::quoted_list(names);
}

}  // namespace

// --- options ---------------------------------------------------------------------------

std::string database_path(std::string_view configured) {
  std::string path(configured);
  if (path == ":memory:") return path;
  std::size_t slash = path.rfind('/');
  std::string_view file = slash == std::string::npos ? std::string_view(path) : std::string_view(path).substr(slash + 1);
  std::size_t dot = file.rfind('.');
  if (dot == std::string_view::npos || dot == 0) path += ".db";
  return path;
}

SqliteOptions options_from_config(const singer::Json& config) {
  SqliteOptions options;
  options.sql = sql::options_from_config(config);
  Location where{"config"};
  const singer::Json* db = config.find("database");
  if (!db || db->is_null()) db = config.find("path_to_db");
  if (!db || !db->is_string() || db->as_string().empty()) {
    throw UsageError(where, "missing required key 'database' (the SQLite file to load)");
  }
  options.database = database_path(db->as_string());
  if (const singer::Json* s = config.find("synchronous"); s && !s->is_null()) {
    std::string mode = s->is_string() ? fold(s->as_string()) : "";
    if (mode != "full" && mode != "normal") {
      throw UsageError(where, "'synchronous' must be 'full' or 'normal', got {}", s->dump());
    }
    options.synchronous_full = mode == "full";
  }
  if (const singer::Json* b = config.find("busy_timeout_ms"); b && !b->is_null()) {
    auto ms = b->as_int();
    if (!ms || *ms < 0 || *ms > 2147483647) throw UsageError(where, "'busy_timeout_ms' must be a whole number of milliseconds");
    options.busy_timeout_ms = static_cast<int>(*ms);
  }
  return options;
}

// --- affinity --------------------------------------------------------------------------

Affinity affinity_of(std::string_view declared) noexcept {
  // https://www.sqlite.org/datatype3.html#determination_of_column_affinity, in its order.
  std::string t = upper(declared);
  if (t.find("INT") != std::string::npos) return Affinity::Integer;
  if (t.find("CHAR") != std::string::npos || t.find("CLOB") != std::string::npos ||
      t.find("TEXT") != std::string::npos) {
    return Affinity::Text;
  }
  if (t.empty() || t.find("BLOB") != std::string::npos) return Affinity::None;
  if (t.find("REAL") != std::string::npos || t.find("FLOA") != std::string::npos ||
      t.find("DOUB") != std::string::npos) {
    return Affinity::Real;
  }
  return Affinity::Numeric;
}

std::string_view declared_type(sql::ColumnType type) noexcept {
  switch (type) {
    case sql::ColumnType::Integer:
    case sql::ColumnType::Boolean: return "INTEGER";
    case sql::ColumnType::Number: return "REAL";
    case sql::ColumnType::String:
    case sql::ColumnType::DateTime:
    case sql::ColumnType::Date:
    case sql::ColumnType::Time:
    case sql::ColumnType::Json: return "TEXT";
    case sql::ColumnType::Any: return "";
  }
  return "";
}

bool survives(Affinity affinity, const sql::Value& value) noexcept {
  using Kind = sql::Value::Kind;
  if (value.kind == Kind::Absent || value.kind == Kind::Null || affinity == Affinity::None) return true;
  switch (affinity) {
    case Affinity::Integer:
    case Affinity::Numeric:
      // A double bound here stays a REAL, or becomes the INTEGER of the same value.
      return value.kind == Kind::Integer || value.kind == Kind::Bool || (value.kind == Kind::Number && value.exact);
    case Affinity::Real:
      return (value.kind == Kind::Number && value.exact) ||
             (value.kind == Kind::Integer && value.integer <= kExactIntegerLimit && value.integer >= -kExactIntegerLimit);
    case Affinity::Text: return value.kind == Kind::String || value.kind == Kind::Json;
    case Affinity::None: return true;
  }
  return true;
}

// --- the database ----------------------------------------------------------------------

SqliteDatabase::SqliteDatabase(SqliteOptions options) : options_(std::move(options)) {
  make_parent_directories(options_.database);
  db_ = std::make_unique<singer::sqlite::Database>(options_.database, options_.busy_timeout_ms);
  // The first read of the file tells a database from anything else.
  singer::sqlite::Statement wal = db_->prepare("PRAGMA journal_mode=WAL");
  wal.step();
  wal.reset();
  if (db_->read_only()) throw Error(Location{options_.database}, "cannot write: the database is read-only");
  db_->exec(options_.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db_->exec("PRAGMA cache_size=-32768");
  // A checkpoint runs inside COMMIT, while the parser and the writer thread wait, and
  // costs two more fsyncs. SQLite's default (1,000 pages, 4 MB) checkpoints at every
  // batch; 64 MB of WAL between checkpoints does it a few times per load while keeping
  // the WAL bounded. Durability is the same: a COMMIT is durable once the WAL is synced.
  db_->exec("PRAGMA wal_autocheckpoint=16384");
}

singer::sqlite::Database& SqliteDatabase::db() {
  writer_.wait_idle();
  return *db_;
}

void SqliteDatabase::begin() {
  if (in_transaction_) return;
  // IMMEDIATE takes the write lock now (waiting busy_timeout_ms), not at the first
  // INSERT, so another writer can never make a half-done batch fail.
  db().exec("BEGIN IMMEDIATE");
  in_transaction_ = true;
}

void SqliteDatabase::commit() {
  // Every call rethrows a failed row's error: the framework flushes again after an error
  // and must not print a state then.
  writer_.wait_idle();
  if (!in_transaction_) return;
  if (db_->autocommit()) {
    throw Error(Location{options_.database},
                "the transaction was rolled back after an earlier error: the records since the last state "
                "were not written");
  }
  db_->exec("COMMIT");
  in_transaction_ = false;
}

void SqliteDatabase::claim_table(const std::string& table, const std::string& stream) {
  auto [it, fresh] = tables_.emplace(fold(table), stream);
  if (!fresh && it->second != stream) {
    throw Error(Location{"", 0, stream},
                "streams '{}' and '{}' would share one table (SQLite compares table names case-insensitively)",
                it->second, stream);
  }
}

// --- the sink --------------------------------------------------------------------------

SqliteSink::SqliteSink(std::shared_ptr<SqliteDatabase> database, const singer::SchemaMessage& schema)
    : database_(std::move(database)), schema_(schema) {
  if (fold(schema_.stream).rfind("sqlite_", 0) == 0) {
    throw Error(Location{"", 0, schema_.stream},
                "SQLite reserves table names starting with 'sqlite_'; rename the stream (e.g. with a stream map)");
  }
  database_->claim_table(schema_.stream, schema_.stream);
  overwrite_ = database_->options().sql.load_method == sql::LoadMethod::Overwrite;
  if (overwrite_) {
    // A staging table left by an interrupted run never became visible: start afresh.
    bool own_transaction = !database_->in_transaction();
    database_->begin();
    db().exec("DROP TABLE IF EXISTS " + sql::quote_identifier(staging_table_name(schema_.stream)));
    if (own_transaction) database_->commit();
  }
  replan();
}

SqliteSink::~SqliteSink() {
  // The writer thread may still hold this sink's statements.
  database_->writer().wait_idle_quietly();
}

Location SqliteSink::where(const singer::RecordContext& context) const {
  return Location{std::string(context.source), context.line, plan_.stream};
}

void SqliteSink::replan() {
  sql::PlanFlags flags;
  flags.versioned = versioned_;
  sql::TablePlan plan = sql::plan_table(schema_, database_->options().sql, flags);
  plan_ = std::move(plan);
  if (overwrite_) plan_.table = staging_table_name(plan_.stream);
  index_name_ = "_sdc_key_" + plan_.table;
  rows_ = std::make_unique<sql::RowBuilder>(plan_);
  upsert_ = !plan_.keys.empty() && plan_.method != sql::LoadMethod::AppendOnly;
  prepare_table();
}

std::vector<SqliteSink::TableColumn> SqliteSink::table_columns(const std::string& table) {
  std::vector<TableColumn> out;
  singer::sqlite::Statement info = db().prepare("SELECT name, type FROM pragma_table_info(?1)");
  info.bind_text(1, table);
  while (info.step()) out.push_back({info.column_text(0), info.column_text(1)});
  info.reset();
  return out;
}

std::vector<std::string> SqliteSink::key_index_columns() {
  std::vector<std::string> out;
  singer::sqlite::Statement info = db().prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
  info.bind_text(1, index_name_);
  while (info.step()) out.push_back(info.column_text(0));
  info.reset();
  return out;
}

void SqliteSink::create_key_index(const std::vector<std::string>& columns) {
  std::string sql = "CREATE UNIQUE INDEX " + sql::quote_identifier(index_name_) + " ON " +
                    sql::quote_identifier(plan_.table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += sql::quote_identifier(columns[i]);
  }
  db().exec(sql + ")");
}

void SqliteSink::prepare_table() {
  bool own_transaction = !database_->in_transaction();
  database_->begin();
  std::vector<TableColumn> existing = table_columns(plan_.table);
  const std::string table = sql::quote_identifier(plan_.table);
  if (existing.empty()) {
    std::string ddl = "CREATE TABLE " + table + " (";
    for (std::size_t i = 0; i < plan_.columns.size(); ++i) {
      if (i > 0) ddl += ", ";
      ddl += sql::quote_identifier(plan_.columns[i].name);
      std::string_view type = declared_type(plan_.columns[i].type);
      if (!type.empty()) ddl += " " + std::string(type);
    }
    if (plan_.columns.empty()) ddl += "\"_sdc_no_properties\"";
    db().exec(ddl + ")");
  } else {
    std::map<std::string, const TableColumn*> by_name;
    for (const TableColumn& c : existing) by_name[fold(c.name)] = &c;
    std::map<std::string, std::string> retype;
    for (const sql::Column& column : plan_.columns) {
      std::string_view wanted = declared_type(column.type);
      auto it = by_name.find(fold(column.name));
      if (it == by_name.end()) {
        std::string ddl = "ALTER TABLE " + table + " ADD COLUMN " + sql::quote_identifier(column.name);
        if (!wanted.empty()) ddl += " " + std::string(wanted);
        db().exec(ddl);
        continue;
      }
      const TableColumn& have = *it->second;
      Affinity from = affinity_of(have.type), to = affinity_of(wanted);
      // Narrower values are checked one by one as they arrive (e.g. integers in REAL).
      if (from == to || from == Affinity::None || (from == Affinity::Real && to == Affinity::Integer)) continue;
      std::string quoted = sql::quote_identifier(have.name);
      if ((from == Affinity::Integer || from == Affinity::Numeric) && to == Affinity::Real &&
          db().query_int("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE typeof(" + quoted +
                        ") NOT IN ('null', 'real', 'integer') OR abs(" + quoted + ") > 9007199254740992)") == 0) {
        retype[have.name] = "REAL";  // every stored integer is exact as a double
        continue;
      }
      singer::log::warning("stream '{}': column '{}' ({}) now holds {} values: it keeps every stored and new "
                           "value as it is (no type affinity)",
                           plan_.stream, have.name, have.type.empty() ? "untyped" : have.type, to_string(column.type));
      retype[have.name] = "";
    }
    if (!retype.empty()) rebuild_table(retype);
  }
  prepare_key_index();
  if (database_->options().sql.raw_table) {
    db().exec("CREATE TABLE IF NOT EXISTS " + sql::quote_identifier(sql::raw_table_name(plan_.stream)) +
             " (\"record\" TEXT, \"_sdc_received_at\" TEXT, \"_sdc_sequence\" INTEGER)");
  }
  read_affinities();
  clear_statements();
  if (own_transaction) database_->commit();
}

void SqliteSink::prepare_key_index() {
  std::vector<std::string> keys;
  for (std::size_t k : plan_.keys) keys.push_back(plan_.columns[k].name);
  std::vector<std::string> have = key_index_columns();
  auto same = [&] {
    if (have.size() != keys.size()) return false;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (fold(have[i]) != fold(keys[i])) return false;
    }
    return true;
  };
  if (same()) {
    if (!keys.empty() && !upsert_) {
      singer::log::warning("stream '{}': table '{}' keeps the unique key index '{}' of an earlier upsert load: an "
                           "append-only record whose key is already stored will fail (load with upsert, or drop "
                           "the index: sqlite3 {} 'DROP INDEX {}')",
                           plan_.stream, plan_.table, index_name_, database_->options().database,
                           sql::quote_identifier(index_name_));
    }
    return;
  }
  const std::string table = sql::quote_identifier(plan_.table);
  bool has_rows = db().query_int("SELECT EXISTS (SELECT 1 FROM " + table + ")") != 0;
  if (!have.empty()) {
    if (has_rows) {
      throw Error(Location{"", 0, plan_.stream},
                  "key properties changed from {} to {} but table '{}' already has rows; to load the stream "
                  "with the new keys, drop or rename the table (sqlite3 {} 'DROP TABLE {}') and run again",
                  joined_names(have), joined_names(keys), plan_.table, database_->options().database, table);
    }
    db().exec("DROP INDEX " + sql::quote_identifier(index_name_));
  }
  if (keys.empty() || !upsert_) return;
  if (has_rows) {
    std::string list;
    for (const std::string& k : keys) list += (list.empty() ? "" : ", ") + sql::quote_identifier(k);
    if (db().query_int("SELECT EXISTS (SELECT 1 FROM " + table + " GROUP BY " + list + " HAVING count(*) > 1)")) {
      throw Error(Location{"", 0, plan_.stream},
                  "table '{}' holds several rows for one value of the key properties {} (loaded without keys "
                  "before); remove the duplicates or drop the table, then run again",
                  plan_.table, joined_names(keys));
    }
  }
  create_key_index(keys);
}

// SQLite cannot change a column's type: copy the table into one with the new declared
// types. INSERT ... SELECT keeps every stored value's storage class when the new
// column has no affinity, and REAL is only chosen when every integer is exact in it.
void SqliteSink::rebuild_table(const std::map<std::string, std::string>& retype) {
  std::vector<TableColumn> columns = table_columns(plan_.table);
  std::vector<std::string> index = key_index_columns();
  const std::string table = sql::quote_identifier(plan_.table);
  const std::string scratch = sql::quote_identifier("_sdc_rebuild_" + plan_.table);
  std::string ddl = "CREATE TABLE " + scratch + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) ddl += ", ";
    ddl += sql::quote_identifier(columns[i].name);
    auto it = retype.find(columns[i].name);
    const std::string& type = it != retype.end() ? it->second : columns[i].type;
    if (!type.empty()) ddl += " " + type;
  }
  clear_statements();
  db().exec("DROP TABLE IF EXISTS " + scratch);
  db().exec(ddl + ")");
  db().exec("INSERT INTO " + scratch + " SELECT * FROM " + table);
  db().exec("DROP TABLE " + table);
  db().exec("ALTER TABLE " + scratch + " RENAME TO " + table);
  if (!index.empty()) create_key_index(index);
}

void SqliteSink::read_affinities() {
  std::vector<TableColumn> columns = table_columns(plan_.table);
  std::map<std::string, std::string> types;
  for (const TableColumn& c : columns) types[fold(c.name)] = c.type;
  affinity_.assign(plan_.columns.size(), Affinity::None);
  for (std::size_t i = 0; i < plan_.columns.size(); ++i) {
    auto it = types.find(fold(plan_.columns[i].name));
    if (it != types.end()) affinity_[i] = affinity_of(it->second);
  }
}

void SqliteSink::clear_statements() {
  database_->writer().wait_idle();
  inserts_.clear();
  last_insert_ = nullptr;
  last_shape_.clear();
  delete_ = singer::sqlite::Statement();
  raw_insert_ = singer::sqlite::Statement();
}

void SqliteSink::keep_values_as_they_are(std::size_t column, const sql::Value& value,
                                         const singer::RecordContext& context) {
  const std::string& name = plan_.columns[column].name;
  std::string declared;
  for (const TableColumn& c : table_columns(plan_.table)) {
    if (fold(c.name) == fold(name)) declared = c.type;
  }
  singer::log::warning("{}: column '{}' ({}) would not keep {} as it is: the column now stores every value as it "
                       "arrives (no type affinity)",
                       where(context).to_string(), name, declared, describe(value));
  std::map<std::string, std::string> retype;
  for (const TableColumn& c : table_columns(plan_.table)) {
    if (fold(c.name) == fold(name)) retype[c.name] = "";
  }
  rebuild_table(retype);
  read_affinities();
}

void SqliteSink::queue(const sql::Value& value) {
  using Kind = sql::Value::Kind;
  Writer& writer = database_->writer();
  switch (value.kind) {
    case Kind::Absent:
    case Kind::Null: writer.add_null(); break;
    case Kind::Bool: writer.add_int(value.boolean ? 1 : 0); break;
    case Kind::Integer: writer.add_int(value.integer); break;
    case Kind::Number:
      if (value.exact) {
        writer.add_double(value.number);
      } else {
        writer.add_text(value.text);  // the exact literal
      }
      break;
    case Kind::BigInteger:
    case Kind::String:
    case Kind::Json: writer.add_text(value.text); break;
  }
}

void SqliteSink::insert(const std::vector<sql::Value>& values, const singer::RecordContext& context) {
  // Locals, not members, in the per-field loops: a char store may alias any member, so
  // the compiler would reload every member on every field.
  const std::size_t n = values.size();
  const sql::Value* value = values.data();
  const bool upsert = upsert_;
  shape_.resize(n);
  char* shape = shape_.data();
  for (std::size_t i = 0; i < n; ++i) {
    shape[i] = !upsert || value[i].kind != sql::Value::Kind::Absent ? '1' : '0';
  }
  if (!last_insert_ || shape_ != last_shape_) {
    auto it = inserts_.find(shape_);
    if (it == inserts_.end()) {
      std::vector<bool> present(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) present[i] = shape_[i] == '1';
      it = inserts_.emplace(shape_, db().prepare(sql::insert_sql(plan_, present, upsert_))).first;
    }
    last_insert_ = &it->second;
    last_shape_ = shape_;
  }
  Writer& writer = database_->writer();
  writer.begin_row(*last_insert_, &plan_.stream, context.source, context.line);
  shape = shape_.data();
  for (std::size_t i = 0; i < n; ++i) {
    if (shape[i] == '1') queue(value[i]);
  }
  writer.end_row();
}

void SqliteSink::remove(const std::vector<sql::Value>& values, const singer::RecordContext& context) {
  if (!delete_) delete_ = db().prepare(sql::delete_by_key_sql(plan_));
  Writer& writer = database_->writer();
  writer.begin_row(delete_, &plan_.stream, context.source, context.line);
  for (std::size_t k : plan_.keys) queue(values[k]);
  writer.end_row();
}

void SqliteSink::write(const singer::RecordMessage& record, const singer::RecordContext& context) {
  const sql::Options& options = database_->options().sql;
  if (!record.fields) throw Error(where(context), "the record's fields were not read");
  if (context.table_version) {
    if (!versioned_ && options.process_activate_version) {
      versioned_ = true;
      replan();
    }
    if (!newest_version_ || *context.table_version > *newest_version_) newest_version_ = context.table_version;
  }
  database_->begin();
  rows_->build(record, context);
  if (!rows_->unknown_fields().empty()) {
    for (std::string_view field : rows_->unknown_fields()) {
      singer::log::warning_once("unknown field " + plan_.stream + "\n" + std::string(field),
                                fmt::format("{}: field '{}' is not in the stream's schema: not loaded (warned once)",
                                            where(context).to_string(), field));
    }
  }
  const std::vector<sql::Value>& values = rows_->values();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!survives(affinity_[i], values[i])) keep_values_as_they_are(i, values[i], context);
  }
  if (upsert_) {
    if (const sql::Column* key = rows_->missing_key()) {
      bool absent = values[static_cast<std::size_t>(&*key - plan_.columns.data())].kind == sql::Value::Kind::Absent;
      throw Error(where(context), "key property '{}' is {}", sql::display_path(key->path), absent ? "missing" : "null");
    }
  }
  if (options.hard_delete && rows_->deleted()) {
    if (!plan_.keys.empty()) {
      remove(values, context);
    } else {
      singer::log::warning_once("deleted without keys " + plan_.stream,
                                fmt::format("{}: a deleted record (_sdc_deleted_at) of a stream without key "
                                            "properties names no row: stored as it is (warned once)",
                                            where(context).to_string()));
      insert(values, context);
    }
  } else {
    insert(values, context);
  }
  if (options.raw_table) {
    if (!raw_insert_) {
      raw_insert_ = db().prepare("INSERT INTO " + sql::quote_identifier(sql::raw_table_name(plan_.stream)) +
                                " (\"record\", \"_sdc_received_at\", \"_sdc_sequence\") VALUES (?, ?, ?)");
    }
    Writer& writer = database_->writer();
    writer.begin_row(raw_insert_, &plan_.stream, context.source, context.line);
    writer.add_text(record.record);
    writer.add_text(context.received_at);
    writer.add_int(context.sequence);
    writer.end_row();
  }
}

void SqliteSink::schema_changed(const singer::SchemaMessage& schema) {
  schema_ = schema;
  replan();
}

void SqliteSink::activate_version(std::int64_t version) {
  const sql::Options& options = database_->options().sql;
  if (!options.process_activate_version) return;
  if (!versioned_) {
    versioned_ = true;
    replan();
  }
  const std::string table = sql::quote_identifier(plan_.table);
  const std::string column = sql::quote_identifier("_sdc_table_version");
  if (!newest_version_) {
    singer::sqlite::Statement newest = db().prepare("SELECT max(" + column + ") FROM " + table);
    if (newest.step() && !newest.column_is_null(0)) newest_version_ = newest.column_int64(0);
    newest.reset();
  }
  sql::VersionAction action = sql::version_action(version, newest_version_, options.hard_delete);
  if (action == sql::VersionAction::Ignore) {
    singer::log::warning("stream '{}': ACTIVATE_VERSION {} is older than version {} already loaded: ignored",
                         plan_.stream, version, *newest_version_);
    return;
  }
  // The records of this version are committed first; the older rows go in one
  // transaction of their own.
  database_->commit();
  database_->begin();
  std::string older = "(" + column + " IS NULL OR " + column + " < ?1)";
  if (action == sql::VersionAction::DeleteOlder) {
    singer::sqlite::Statement del = db().prepare("DELETE FROM " + table + " WHERE " + older);
    del.bind_int64(1, version);
    del.run();
  } else {
    const std::string deleted = sql::quote_identifier("_sdc_deleted_at");
    singer::sqlite::Statement soft = db().prepare("UPDATE " + table + " SET " + deleted + " = ?2 WHERE " + older + " AND " +
                                 deleted + " IS NULL");
    std::string now = singer::utc_now_iso();
    soft.bind_int64(1, version);
    soft.bind_text(2, now);
    soft.run();
  }
  database_->commit();
  newest_version_ = version;
}

void SqliteSink::flush() { database_->commit(); }

// overwrite: the run loaded the stream into its staging table; readers saw the old rows
// until now, and see the new set from this commit on.
void SqliteSink::finish() {
  if (!overwrite_) return;
  const std::string table = sql::quote_identifier(plan_.stream);
  std::vector<std::string> keys = key_index_columns();
  database_->begin();
  db().exec("DROP TABLE IF EXISTS " + table);
  db().exec("ALTER TABLE " + sql::quote_identifier(plan_.table) + " RENAME TO " + table);
  if (!keys.empty()) {
    db().exec("DROP INDEX " + sql::quote_identifier(index_name_));
    plan_.table = plan_.stream;
    index_name_ = "_sdc_key_" + plan_.stream;
    create_key_index(keys);
  }
  plan_.table = plan_.stream;
  index_name_ = "_sdc_key_" + plan_.stream;
  overwrite_ = false;
  clear_statements();
  database_->commit();
}

}  // namespace target_sqlite
