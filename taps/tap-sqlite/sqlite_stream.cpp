// The config's tables become SqliteStreams; sync() is the hot loop: one SELECT inside a
// read transaction, each value written as what it is (SQLite is dynamically typed), the
// stream's SCHEMA widened before a record whose value the announced schema does not admit.
#include "sqlite_stream.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "singer/error.hpp"
#include "singer/log.hpp"
#include "singer/schema.hpp"

namespace tap_sqlite {

using singer::Error;
using singer::Json;
using singer::kJsonDoubleRoom;
using singer::Location;
using singer::UsageError;
using singer::sqlite::Database;
using singer::sqlite::quote_identifier;
using singer::sqlite::Statement;
using singer::sqlite::StorageClass;

namespace {

std::vector<std::string> strings_of(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  if (const Json* v = object.find(key); v && v->is_array()) {
    for (const Json& item : v->items()) out.push_back(item.as_string());
  }
  return out;
}

bool column_exists(const std::vector<ColumnInfo>& columns, std::string_view name) {
  return std::any_of(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == name; });
}

// One written property: where its value is in the SELECT, what the announced schema
// admits, and its member name as JSON ("name": with the comma before it).
struct Field {
  std::string name;
  int index = 0;
  PropertyType type;
  std::string key_json;
  // key_json again, padded, when it fits: copied with one fixed-size move.
  std::array<char, 32> key_padded{};
  bool key_fits = false;
  // The catalog changed the discovered type to text only: numbers are written as
  // strings, as asked, instead of widening the type back.
  bool numbers_as_text = false;
  bool warned_blob = false;
  bool warned_utf8 = false;
};

// One value of the current row, read once: its storage class and its contents. A REAL
// that is not finite is not JSON: it is read as NULL (after a warning).
struct Value {
  StorageClass storage = StorageClass::Null;
  std::int64_t integer = 0;
  double real = 0;
  std::string_view bytes;  // TEXT or BLOB, valid until the next step
};

// Whether `type` admits the value as it is (the check made for every value).
bool admits(const PropertyType& type, const Value& value) {
  if (type.any) return true;
  switch (value.storage) {
    case StorageClass::Null: return type.null;
    case StorageClass::Integer: return type.integer || type.number;
    case StorageClass::Real: return type.number;
    case StorageClass::Text:
      if (!type.string || type.base64) return false;
      if (type.format.empty()) return true;
      return type.format == "date-time" ? singer::is_date_time(value.bytes)
             : type.format == "date"    ? singer::is_date(value.bytes)
                                        : true;
    case StorageClass::Blob: return type.string && type.format.empty();
  }
  return false;
}

// Widens `type` so that it admits the value (called when admits() said it does not).
void widen_for(PropertyType& type, const Value& value) {
  switch (value.storage) {
    case StorageClass::Null: type.null = true; break;
    case StorageClass::Integer: type.integer = true; break;
    case StorageClass::Real: type.number = true; break;
    case StorageClass::Text:
      type.string = true;
      type.base64 = false;  // text in a BLOB column: its strings are no longer all base64
      if (!admits(type, value)) type.format.clear();  // a text not of the format ends it
      break;
    case StorageClass::Blob:
      type.string = true;
      type.format.clear();
      break;
  }
}

// The replication-key value of the current row as the bookmark keeps it.
Json key_value(const Statement& row, int index) {
  switch (row.column_storage(index)) {
    case StorageClass::Integer: return Json(row.column_int64(index));
    case StorageClass::Real: {
      const double d = row.column_double(index);
      return std::isfinite(d) ? Json(d) : Json();
    }
    case StorageClass::Text: return Json(row.column_text_view(index));
    case StorageClass::Blob:
    case StorageClass::Null: return Json();
  }
  return Json();
}

// Binds a bookmark as SQLite compares it with the key column: numbers as numbers.
void bind_bookmark(Statement& stmt, const Json& value) {
  if (auto i = value.as_int()) {
    stmt.bind_int64(1, *i);
  } else if (value.is_number()) {
    stmt.bind_double(1, value.as_double());
  } else if (value.is_string()) {
    stmt.bind_text(1, value.as_string());
  } else {
    stmt.bind_text(1, value.dump());
  }
}

bool is_view(const Database& db, const std::string& name) {
  Statement kind = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'view' AND name = ?1");
  kind.bind_text(1, name);
  return kind.step();
}

}  // namespace

char* write_base64(char* out, std::string_view bytes) noexcept {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8) | p[i + 2];
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    const unsigned v = (unsigned{p[i]} << 16) | (rest == 2 ? unsigned{p[i + 1]} << 8 : 0u);
    *out++ = kAlphabet[(v >> 18) & 63];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    *out++ = '=';
  }
  return out;
}

void append_base64(std::string& out, std::string_view bytes) {
  const std::size_t used = out.size();
  out.resize(used + base64_room(bytes.size()));
  out.resize(static_cast<std::size_t>(write_base64(out.data() + used, bytes) - out.data()));
}

Options read_options(const Json& config) {
  Options options;
  const Json* database = config.find("database");
  const Json* alias = config.find("path_to_db");
  if (database && alias && !(*database == *alias)) {
    throw UsageError(Location{}, "give 'database' or its alias 'path_to_db', not both");
  }
  if (!database) database = alias;
  if (!database) throw UsageError(Location{}, "missing required key 'database' (or 'path_to_db')");
  options.database = database->as_string();
  options.tables = strings_of(config, "tables");
  options.exclude_tables = strings_of(config, "exclude_tables");
  if (const Json* start = config.find("start_date"); start && start->is_string()) {
    if (!singer::is_date_time(start->as_string()) && !singer::is_date(start->as_string())) {
      throw UsageError(Location{}, "start_date: '{}' is not a date-time", start->as_string());
    }
    options.start_date = start->as_string();
  }
  if (const Json* ms = config.find("busy_timeout_ms")) {
    auto v = ms->as_int();
    if (!v || *v < 0 || *v > 2147483647) throw UsageError(Location{}, "busy_timeout_ms: must be a whole number of milliseconds");
    options.busy_timeout_ms = static_cast<int>(*v);
  }
  if (const Json* batch = config.find("batch_size")) {
    auto v = batch->as_int();
    if (!v || *v < 1) throw UsageError(Location{}, "batch_size: must be a whole number of records, 1 or more");
    options.batch_size = *v;
  }
  if (const Json* utf8 = config.find("invalid_utf8"); utf8 && utf8->is_string()) {
    options.replace_invalid_utf8 = utf8->as_string() == "replace";
  }
  return options;
}

std::vector<std::unique_ptr<singer::Stream>> make_streams(const Json& config) {
  const Options options = read_options(config);
  struct stat st {};
  if (::stat(options.database.c_str(), &st) != 0) {
    throw UsageError(Location{options.database}, "cannot open the database: {} (tap-sqlite never creates it)",
                     std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw UsageError(Location{options.database}, "cannot open the database: it is a directory");
  auto db = std::make_shared<Database>(options.database, options.busy_timeout_ms, Database::Mode::ReadOnly);

  // One snapshot for the whole description.
  singer::sqlite::ReadTransaction snapshot(*db);
  const std::vector<std::string> names = list_tables(*db);
  for (const std::string& pattern : options.tables) {
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return matches_any({pattern}, n); })) {
      singer::log::warning("{}: tables: '{}' matches no table or view", options.database, pattern);
    }
  }
  std::vector<std::unique_ptr<singer::Stream>> streams;
  for (const std::string& name : names) {
    if (!options.tables.empty() && !matches_any(options.tables, name)) continue;
    if (matches_any(options.exclude_tables, name)) continue;
    TableInfo table;
    try {
      table = describe_table(*db, name);
    } catch (const Error& e) {
      // A view over a dropped table cannot be described or read; it must not stop
      // every other stream. A table that cannot be read is a real failure.
      if (!is_view(*db, name)) throw;
      singer::log::warning("{}: view '{}' cannot be read, left out: {}", options.database, name, e.detail());
      continue;
    }
    streams.push_back(std::make_unique<SqliteStream>(db, std::move(table), options));
  }
  return streams;
}

SqliteStream::SqliteStream(std::shared_ptr<Database> db, TableInfo table, const Options& options)
    : db_(std::move(db)),
      table_(std::move(table)),
      start_date_(options.start_date),
      replace_invalid_utf8_(options.replace_invalid_utf8),
      batch_size_(options.batch_size) {}

void SqliteStream::add_discovered_metadata(singer::CatalogEntry& entry) const {
  Json& top = entry.metadata_at_or_add({});
  // A table's rows change in place: FULL_TABLE is the default that misses nothing; the
  // user picks INCREMENTAL and its key in the catalog.
  top.set("replication-method", "FULL_TABLE");
  top.erase("replication-key");
  if (table_.row_count) top.set("row-count", Json(*table_.row_count));
  if (table_.view) top.set("is-view", true);
  for (const ColumnInfo& col : table_.columns) {
    Json& md = entry.metadata_at_or_add({"properties", col.name});
    md.set("sql-datatype", col.declared);
    const bool key = std::find(table_.key_properties.begin(), table_.key_properties.end(), col.name) !=
                     table_.key_properties.end();
    md.set("inclusion", key ? "automatic" : "available");
  }
  if (table_.rowid_key) {
    // Offered as a replication key, not written unless selected.
    Json& md = entry.metadata_at_or_add({"properties", std::string(kRowidKey)});
    md.set("sql-datatype", "INTEGER");
    md.set("inclusion", "available");
    md.set("selected-by-default", false);
  }
}

void SqliteStream::check_catalog(const singer::CatalogEntry& entry, const Location& where) const {
  const Json* properties = entry.schema.find("properties");
  if (properties && properties->is_object()) {
    for (const std::string& name : properties->keys()) {
      if (!column_exists(table_.columns, name) && !(table_.rowid_key && name == kRowidKey)) {
        throw UsageError(where, "field '{}' is not a column of table '{}'", name, table_.name);
      }
    }
  }
  const auto method = entry.replication_method();
  const auto key = entry.replication_key();
  if (key && (!method || *method == "INCREMENTAL") && !entry.field_selected(*key)) {
    throw UsageError(where, "replication-key '{}' is not selected (its values are the bookmark: select it)", *key);
  }
}

void SqliteStream::sync(singer::SyncContext& ctx) {
  const Location where{db_->path(), 0, table_.name};
  singer::sqlite::ReadTransaction snapshot(*db_);

  // The table as it is now: it may have changed since discovery.
  std::vector<std::string> now;
  {
    Statement exists = db_->prepare("SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND name = ?1");
    exists.bind_text(1, table_.name);
    if (!exists.step()) throw Error(where, "table '{}' no longer exists in the database", table_.name);
    Statement info = db_->prepare("SELECT name FROM pragma_table_xinfo(?1, 'main')");
    info.bind_text(1, table_.name);
    while (info.step()) now.push_back(info.column_text(0));
  }

  // The announced schema's properties, in the table's column order.
  std::vector<Field> fields;
  std::string select;
  const Json& announced = ctx.schema();
  const Json* properties = announced.find("properties");
  auto add_field = [&](const std::string& name, const std::string& expression, const Json& property,
                       const Json& discovered) {
    Field f;
    f.name = name;
    f.index = static_cast<int>(fields.size());
    f.type = PropertyType::from_json(property);
    const PropertyType& t = f.type;
    f.numbers_as_text = !(property == discovered) && !t.any && t.string && !t.integer && !t.number &&
                        t.format.empty() && !t.base64;
    if (!fields.empty()) f.key_json.assign(1, ',');
    singer::append_json_string(f.key_json, name);
    f.key_json += ':';
    f.key_fits = f.key_json.size() <= f.key_padded.size();
    if (f.key_fits) std::memcpy(f.key_padded.data(), f.key_json.data(), f.key_json.size());
    select += (fields.empty() ? "" : ", ") + expression;
    fields.push_back(std::move(f));
  };
  for (const ColumnInfo& col : table_.columns) {
    const Json* property = properties && properties->is_object() ? properties->find(col.name) : nullptr;
    if (properties && properties->is_object() && !property) continue;
    if (!properties && !ctx.field_selected(col.name)) continue;
    if (std::find(now.begin(), now.end(), col.name) == now.end()) {
      throw Error(where, "column '{}' no longer exists in table '{}'", col.name, table_.name);
    }
    const Json discovered = col.type.to_json();
    add_field(col.name, quote_identifier(col.name), property ? *property : discovered, discovered);
  }
  if (table_.rowid_key && properties && properties->find(kRowidKey)) {
    PropertyType rowid;
    rowid.integer = true;
    add_field(std::string(kRowidKey), table_.rowid_name, *properties->find(kRowidKey), rowid.to_json());
  }
  // After the values: the rowid (for messages), then the replication key.
  int next = static_cast<int>(fields.size());
  if (fields.empty()) {
    select = "NULL";
    next = 1;
  }
  int rowid_index = -1, key_index = -1;
  if (!table_.rowid_name.empty()) {
    rowid_index = next++;
    select += ", " + table_.rowid_name;
  }
  std::string key_sql;
  const auto& key = ctx.replication_key();
  if (key) {
    if (!column_exists(table_.columns, *key) && !(table_.rowid_key && *key == kRowidKey)) {
      throw Error(where, "replication-key '{}' is not a column of table '{}'", *key, table_.name);
    }
    key_sql = *key == kRowidKey && table_.rowid_key ? table_.rowid_name : quote_identifier(*key);
    key_index = next++;
    select += ", " + key_sql;
  }

  std::string sql = fmt::format("SELECT {} FROM {}", select, quote_identifier(table_.name));
  const Json* bookmark = ctx.start_bookmark();
  Json start_date;
  if (key && !bookmark && start_date_) {
    const ColumnInfo* col = nullptr;
    for (const ColumnInfo& c : table_.columns) {
      if (c.name == *key) col = &c;
    }
    if (col && (col->type.format == "date-time" || col->type.format == "date")) {
      start_date = Json(*start_date_);
      bookmark = &start_date;
    }
  }
  if (key && bookmark) {
    // Rows whose key is NULL never satisfy `key >= bound`: counted and said, once. A run
    // without a bound sends them (first, in SQLite's order), as it sends every row.
    const std::int64_t nulls =
        db_->query_int(fmt::format("SELECT count(*) FROM {} WHERE {} IS NULL", quote_identifier(table_.name), key_sql));
    if (nulls > 0) {
      singer::log::warning("{}: {} NULL in replication-key '{}', not sent by INCREMENTAL replication (FULL_TABLE reads them)",
                           where.to_string(), singer::log::counted(nulls, "row has", "rows have"), *key);
    }
    sql += fmt::format(" WHERE {} >= ?1", key_sql);
  }
  if (key) sql += fmt::format(" ORDER BY {}", key_sql);
  Statement rows = db_->prepare(sql);
  if (key && bookmark) bind_bookmark(rows, *bookmark);

  std::int64_t row_number = 0;
  auto row_name = [&]() {
    return rowid_index >= 0 ? fmt::format("rowid {}", rows.column_int64(rowid_index)) : fmt::format("row {}", row_number);
  };
  std::vector<Value> values(fields.size());
  while (rows.step()) {
    ++row_number;
    // Every value is read once, and everything that can change the schema happens
    // before the record is begun.
    for (std::size_t k = 0; k < fields.size(); ++k) {
      Field& f = fields[k];
      Value& v = values[k];
      v.storage = rows.column_storage(f.index);
      switch (v.storage) {
        case StorageClass::Null: break;
        case StorageClass::Integer: v.integer = rows.column_int64(f.index); break;
        case StorageClass::Real:
          v.real = rows.column_double(f.index);
          if (!std::isfinite(v.real)) {
            singer::log::warning("{}: {}: field '{}': REAL value {} is not a JSON number, written as null",
                                 where.to_string(), row_name(), f.name, v.real);
            v.storage = StorageClass::Null;
          }
          break;
        case StorageClass::Text: v.bytes = rows.column_text_view(f.index); break;
        case StorageClass::Blob:
          v.bytes = rows.column_blob(f.index);
          if (!f.type.base64 && !f.type.any && !f.warned_blob) {
            f.warned_blob = true;
            singer::log::warning("{}: {}: field '{}': BLOB value written as base64 in a field whose other strings are text",
                                 where.to_string(), row_name(), f.name);
          }
          break;
      }
      if (f.numbers_as_text && (v.storage == StorageClass::Integer || v.storage == StorageClass::Real)) continue;
      if (admits(f.type, v)) continue;
      const PropertyType before = f.type;
      widen_for(f.type, v);
      ctx.widen(f.name, f.type.to_json());
      singer::log::info("{}: {}: field '{}': {} value, schema widened from {} to {} (SCHEMA sent again)",
                        where.to_string(), row_name(), f.name, singer::sqlite::to_string(v.storage),
                        before.to_json().dump(), f.type.to_json().dump());
    }
    // The record is written on raw memory sized once for its largest possible text.
    std::size_t room = 2;
    for (std::size_t k = 0; k < fields.size(); ++k) {
      const Value& v = values[k];
      room += fields[k].key_json.size() + kJsonDoubleRoom + 2;
      if (v.storage == StorageClass::Text) room += singer::json_string_room(v.bytes.size());
      if (v.storage == StorageClass::Blob) room += base64_room(v.bytes.size());
    }
    std::string& out = ctx.begin_record().out();
    const std::size_t start = out.size();
    out.resize(start + room);
    char* p = out.data() + start;
    *p++ = '{';
    for (std::size_t k = 0; k < fields.size(); ++k) {
      Field& f = fields[k];
      const Value& v = values[k];
      if (f.key_fits) {
        std::memcpy(p, f.key_padded.data(), f.key_padded.size());  // the value's room takes the rest
      } else {
        std::memcpy(p, f.key_json.data(), f.key_json.size());
      }
      p += f.key_json.size();
      switch (v.storage) {
        case StorageClass::Null:
          std::memcpy(p, "null", 4);
          p += 4;
          break;
        case StorageClass::Integer:
          if (f.numbers_as_text) *p++ = '"';
          p = std::to_chars(p, p + 21, v.integer).ptr;
          if (f.numbers_as_text) *p++ = '"';
          break;
        case StorageClass::Real:
          if (f.numbers_as_text) *p++ = '"';
          p = singer::write_json_double(p, v.real);
          if (f.numbers_as_text) *p++ = '"';
          break;
        case StorageClass::Text: {
          bool valid = true;
          p = singer::write_json_string(p, v.bytes, valid);
          if (!valid) {
            if (!replace_invalid_utf8_) {
              throw Error(where, "{}: field '{}': TEXT value is not valid UTF-8 (set \"invalid_utf8\": \"replace\" to write U+FFFD instead)",
                          row_name(), f.name);
            }
            if (!f.warned_utf8) {
              f.warned_utf8 = true;
              singer::log::warning("{}: {}: field '{}': TEXT value is not valid UTF-8, invalid bytes written as U+FFFD",
                                   where.to_string(), row_name(), f.name);
            }
          }
          break;
        }
        case StorageClass::Blob:
          *p++ = '"';
          p = write_base64(p, v.bytes);
          *p++ = '"';
          break;
      }
    }
    *p++ = '}';
    out.resize(static_cast<std::size_t>(p - out.data()));
    if (key_index >= 0) {
      Json value = key_value(rows, key_index);
      if (!value.is_null()) ctx.observe_replication_value(value);
    }
    ctx.end_record();
  }
}

}  // namespace tap_sqlite
