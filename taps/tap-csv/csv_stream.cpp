// The config's `files` entries become CsvStreams; sync() is the hot loop: every check
// that can fail runs before a record is begun, so an error never leaves half a RECORD
// on stdout.
#include "csv_stream.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "singer/config.hpp"
#include "singer/error.hpp"
#include "singer/log.hpp"
#include "singer/schema.hpp"
#include "singer/state.hpp"

namespace tap_csv {

using singer::Error;
using singer::Json;
using singer::Location;
using singer::UsageError;

namespace {

// Meltano SDK names; the CSV's own columns may not use them when they are added.
constexpr std::string_view kSourceFile = "_sdc_source_file";
constexpr std::string_view kSourceFileMtime = "_sdc_source_file_mtime";
constexpr std::string_view kSourceLineno = "_sdc_source_lineno";

// A header this short is read with a small buffer; it grows if the header is longer.
constexpr std::size_t kHeaderBufferBytes = std::size_t{64} << 10;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string string_or(const Json& object, std::string_view key, std::string_view fallback) {
  const Json* v = object.find(key);
  return v && v->is_string() ? v->as_string() : std::string(fallback);
}

bool bool_or(const Json& object, std::string_view key, bool fallback) {
  const Json* v = object.find(key);
  return v && v->is_bool() ? v->as_bool() : fallback;
}

std::int64_t int_or(const Json& object, std::string_view key, std::int64_t fallback) {
  const Json* v = object.find(key);
  return v && v->as_int() ? *v->as_int() : fallback;
}

std::vector<std::string> strings_of(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  if (const Json* v = object.find(key); v && v->is_array()) {
    for (const Json& item : v->items()) out.push_back(item.as_string());
  }
  return out;
}

// One byte that can separate or quote fields; the schema already checked the length
// in characters, this rejects multi-byte characters and line breaks.
char dialect_char(const Json& entry, std::string_view key, char fallback, const Location& where,
                  const std::string& at) {
  const Json* v = entry.find(key);
  if (!v || !v->is_string()) return fallback;
  const std::string& s = v->as_string();
  if (s.size() != 1 || s[0] == '\n' || s[0] == '\r' || s[0] == '\0' || static_cast<unsigned char>(s[0]) >= 0x80) {
    throw UsageError(where, "{}.{}: must be one ASCII character other than a line break", at, key);
  }
  return s[0];
}

bool has_glob_magic(std::string_view path) { return path.find_first_of("*?[") != std::string_view::npos; }

bool is_csv_name(const std::filesystem::path& p) { return lower(p.extension().string()) == ".csv"; }

// The files a configured path names: itself, the .csv files under a directory, or
// the matches of a glob; sorted bytewise so runs do not depend on the locale.
std::vector<std::string> expand_path(const std::string& path, const std::string& at, const Location& where) {
  std::vector<std::string> files;
  if (has_glob_magic(path)) {
    glob_t g{};
    int rc = ::glob(path.c_str(), GLOB_MARK, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        std::string_view match = g.gl_pathv[i];
        if (!match.empty() && match.back() != '/') files.emplace_back(match);  // GLOB_MARK: '/' ends directories
      }
    }
    ::globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) throw Error(where, "{}.path: cannot expand '{}'", at, path);
    if (files.empty()) throw Error(where, "{}.path: no file matches '{}'", at, path);
  } else if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    // A directory, as MeltanoLabs tap-csv reads it: every .csv file below it.
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && is_csv_name(it->path())) files.push_back(it->path().string());
    }
    if (ec) throw Error(Location{path, 0, {}}, "cannot read directory: {}", ec.message());
    if (files.empty()) throw Error(where, "{}.path: no .csv file in directory '{}'", at, path);
  } else {
    files.push_back(path);  // a missing file is reported when it is opened
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The `files` array of csv_files_definition, validated like the inline one.
Json load_files_definition(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(Location{path, 0, {}}, "cannot read csv_files_definition: {}", std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  Json files;
  try {
    files = Json::parse(text.str(), Location{path, 0, {}});
  } catch (const Error& e) {
    throw UsageError(e.location(), "{}", e.detail());
  }
  Json config_schema = Json::parse(singer_embedded::kConfigSchema);
  singer::Schema schema = singer::Schema::compile(config_schema["properties"]["files"]);
  if (auto error = schema.validate(files, "key")) {
    throw UsageError(Location{path, 0, {}}, "{}{}", error->path.empty() ? "" : error->path + ": ", error->message);
  }
  return files;
}

// An ISO 8601 UTC timestamp with microseconds, as _sdc_source_file_mtime shows it.
std::string format_micros(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

std::optional<std::int64_t> mtime_micros(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return std::int64_t{st.st_mtim.tv_sec} * 1000000 + st.st_mtim.tv_nsec / 1000;
}

// Shows a value in an error without flooding the terminal.
std::string shown(std::string_view value) {
  constexpr std::size_t kMax = 40;
  if (value.size() <= kMax) return fmt::format("'{}'", value);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // whole characters
  return fmt::format("'{}...'", value.substr(0, cut));
}

// Duplicate or empty column names make records ambiguous.
template <typename Fail>
void check_column_names(const std::vector<std::string>& names, Fail fail) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) fail(fmt::format("column {} has an empty name", i + 1));
    for (std::size_t j = 0; j < i; ++j) {
      if (names[j] == names[i]) fail(fmt::format("duplicate column name '{}' (columns {} and {})", names[i], j + 1, i + 1));
    }
  }
}

}  // namespace

std::vector<FileEntry> read_file_entries(const Json& config) {
  const Json* files = config.find("files");
  Json loaded;
  Location where;  // the definition file, when the entries come from one
  const std::string definition = string_or(config, "csv_files_definition", "");
  if (!definition.empty()) {
    if (files) throw UsageError(Location{}, "give 'files' or 'csv_files_definition', not both");
    loaded = load_files_definition(definition);
    files = &loaded;
    where = Location{definition, 0, {}};
  }
  if (!files) throw UsageError(Location{}, "missing required key 'files' (or 'csv_files_definition')");

  const bool infer_default = bool_or(config, "infer_types", false);
  const std::int64_t sample_default = int_or(config, "infer_sample_rows", 1000);
  const bool metadata_default = bool_or(config, "add_metadata_columns", false);

  std::vector<FileEntry> out;
  for (std::size_t i = 0; i < files->size(); ++i) {
    const Json& e = files->items()[i];
    const std::string at = fmt::format("files[{}]", i);
    FileEntry entry;
    entry.entity = string_or(e, "entity", "");
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].entity == entry.entity) {
        throw UsageError(where, "{}.entity: '{}' is already the entity of files[{}] (a glob in 'path' reads several files as one stream)",
                         at, entry.entity, j);
      }
    }
    const std::string encoding = lower(string_or(e, "encoding", "utf-8"));
    if (encoding != "utf-8" && encoding != "utf8" && encoding != "utf_8" && encoding != "utf-8-sig") {
      throw UsageError(where, "{}.encoding: '{}' is not supported (only utf-8)", at, string_or(e, "encoding", ""));
    }
    entry.path = string_or(e, "path", "");
    entry.keys = strings_of(e, "keys");
    entry.dialect.delimiter = dialect_char(e, "delimiter", ',', where, at);
    entry.dialect.quote = dialect_char(e, "quotechar", '"', where, at);
    if (entry.dialect.delimiter == entry.dialect.quote) {
      throw UsageError(where, "{}: delimiter and quotechar must differ", at);
    }
    entry.field_names = strings_of(e, "field_names");
    if (e.find("field_names") && entry.field_names.empty()) {
      throw UsageError(where, "{}.field_names: must name at least one column", at);
    }
    check_column_names(entry.field_names,
                       [&](const std::string& what) { throw UsageError(where, "{}.field_names: {}", at, what); });
    if (const Json* key = e.find("replication_key"); key && key->is_string() && !key->as_string().empty()) {
      entry.replication_key = key->as_string();
    }
    entry.infer_types = bool_or(e, "infer_types", infer_default);
    entry.infer_sample_rows = int_or(e, "infer_sample_rows", sample_default);
    entry.add_metadata_columns = bool_or(e, "add_metadata_columns", metadata_default);
    entry.files = expand_path(entry.path, at, where);
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<std::unique_ptr<singer::Stream>> make_streams(const Json& config) {
  std::vector<std::unique_ptr<singer::Stream>> streams;
  for (FileEntry& entry : read_file_entries(config)) streams.push_back(std::make_unique<CsvStream>(std::move(entry)));
  return streams;
}

CsvStream::CsvStream(FileEntry entry) : entry_(std::move(entry)) {
  if (!entry_.field_names.empty()) {
    columns_ = entry_.field_names;
  } else {
    // The first file with a header names the columns; empty files have none.
    for (const std::string& file : entry_.files) {
      CsvReader reader = open(file, kHeaderBufferBytes);
      if (!reader.next()) continue;
      columns_.assign(reader.fields().begin(), reader.fields().end());
      check_column_names(columns_, [&](const std::string& what) { throw Error(reader.location(), "header: {}", what); });
      break;
    }
    if (columns_.empty()) {
      throw Error(Location{entry_.files.front(), 0, entry_.entity}, "no header row (the file is empty)");
    }
  }

  const Location where{{}, 0, entry_.entity};
  auto is_column = [&](const std::string& name) { return std::find(columns_.begin(), columns_.end(), name) != columns_.end(); };
  for (const std::string& key : entry_.keys) {
    if (!is_column(key)) throw UsageError(where, "key property '{}' is not a column of {}", key, entry_.files.front());
  }
  if (entry_.replication_key && !is_column(*entry_.replication_key)) {
    throw UsageError(where, "replication_key '{}' is not a column of {}", *entry_.replication_key, entry_.files.front());
  }
  if (entry_.add_metadata_columns) {
    for (std::string_view name : {kSourceFile, kSourceFileMtime, kSourceLineno}) {
      if (is_column(std::string(name))) {
        throw UsageError(where, "column '{}' clashes with a metadata column of add_metadata_columns", name);
      }
    }
  }

  types_.assign(columns_.size(), InferredType{});
  if (entry_.infer_types) infer_types();
}

CsvReader CsvStream::open(const std::string& file, std::size_t buffer_bytes) const {
  return CsvReader(file, entry_.dialect, entry_.entity, buffer_bytes);
}

void CsvStream::skip_header(CsvReader& reader) const {
  if (!entry_.field_names.empty() || !reader.next()) return;  // field_names: every record is data
  const auto& header = reader.fields();
  bool same = header.size() == columns_.size();
  for (std::size_t i = 0; same && i < header.size(); ++i) same = header[i] == columns_[i];
  if (!same) {
    throw Error(reader.location(), "header differs from the header of {} (all files of a stream need the same columns)",
                entry_.files.front());
  }
}

void CsvStream::infer_types() {
  std::vector<TypeGuess> guesses(columns_.size());
  std::int64_t sampled = 0;
  for (const std::string& file : entry_.files) {
    if (sampled >= entry_.infer_sample_rows) break;
    CsvReader reader = open(file);
    skip_header(reader);
    while (sampled < entry_.infer_sample_rows && reader.next()) {
      if (reader.size() != columns_.size()) {
        throw Error(reader.location(), "expected {} fields, got {}", columns_.size(), reader.size());
      }
      for (std::size_t c = 0; c < columns_.size(); ++c) guesses[c].observe(reader[c]);
      ++sampled;
    }
  }
  for (std::size_t c = 0; c < columns_.size(); ++c) types_[c] = guesses[c].result();
}

Json CsvStream::schema() const {
  Json properties = Json::object();
  for (std::size_t c = 0; c < columns_.size(); ++c) properties.set(columns_[c], property_schema(types_[c]));
  if (entry_.add_metadata_columns) {
    properties.set(kSourceFile, property_schema({ColumnType::String, false}));
    properties.set(kSourceFileMtime, property_schema({ColumnType::DateTime, false}));
    properties.set(kSourceLineno, property_schema({ColumnType::Integer, false}));
  }
  Json schema = Json::object();
  schema.set("type", "object");
  schema.set("properties", std::move(properties));
  return schema;
}

std::vector<std::string> CsvStream::valid_replication_keys() const {
  if (entry_.replication_key) return {*entry_.replication_key};
  return {};
}

namespace {

// A replication-key value as the bookmark stores it; null for an empty field, which
// has no place in the order.
Json replication_value(InferredType type, std::string_view text) {
  if (text.empty()) return Json();
  switch (type.type) {
    case ColumnType::Integer:
    case ColumnType::Number: return Json::number_literal(text);
    case ColumnType::Boolean: return Json(*parse_boolean(text));
    default: return Json(text);
  }
}

// Turns CSV records into record objects: the selected columns, in order, then the
// selected metadata columns. Everything is settled once per stream, so the per-record
// work is copying bytes.
class RecordWriter {
 public:
  RecordWriter(const std::vector<std::string>& columns, const std::vector<InferredType>& types,
               bool metadata_columns, const singer::SyncContext& ctx) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (!ctx.field_selected(columns[c])) continue;
      if (types[c].type != ColumnType::String) checked_.push_back(columns_.size());
      columns_.push_back({c, columns[c], types[c], key_json(columns[c])});
      keys_bytes_ += columns_.back().key_json.size();
    }
    with_file_ = metadata_columns && ctx.field_selected(kSourceFile);
    with_mtime_ = metadata_columns && ctx.field_selected(kSourceFileMtime);
    with_lineno_ = metadata_columns && ctx.field_selected(kSourceLineno);
    file_key_ = key_json(kSourceFile, with_file_);
    mtime_key_ = key_json(kSourceFileMtime, with_mtime_);
    lineno_key_ = key_json(kSourceLineno, with_lineno_);
  }

  bool writes_file_name() const noexcept { return with_file_; }

  // Throws when a value of an inferred type does not fit it, before anything of the
  // record is written.
  void check(const CsvReader& reader, std::int64_t sample_rows) const {
    for (std::size_t k : checked_) {
      const Column& col = columns_[k];
      const std::string_view v = reader[col.index];
      if (v.empty() ? col.type.nullable : fits(col.type.type, v)) continue;
      throw Error(reader.location(),
                  "field '{}': {} does not fit the type {}{} inferred from the first {} records (raise "
                  "infer_sample_rows or turn infer_types off)",
                  col.name, v.empty() ? std::string("an empty value") : shown(v), to_string(col.type.type),
                  v.empty() ? " (no null)" : "", sample_rows);
    }
  }

  void write(singer::JsonWriter& w, const CsvReader& reader, std::string_view file, std::string_view mtime) const {
    std::string& out = w.out();
    w.begin_object();
    // Values are copied through a raw pointer into room made once per record (keys,
    // quotes or "false"/"null", and at most the record's own bytes) rather than
    // appended piece by piece; only a field that needs escaping goes through the writer.
    const std::size_t room = keys_bytes_ + 5 * columns_.size() + reader.record_bytes();
    std::size_t at = out.size();
    out.resize(at + room);
    char* d = out.data() + at;
    auto put = [&d](std::string_view s) {
      std::memcpy(d, s.data(), s.size());
      d += s.size();
    };
    for (const Column& col : columns_) {
      const std::string_view v = reader[col.index];
      put(col.key_json);
      if (v.empty() && col.type.type != ColumnType::String) {
        put("null");
        continue;
      }
      switch (col.type.type) {
        case ColumnType::String:
        case ColumnType::DateTime:
          if (reader.plain(col.index)) {
            *d++ = '"';
            put(v);
            *d++ = '"';
          } else {
            out.resize(static_cast<std::size_t>(d - out.data()));
            w.reset();
            w.trusted_string(v);  // the reader checked its UTF-8
            at = out.size();
            out.resize(at + room);
            d = out.data() + at;
          }
          break;
        case ColumnType::Integer:
        case ColumnType::Number: put(v); break;
        case ColumnType::Boolean: put(v.size() == 4 ? "true" : "false"); break;  // check() saw true/false
      }
    }
    out.resize(static_cast<std::size_t>(d - out.data()));
    if (with_file_) {
      out += file_key_;
      w.reset();
      w.string(file);
    }
    if (with_mtime_) {
      out += mtime_key_;
      w.reset();
      w.string(mtime);
    }
    if (with_lineno_) {
      out += lineno_key_;
      w.reset();
      w.integer(reader.line());
    }
    w.end_object();
  }

 private:
  struct Column {
    std::size_t index;  // in the CSV record
    std::string name;
    InferredType type;
    std::string key_json;  // ,"name":  (no comma before the first)
  };

  // The member name as JSON with its colon, and the comma when a member precedes it.
  std::string key_json(std::string_view name, bool counts = true) {
    std::string key = keys_written_ > 0 ? "," : "";
    singer::append_json_string(key, name);
    key += ':';
    keys_written_ += counts ? 1 : 0;
    return key;
  }

  std::vector<Column> columns_;
  std::vector<std::size_t> checked_;  // columns_ whose inferred type needs a per-value check
  std::size_t keys_bytes_ = 0;
  std::size_t keys_written_ = 0;
  bool with_file_ = false;
  bool with_mtime_ = false;
  bool with_lineno_ = false;
  std::string file_key_;
  std::string mtime_key_;
  std::string lineno_key_;
};

}  // namespace

void CsvStream::sync(singer::SyncContext& ctx) {
  const RecordWriter writer(columns_, types_, entry_.add_metadata_columns, ctx);

  std::optional<std::size_t> key_column;
  InferredType key_type;
  if (const auto& key = ctx.replication_key()) {
    auto it = std::find(columns_.begin(), columns_.end(), *key);
    if (it == columns_.end()) {
      throw UsageError(Location{{}, 0, entry_.entity}, "replication key '{}' is not a column", *key);
    }
    key_column = static_cast<std::size_t>(it - columns_.begin());
    key_type = types_[*key_column];
  }
  const Json* start = key_column ? ctx.start_bookmark() : nullptr;
  // Files last modified before a date-time bookmark cannot hold newer rows.
  std::optional<std::int64_t> start_micros;
  if (start && start->is_string()) start_micros = singer::parse_date_time_micros(start->as_string());

  for (const std::string& file : entry_.files) {
    if (writer.writes_file_name() && !singer::is_valid_utf8(file)) {
      throw Error(Location{file, 0, entry_.entity}, "file name is not valid UTF-8 (needed for _sdc_source_file)");
    }
    const std::optional<std::int64_t> mtime = mtime_micros(file);
    if (start_micros && mtime && *mtime < *start_micros) {
      singer::log::info("stream '{}': skipping {}: modified before the bookmark {}", entry_.entity, file,
                        start->as_string());
      continue;
    }
    const std::string mtime_text = mtime ? format_micros(*mtime) : std::string();
    CsvReader reader = open(file);
    skip_header(reader);
    while (reader.next()) {
      if (reader.size() != columns_.size()) {
        throw Error(reader.location(), "expected {} fields, got {}", columns_.size(), reader.size());
      }
      writer.check(reader, entry_.infer_sample_rows);
      Json key_value;
      if (key_column) {
        const std::string_view v = reader[*key_column];
        // A deselected key column was not checked; an odd value then orders as text.
        key_value = replication_value(fits(key_type.type, v) ? key_type : InferredType{}, v);
        // Singer bookmarks are inclusive: a row equal to the bookmark is sent again.
        // A row without a value cannot be placed after the bookmark, so only a full
        // sync sends it.
        if (start && (key_value.is_null() || singer::compare_replication_values(key_value, *start) < 0)) continue;
      }
      writer.write(ctx.begin_record(), reader, file, mtime_text);
      if (key_column) ctx.observe_replication_value(key_value);
      ctx.end_record();
    }
  }
}

}  // namespace tap_csv
