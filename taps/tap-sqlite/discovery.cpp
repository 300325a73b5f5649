// Discovery from the database's own description: PRAGMA table_list, table_xinfo and
// index_list; the types actually present in NUMERIC and undeclared columns from a
// bounded sample; the row count from sqlite_stat1 or a bounded count.
#include "discovery.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "singer/error.hpp"

namespace tap_sqlite {

using singer::Json;
using singer::Location;
using singer::sqlite::Database;
using singer::sqlite::quote_identifier;
using singer::sqlite::Statement;

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "VARCHAR(20)" -> "VARCHAR", "timestamp with time zone" -> "TIMESTAMP WITH TIME ZONE".
std::string base_type(std::string_view declared) {
  std::string t = upper(declared.substr(0, declared.find('(')));
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  std::size_t start = 0;
  while (start < t.size() && std::isspace(static_cast<unsigned char>(t[start]))) ++start;
  return t.substr(start);
}

bool same_name(std::string_view a, std::string_view b) { return upper(a) == upper(b); }

// The property type a declared column starts with; false when the values present
// decide (NUMERIC, undeclared).
bool declared_type(ColumnInfo& col) {
  const std::string base = base_type(col.declared);
  PropertyType& t = col.type;
  if (base == "DATE") {
    t.string = true;
    t.format = "date";
    return true;
  }
  if (base == "DATETIME" || base.rfind("TIMESTAMP", 0) == 0) {
    t.string = true;
    t.format = "date-time";
    return true;
  }
  switch (col.affinity) {
    case Affinity::Integer: t.integer = true; return true;
    case Affinity::Real: t.number = true; return true;
    case Affinity::Text: t.string = true; return true;
    case Affinity::Blob:
      if (base.empty()) return false;
      t.string = true;
      t.base64 = true;
      return true;
    case Affinity::Numeric: return false;
  }
  return false;
}

std::optional<std::int64_t> stat1_rows(const Database& db, const std::string& table) {
  Statement has = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'");
  if (!has.step()) return std::nullopt;
  // The first figure of any row for the table is its row count (as of the last ANALYZE).
  Statement stat = db.prepare("SELECT stat FROM sqlite_stat1 WHERE tbl = ?1 ORDER BY idx IS NOT NULL LIMIT 1");
  stat.bind_text(1, table);
  if (!stat.step() || stat.column_is_null(0)) return std::nullopt;
  const std::string_view text = stat.column_text_view(0);
  std::int64_t rows = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rows);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return rows;
}

}  // namespace

Affinity affinity_of(std::string_view declared) noexcept {
  // In the order of SQLite's rules: the first that matches decides.
  std::string t;
  t.reserve(declared.size());
  for (char c : declared) t.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  auto has = [&t](std::string_view part) { return t.find(part) != std::string::npos; };
  if (has("INT")) return Affinity::Integer;
  if (has("CHAR") || has("CLOB") || has("TEXT")) return Affinity::Text;
  if (t.empty() || has("BLOB")) return Affinity::Blob;
  if (has("REAL") || has("FLOA") || has("DOUB")) return Affinity::Real;
  return Affinity::Numeric;
}

PropertyType PropertyType::from_json(const Json& property) {
  PropertyType t;
  const Json* type = property.is_object() ? property.find("type") : nullptr;
  if (!type) {
    t.any = true;
    return t;
  }
  auto add = [&t](const std::string& name) {
    if (name == "null") t.null = true;
    if (name == "integer") t.integer = true;
    if (name == "number") t.number = true;
    if (name == "string") t.string = true;
  };
  if (type->is_string()) add(type->as_string());
  if (type->is_array()) {
    for (const Json& item : type->items()) {
      if (item.is_string()) add(item.as_string());
    }
  }
  if (const Json* format = property.find("format"); format && format->is_string()) t.format = format->as_string();
  if (const Json* encoding = property.find("contentEncoding"); encoding && encoding->is_string()) {
    t.base64 = encoding->as_string() == "base64";
  }
  return t;
}

Json PropertyType::to_json() const {
  Json out = Json::object();
  if (any) return out;
  std::vector<std::string_view> names;
  // A number admits integers: "integer" alone is kept only without "number".
  if (integer && !number) names.push_back("integer");
  if (number) names.push_back("number");
  if (string) names.push_back("string");
  if (null) names.push_back("null");
  if (names.size() == 1) {
    out.set("type", names.front());
  } else {
    Json types = Json::array();
    for (std::string_view n : names) types.push_back(Json(n));
    out.set("type", std::move(types));
  }
  if (string && !format.empty()) out.set("format", format);
  if (string && base64) out.set("contentEncoding", "base64");
  return out;
}

std::vector<std::string> list_tables(const Database& db) {
  Statement list = db.prepare(
      "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'view') "
      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  std::vector<std::string> names;
  while (list.step()) names.push_back(list.column_text(0));
  return names;
}

TableInfo describe_table(const Database& db, const std::string& name) {
  TableInfo table;
  table.name = name;
  {
    Statement kind = db.prepare("SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1");
    kind.bind_text(1, name);
    if (!kind.step()) throw singer::Error(Location{db.path(), 0, name}, "table '{}' does not exist in the database", name);
    table.view = kind.column_text_view(0) != "table";
    table.rowid = !table.view && kind.column_int64(1) == 0;
  }

  Statement info = db.prepare(
      "SELECT name, type, \"notnull\", pk, hidden FROM pragma_table_xinfo(?1, 'main') ORDER BY cid");
  info.bind_text(1, name);
  while (info.step()) {
    if (info.column_int64(4) == 1) continue;  // a virtual table's hidden column
    ColumnInfo col;
    col.name = info.column_text(0);
    col.declared = info.column_text(1);
    col.affinity = affinity_of(col.declared);
    col.not_null = info.column_int64(2) != 0;
    col.pk = static_cast<int>(info.column_int64(3));
    table.columns.push_back(std::move(col));
  }

  // The primary key: an INTEGER PRIMARY KEY column is the rowid itself (never NULL);
  // in a WITHOUT ROWID table every key column is NOT NULL. Elsewhere SQLite allows
  // NULL in a key column that does not say NOT NULL (a documented quirk).
  std::vector<const ColumnInfo*> pk;
  for (const ColumnInfo& col : table.columns) {
    if (col.pk > 0) pk.push_back(&col);
  }
  std::sort(pk.begin(), pk.end(), [](const ColumnInfo* a, const ColumnInfo* b) { return a->pk < b->pk; });
  const bool rowid_alias = table.rowid && pk.size() == 1 && upper(pk.front()->declared) == "INTEGER";
  for (ColumnInfo& col : table.columns) {
    if (col.pk > 0 && (rowid_alias || (!table.view && !table.rowid))) col.not_null = true;
  }
  for (const ColumnInfo* col : pk) table.key_properties.push_back(col->name);

  if (table.key_properties.empty() && !table.view) {
    // A unique index over NOT NULL columns identifies a row as well (NULLs are never
    // equal, so a nullable one would not); the narrowest, then the first by name.
    Statement indexes = db.prepare(
        "SELECT name FROM pragma_index_list(?1, 'main') WHERE \"unique\" = 1 AND partial = 0 ORDER BY name");
    indexes.bind_text(1, name);
    std::vector<std::string> best;
    while (indexes.step()) {
      Statement cols = db.prepare("SELECT name FROM pragma_index_info(?1, 'main') ORDER BY seqno");
      const std::string index = indexes.column_text(0);
      cols.bind_text(1, index);
      std::vector<std::string> names;
      bool usable = true;
      while (cols.step()) {
        if (cols.column_is_null(0)) {
          usable = false;  // an expression
          continue;
        }
        std::string col_name = cols.column_text(0);
        auto it = std::find_if(table.columns.begin(), table.columns.end(),
                               [&](const ColumnInfo& c) { return c.name == col_name; });
        if (it == table.columns.end() || !it->not_null) usable = false;
        names.push_back(std::move(col_name));
      }
      if (usable && !names.empty() && (best.empty() || names.size() < best.size())) best = std::move(names);
    }
    table.key_properties = std::move(best);
  }

  if (table.rowid) {
    for (std::string_view candidate : {"rowid", "_rowid_", "oid"}) {
      bool shadowed = std::any_of(table.columns.begin(), table.columns.end(),
                                  [&](const ColumnInfo& c) { return same_name(c.name, candidate); });
      if (!shadowed) {
        table.rowid_name = std::string(candidate);
        break;
      }
    }
    const bool name_taken = std::any_of(table.columns.begin(), table.columns.end(),
                                        [](const ColumnInfo& c) { return same_name(c.name, kRowidKey); });
    table.rowid_key = !rowid_alias && !name_taken && !table.rowid_name.empty();
  }

  // Types: declared ones first; the rest from the storage classes of a bounded sample.
  std::vector<std::size_t> sampled;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    ColumnInfo& col = table.columns[i];
    col.type.null = !col.not_null;
    if (!declared_type(col)) sampled.push_back(i);
  }
  if (!sampled.empty()) {
    std::string sql = "SELECT ";
    for (std::size_t k = 0; k < sampled.size(); ++k) {
      sql += (k ? ", typeof(" : "typeof(") + quote_identifier(table.columns[sampled[k]].name) + ")";
    }
    sql += fmt::format(" FROM {} LIMIT {}", quote_identifier(name), kSampleRows);
    Statement sample = db.prepare(sql);
    std::vector<bool> text(sampled.size()), blob(sampled.size());
    while (sample.step()) {
      for (std::size_t k = 0; k < sampled.size(); ++k) {
        PropertyType& t = table.columns[sampled[k]].type;
        const std::string_view kind = sample.column_text_view(static_cast<int>(k));
        if (kind == "integer") t.integer = true;
        if (kind == "real") t.number = true;
        if (kind == "text") text[k] = true;
        if (kind == "blob") blob[k] = true;
      }
    }
    for (std::size_t k = 0; k < sampled.size(); ++k) {
      ColumnInfo& col = table.columns[sampled[k]];
      PropertyType& t = col.type;
      t.string = text[k] || blob[k];
      t.base64 = blob[k] && !text[k];
      if (!t.integer && !t.number && !t.string) {
        // Nothing seen yet: what the affinity stores best; a later value widens it.
        (col.affinity == Affinity::Numeric ? t.number : t.string) = true;
      }
    }
  }

  for (const ColumnInfo& col : table.columns) {
    const bool integer_column = col.affinity == Affinity::Integer && col.type.integer && !col.type.string;
    if (integer_column || col.type.format == "date-time") table.valid_replication_keys.push_back(col.name);
  }
  if (table.rowid_key) table.valid_replication_keys.emplace_back(kRowidKey);

  if (!table.view) {
    table.row_count = stat1_rows(db, name);
    if (!table.row_count) {
      const std::int64_t counted = db.query_int(
          fmt::format("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT {})", quote_identifier(name), kCountLimit + 1));
      if (counted <= kCountLimit) table.row_count = counted;
    }
  }
  return table;
}

Json table_schema(const TableInfo& table) {
  Json properties = Json::object();
  for (const ColumnInfo& col : table.columns) properties.set(col.name, col.type.to_json());
  if (table.rowid_key) {
    PropertyType rowid;
    rowid.integer = true;
    properties.set(kRowidKey, rowid.to_json());
  }
  Json schema = Json::object();
  schema.set("type", "object");
  schema.set("properties", std::move(properties));
  return schema;
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view name) {
  const std::string text(name);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), text.c_str(), FNM_CASEFOLD) == 0;
  });
}

}  // namespace tap_sqlite
