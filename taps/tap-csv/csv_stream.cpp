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
#include <unordered_set>

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

// Relative paths are resolved against the current directory, also those in a
// csv_files_definition file (as MeltanoLabs tap-csv does); errors about a missing path
// say so, since under cron or a runner that directory is often not the expected one.
std::string relative_note(const std::string& path, const std::string& definition = {}) {
  if (!path.empty() && path.front() == '/') return {};
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  const std::string folder = std::filesystem::path(definition).parent_path().string();
  if (!definition.empty() && !folder.empty() && folder != ".") {
    return fmt::format(" (relative to the current directory '{}', not to the folder of {})", cwd, definition);
  }
  return fmt::format(" (relative to the current directory '{}')", cwd);
}

bool is_missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

// Hidden files and folders (.git, macOS's ._x.csv resource forks) are never data.
bool is_hidden(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name.front() == '.';
}

// The files a configured path names: itself, the .csv files under a directory, or
// the matches of a glob; sorted bytewise so runs do not depend on the locale. A path
// that exists is taken literally even when it has glob characters (`Report [final].csv`).
std::vector<std::string> expand_path(const std::string& path, const std::string& at, const Location& where,
                                     const std::string& definition) {
  std::vector<std::string> files;
  if (has_glob_magic(path) && is_missing(path)) {
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
    if (files.empty()) {
      throw Error(where, "{}.path: no file matches '{}'{}", at, path, relative_note(path, definition));
    }
  } else if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    // A directory, as MeltanoLabs tap-csv reads it: every .csv file below it.
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (is_hidden(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && is_csv_name(it->path())) files.push_back(it->path().string());
    }
    if (ec) throw Error(Location{path, 0, {}}, "cannot read directory: {}", ec.message());
    if (files.empty()) throw Error(where, "{}.path: no .csv file in directory '{}'", at, path);
  } else {
    if (is_missing(path)) {
      throw Error(Location{path, 0, {}}, "cannot open: {}{}", std::strerror(ENOENT), relative_note(path, definition));
    }
    files.push_back(path);  // any other reason it cannot be read is reported when it is opened
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The `files` array of csv_files_definition, validated like the inline one.
Json load_files_definition(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw UsageError(Location{path, 0, {}}, "cannot read csv_files_definition: {}{}", std::strerror(err),
                     err == ENOENT || err == ENOTDIR ? relative_note(path) : std::string());
  }
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

// Names for a header's empty and repeated column names, so real files load: an empty
// name in column n (1-based) becomes `_column_n`, the k-th `x` becomes `x_k`; a name
// already taken (by a real column or an earlier replacement) gets the next free number.
// Warns once, listing what was renamed.
std::vector<std::string> name_columns(const std::vector<std::string>& header, const Location& where) {
  std::vector<std::string> names = header;
  std::unordered_set<std::string> taken;
  std::vector<bool> replace(header.size(), false);
  auto is_taken = [&](const std::string& name) { return taken.count(name) != 0; };
  for (std::size_t i = 0; i < header.size(); ++i) {
    replace[i] = header[i].empty() || !taken.insert(header[i]).second;
  }
  std::vector<std::string> notes;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (!replace[i]) continue;
    std::string candidate;
    if (header[i].empty()) {
      const std::string base = fmt::format("_column_{}", i + 1);
      candidate = base;
      for (int k = 2; is_taken(candidate); ++k) candidate = fmt::format("{}_{}", base, k);
      notes.push_back(fmt::format("column {} has no name, named '{}'", i + 1, candidate));
    } else {
      auto k = std::count(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(i) + 1, header[i]);
      candidate = fmt::format("{}_{}", header[i], k);
      while (is_taken(candidate)) candidate = fmt::format("{}_{}", header[i], ++k);
      notes.push_back(fmt::format("column {} repeats '{}', named '{}'", i + 1, header[i], candidate));
    }
    taken.insert(candidate);
    names[i] = std::move(candidate);
  }
  if (!notes.empty()) {
    constexpr std::size_t kMaxNotes = 5;
    std::string text;
    for (std::size_t i = 0; i < notes.size() && i < kMaxNotes; ++i) text += (i ? "; " : "") + notes[i];
    if (notes.size() > kMaxNotes) text += fmt::format("; and {} more", notes.size() - kMaxNotes);
    singer::log::warning("{}: header: {} (set field_names and has_header to choose names)", where.to_string(), text);
  }
  return names;
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
    const std::string encoding = string_or(e, "encoding", "utf-8");
    if (const auto parsed = parse_encoding(encoding)) {
      entry.dialect.encoding = *parsed;
    } else {
      throw UsageError(where, "{}.encoding: '{}' is not supported (use one of {})", at, encoding, kSupportedEncodings);
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
    // field_names alone means no header row (MeltanoLabs tap-csv); with has_header the
    // file's header row is skipped and field_names replaces it.
    entry.has_header = bool_or(e, "has_header", entry.field_names.empty());
    if (!entry.has_header && entry.field_names.empty()) {
      throw UsageError(where, "{}.has_header: false needs field_names (the column names)", at);
    }
    if (const Json* key = e.find("replication_key"); key && key->is_string() && !key->as_string().empty()) {
      entry.replication_key = key->as_string();
    }
    entry.infer_types = bool_or(e, "infer_types", infer_default);
    entry.infer_sample_rows = int_or(e, "infer_sample_rows", sample_default);
    entry.add_metadata_columns = bool_or(e, "add_metadata_columns", metadata_default);
    entry.files = expand_path(entry.path, at, where, definition);
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
    header_file_ = entry_.files.front();
  } else {
    // The first file with a header names the columns; empty files have none.
    for (const std::string& file : entry_.files) {
      CsvReader reader = open(file, kHeaderBufferBytes);
      if (!reader.next()) continue;
      header_.assign(reader.fields().begin(), reader.fields().end());
      header_file_ = file;
      columns_ = name_columns(header_, reader.location());
      break;
    }
    if (columns_.empty()) {
      throw Error(Location{entry_.files.front(), 0, entry_.entity}, "no header row (the file is empty)");
    }
  }

  const Location where{{}, 0, entry_.entity};
  auto is_column = [&](const std::string& name) { return std::find(columns_.begin(), columns_.end(), name) != columns_.end(); };
  for (const std::string& key : entry_.keys) {
    if (!is_column(key)) throw UsageError(where, "key property '{}' is not a column of {}", key, header_file_);
  }
  if (entry_.replication_key && !is_column(*entry_.replication_key)) {
    throw UsageError(where, "replication_key '{}' is not a column of {}", *entry_.replication_key, header_file_);
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
  CsvReader reader(file, entry_.dialect, entry_.entity, buffer_bytes);
  reader.set_field_names(&columns_);
  return reader;
}

void CsvStream::skip_header(CsvReader& reader) const {
  if (!entry_.has_header || !reader.next()) return;
  const auto& header = reader.fields();
  if (!entry_.field_names.empty()) {
    // The header row is replaced, whatever it says, but it must have the same width.
    if (header.size() != columns_.size()) {
      throw Error(reader.location(), "header has {} columns, field_names names {}", header.size(), columns_.size());
    }
    return;
  }
  bool same = header.size() == header_.size();
  for (std::size_t i = 0; same && i < header.size(); ++i) same = header[i] == header_[i];
  if (!same) {
    throw Error(reader.location(), "header differs from the header of {} (all files of a stream need the same columns)",
                header_file_);
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

// One column as the stream writes it: the type announced for it, and whether that type
// is the tap's own guess (inferred, or what the catalog repeats of it), which a later
// value that does not fit widens, or a type the catalog asked for, which a value must
// convert to.
struct Column {
  std::size_t index = 0;  // in the CSV record
  std::string name;
  ColumnType type = ColumnType::String;
  bool nullable = false;       // the announced schema admits null
  bool empty_is_null = false;  // an empty field is written as null (typed columns)
  bool widens = false;
  std::string key_json;  // ,"name":  (no comma before the first)
};

struct Plan {
  std::vector<Column> columns;  // the selected columns the catalog's schema keeps, in file order
  bool file = false, mtime = false, lineno = false;  // metadata columns written
};

// What the catalog entry asks the stream to write. A property removed from the catalog's
// schema or deselected is not written; a type the catalog changed is converted to; what
// the tap cannot produce is a UsageError, found before any output.
}  // namespace

void CsvStream::add_discovered_metadata(singer::CatalogEntry& entry) const {
  if (!entry_.infer_types) return;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    entry.metadata_at_or_add({"properties", columns_[c]}).set("inferred-type", std::string(to_string(types_[c].type)));
  }
}

namespace {

Plan plan_columns(const std::vector<std::string>& columns, const std::vector<InferredType>& types,
                  const Json& discovered, bool metadata_columns, const std::string& first_file,
                  const singer::CatalogEntry& entry, const Location& where) {
  const Json& found = *discovered.find("properties");
  const Json* catalog = entry.schema.find("properties");
  // A schema without properties admits any: every column as discovered.
  if (catalog && !catalog->is_object()) catalog = nullptr;
  if (catalog) {
    for (const std::string& name : catalog->keys()) {
      if (!found.find(name)) throw UsageError(where, "field '{}' is not a column of {}", name, first_file);
    }
  }
  auto wanted = [&](std::string_view name) -> const Json* {
    if (!entry.field_selected(name)) return nullptr;
    return catalog ? catalog->find(name) : found.find(name);
  };
  Plan plan;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const Json* property = wanted(columns[c]);
    if (!property) continue;
    Column col;
    col.index = c;
    col.name = columns[c];
    const CatalogType asked = catalog_type(*property);
    if (!asked.type) throw UsageError(where, "field '{}': {}", col.name, asked.problem);
    col.type = asked.type->type;
    col.nullable = asked.type->nullable;
    col.empty_is_null = col.type != ColumnType::String;
    // The tap's own guess widens: today's inference, or the one a cached catalog recorded
    // (field metadata "inferred-type") when the user left that type as it was.
    const Json* field_md = entry.metadata_at({"properties", col.name});
    const Json* recorded = field_md ? field_md->find("inferred-type") : nullptr;
    const bool recorded_guess = recorded && recorded->is_string() && asked.type->nullable &&
                                recorded->as_string() == to_string(asked.type->type);
    col.widens = recorded_guess ||
                 (asked.type->type == types[c].type && asked.type->nullable == types[c].nullable);
    plan.columns.push_back(std::move(col));
  }
  if (metadata_columns) {
    bool* flags[] = {&plan.file, &plan.mtime, &plan.lineno};
    std::size_t i = 0;
    for (std::string_view name : {kSourceFile, kSourceFileMtime, kSourceLineno}) {
      const Json* property = wanted(name);
      *flags[i++] = property != nullptr;
      if (!property) continue;
      // Legacy --properties files add selected/inclusion to the property: compare types.
      const CatalogType asked = catalog_type(*property);
      if (!asked.type || asked.type->type != catalog_type(*found.find(name)).type->type) {
        throw UsageError(where, "field '{}': a metadata column keeps its discovered type", name);
      }
    }
  }
  return plan;
}

// Turns CSV records into record objects: the planned columns, in order, then the
// selected metadata columns. Everything is settled once per stream, so the per-record
// work is copying bytes.
class RecordWriter {
 public:
  explicit RecordWriter(Plan plan) : columns_(std::move(plan.columns)) {
    forms_.assign(columns_.size(), Form::Verbatim);
    for (std::size_t k = 0; k < columns_.size(); ++k) {
      Column& col = columns_[k];
      if (col.type != ColumnType::String) checked_.push_back(k);
      col.key_json = key_json(col.name);
      keys_bytes_ += col.key_json.size();
    }
    with_file_ = plan.file;
    with_mtime_ = plan.mtime;
    with_lineno_ = plan.lineno;
    file_key_ = key_json(kSourceFile, with_file_);
    mtime_key_ = key_json(kSourceFileMtime, with_mtime_);
    lineno_key_ = key_json(kSourceLineno, with_lineno_);
  }

  bool writes_file_name() const noexcept { return with_file_; }

  // The written column for a CSV column, or nullptr.
  const Column* column(std::size_t index) const noexcept {
    for (const Column& col : columns_) {
      if (col.index == index) return &col;
    }
    return nullptr;
  }

  // Makes every value fit its column before anything of the record is written: a
  // column the tap typed itself widens (integer -> number -> string, others -> string)
  // and the stream's SCHEMA is sent again before this record; a value that does not
  // convert to a type the catalog asked for is an error.
  void prepare(const CsvReader& reader, singer::SyncContext& ctx) {
    for (std::size_t k : checked_) {
      Column& col = columns_[k];
      const std::string_view v = reader[col.index];
      if (v.empty()) {
        if (!col.empty_is_null || col.nullable) continue;
        throw Error(reader.location(), "field '{}': empty value, and the catalog's type {} does not admit null", col.name,
                    to_string(col.type));
      }
      forms_[k] = form_of(col.type, v, !col.widens);
      if (forms_[k] != Form::NoFit) continue;
      if (!col.widens) {
        throw Error(reader.location(), "field '{}': value does not convert to {} (the catalog's type)", col.name,
                    to_string(col.type));
      }
      const ColumnType from = col.type;
      col.type = widened(col.type, v);
      forms_[k] = form_of(col.type, v, false);
      ctx.widen(col.name, property_schema({col.type, col.nullable}));
      singer::log::info("{}: field '{}': widened from {} to {} (SCHEMA sent again)", reader.location().to_string(),
                        col.name, to_string(from), to_string(col.type));
    }
  }

  void write(singer::JsonWriter& w, const CsvReader& reader, std::string_view file, std::string_view mtime) const {
    std::string& out = w.out();
    w.begin_object();
    // Values are copied through a raw pointer into room made once per record (keys,
    // quotes or "false"/"null", and at most the record's own bytes plus one per number
    // normalised) rather than appended piece by piece; only a field that needs escaping
    // goes through the writer.
    const std::size_t room = keys_bytes_ + 5 * columns_.size() + reader.record_bytes();
    std::size_t at = out.size();
    out.resize(at + room);
    char* d = out.data() + at;
    auto put = [&d](std::string_view s) {
      std::memcpy(d, s.data(), s.size());
      d += s.size();
    };
    for (std::size_t k = 0; k < columns_.size(); ++k) {
      const Column& col = columns_[k];
      const std::string_view v = reader[col.index];
      put(col.key_json);
      if (v.empty() && col.empty_is_null) {
        put("null");
        continue;
      }
      switch (col.type) {
        case ColumnType::String:
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
        case ColumnType::Boolean: put(forms_[k] == Form::True ? "true" : "false"); break;
        case ColumnType::Integer:
        case ColumnType::Number:
          if (forms_[k] == Form::Verbatim) {
            put(v);
          } else {
            d += write_converted(col.type, v, d);
          }
          break;
        case ColumnType::DateTime:
        case ColumnType::Date:
          if (forms_[k] == Form::Verbatim) {
            *d++ = '"';
            put(v);
            *d++ = '"';
          } else {
            d += write_converted(col.type, v, d);
          }
          break;
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
  // The member name as JSON with its colon, and the comma when a member precedes it.
  std::string key_json(std::string_view name, bool counts = true) {
    std::string key = keys_written_ > 0 ? "," : "";
    singer::append_json_string(key, name);
    key += ':';
    keys_written_ += counts ? 1 : 0;
    return key;
  }

  std::vector<Column> columns_;
  std::vector<std::size_t> checked_;  // columns_ whose values need a per-value check
  std::vector<Form> forms_;            // per column: how prepare() found this record's value
  std::size_t keys_bytes_ = 0;
  std::size_t keys_written_ = 0;
  bool with_file_ = false;
  bool with_mtime_ = false;
  bool with_lineno_ = false;
  std::string file_key_;
  std::string mtime_key_;
  std::string lineno_key_;
};

// The replication key's values must share one kind (numbers, date-times with an offset,
// ...) for their order to mean anything; the first value seen, or the bookmark, sets it.
class KeyOrder {
 public:
  KeyOrder(std::string field, const Json* start) : field_(std::move(field)), start_(start) {
    if (start_) kind_ = singer::replication_kind(*start_);
  }

  // Whether the record with this key value is sent: at or after the bookmark (Singer
  // bookmarks are inclusive). A record without a value cannot be placed after the
  // bookmark, so only a run without one sends it. Throws when the kinds mix.
  bool wanted(const CsvReader& reader, std::string_view text) {
    if (text.empty()) return !start_;
    const Json value(text);
    const singer::ValueKind kind = singer::replication_kind(value);
    if (!kind_) {
      kind_ = kind;
      const Location at = reader.location();
      first_ = Location{at.file, at.line}.to_string() + " holds";
    } else if (kind != *kind_) {
      const std::string before =
          first_.empty() ? fmt::format("the bookmark {} is", shown(start_->is_string() ? start_->as_string() : start_->dump()))
                         : first_;
      throw Error(reader.location(), "field '{}': replication key value {} is {}, but {} {} (no order across kinds)",
                  field_, shown(text), singer::describe(kind), before, singer::describe(*kind_));
    }
    return !start_ || singer::compare_replication_values(value, *start_) >= 0;
  }

 private:
  std::string field_;
  const Json* start_;
  std::optional<singer::ValueKind> kind_;
  std::string first_;  // where the first value was, when it and not the bookmark set the kind
};

}  // namespace

void CsvStream::check_catalog(const singer::CatalogEntry& entry, const Location& where) const {
  const Plan plan = plan_columns(columns_, types_, schema(), entry_.add_metadata_columns, header_file_, entry, where);
  const auto method = entry.replication_method();
  const auto key = entry.replication_key();
  if (key && (!method || *method == "INCREMENTAL") &&
      std::find(columns_.begin(), columns_.end(), *key) == columns_.end()) {
    throw UsageError(where, "replication-key '{}' is not a column of {}", *key, header_file_);
  }
  // The SCHEMA announces the key properties and the replication key: records without
  // them would be refused by the target, or bookmark a field the target never sees.
  auto written = [&](const std::string& name) {
    if ((plan.file && name == kSourceFile) || (plan.mtime && name == kSourceFileMtime) ||
        (plan.lineno && name == kSourceLineno)) {
      return true;
    }
    return std::any_of(plan.columns.begin(), plan.columns.end(), [&](const Column& c) { return c.name == name; });
  };
  for (const std::string& k : entry.effective_key_properties()) {
    if (!written(k)) {
      throw UsageError(where, "key property '{}' is removed from the catalog's schema or deselected (key properties are always sent)", k);
    }
  }
  if (key && (!method || *method == "INCREMENTAL") && !written(*key)) {
    throw UsageError(where, "replication-key '{}' is removed from the catalog's schema or deselected (the replication key is always sent)", *key);
  }
}

void CsvStream::sync(singer::SyncContext& ctx) {
  const Location where{{}, 0, entry_.entity};
  RecordWriter writer(plan_columns(columns_, types_, schema(), entry_.add_metadata_columns, header_file_,
                                   ctx.entry(), where));

  std::optional<std::size_t> key_column;
  std::optional<KeyOrder> order;
  if (const auto& key = ctx.replication_key()) {
    auto it = std::find(columns_.begin(), columns_.end(), *key);
    if (it == columns_.end()) throw UsageError(where, "replication-key '{}' is not a column", *key);
    key_column = static_cast<std::size_t>(it - columns_.begin());
    order.emplace(*key, ctx.start_bookmark());
  }

  // Every file is read on every run: a file's modification time says nothing about the
  // values inside it (rsync -t, cp -p, tar, another host's clock), and a skipped file
  // would be lost for good. The bookmark filters records, never files.
  for (const std::string& file : entry_.files) {
    if (writer.writes_file_name() && !singer::is_valid_utf8(file)) {
      throw Error(Location{file, 0, entry_.entity}, "file name is not valid UTF-8 (needed for _sdc_source_file)");
    }
    const std::optional<std::int64_t> mtime = mtime_micros(file);
    const std::string mtime_text = mtime ? format_micros(*mtime) : std::string();
    CsvReader reader = open(file);
    skip_header(reader);
    while (reader.next()) {
      if (reader.size() != columns_.size()) {
        throw Error(reader.location(), "expected {} fields, got {}", columns_.size(), reader.size());
      }
      if (key_column && !order->wanted(reader, reader[*key_column])) continue;
      writer.prepare(reader, ctx);
      writer.write(ctx.begin_record(), reader, file, mtime_text);
      if (key_column) {
        // The bookmark holds the key as the record has it (a number for a numeric column).
        const std::string_view v = reader[*key_column];
        const Column* col = writer.column(*key_column);
        if (!v.empty()) ctx.observe_replication_value(col ? converted_json(col->type, v) : Json(v));
      }
      ctx.end_record();
    }
  }
}

}  // namespace tap_csv
