// Records into PostgreSQL tables by COPY: the table follows the stream's schema (new
// columns, safe widening, key index), every value travels as its exact text, upserts
// merge from a staging table, and all streams share one transaction per flush.
#include "postgres_sink.hpp"

#include <algorithm>

#include "singer/error.hpp"
#include "singer/log.hpp"

namespace target_postgres {

namespace sql = singer::sql;
namespace pg = singer::postgres;
using singer::Error;
using singer::Location;
using singer::UsageError;
using Kind = sql::Value::Kind;

namespace {

constexpr std::size_t kChunkBytes = 1u << 20;  // rows go to the open COPY 1 MB at a time
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr const char* kOrdinal = "\"_sdc_stage_ordinal\"";

std::string fit(std::string_view name, std::string_view what, std::string_view stream) {
  std::string out = sql::fit_identifier(name, kMaxIdentifierBytes);
  if (out != name) {
    singer::log::info("stream '{}': {} '{}' is longer than PostgreSQL's 63 bytes: named '{}'", stream, what, name,
                      out);
  }
  return out;
}

std::string config_text(const singer::Json& config, const char* key) {
  const singer::Json* v = config.find(key);
  if (!v || v->is_null()) return {};
  if (v->is_string() || v->is_number()) return v->as_string();
  throw UsageError(Location{"config"}, "'{}' must be a string", key);
}

}  // namespace

// --- options ---------------------------------------------------------------------------

PostgresOptions options_from_config(const singer::Json& config) {
  PostgresOptions options;
  options.sql = sql::options_from_config(config);
  options.sql.case_insensitive_names = false;  // quoted names keep their case
  Location where{"config"};
  if (const singer::Json* v = config.find("activate_version"); v && !v->is_null()) {
    if (!v->is_bool()) throw UsageError(where, "'activate_version' must be true or false");
    options.sql.process_activate_version = v->as_bool();
  }
  if (const singer::Json* v = config.find("sanitize_null_text_characters"); v && !v->is_null()) {
    if (!v->is_bool()) throw UsageError(where, "'sanitize_null_text_characters' must be true or false");
    options.sanitize_null_text = v->as_bool();
  }
  auto& c = options.connect;
  c.uri = config_text(config, "sqlalchemy_url");
  c.host = config_text(config, "host");
  c.port = config_text(config, "port");
  c.user = config_text(config, "user");
  c.password = config_text(config, "password");
  c.database = config_text(config, "database");
  c.sslmode = config_text(config, "ssl_mode");
  c.sslrootcert = config_text(config, "ssl_certificate_authority");
  c.sslcert = config_text(config, "ssl_client_certificate");
  c.sslkey = config_text(config, "ssl_client_private_key");
  c.application_name = "target-postgres";
  options.default_schema = config_text(config, "default_target_schema");
  if (options.default_schema.find('\0') != std::string::npos) {
    throw UsageError(where, "'default_target_schema' holds a NUL byte");
  }
  return options;
}

// --- types -----------------------------------------------------------------------------

std::string_view to_string(PgType type) noexcept {
  switch (type) {
    case PgType::BigInt: return "bigint";
    case PgType::Numeric: return "numeric";
    case PgType::Boolean: return "boolean";
    case PgType::Text: return "text";
    case PgType::TimestampTz: return "timestamptz";
    case PgType::Date: return "date";
    case PgType::Time: return "time";
    case PgType::Jsonb: return "jsonb";
  }
  return "jsonb";
}

PgType pg_type_of(sql::ColumnType type) noexcept {
  switch (type) {
    case sql::ColumnType::Integer: return PgType::BigInt;
    case sql::ColumnType::Number: return PgType::Numeric;
    case sql::ColumnType::Boolean: return PgType::Boolean;
    case sql::ColumnType::String: return PgType::Text;
    case sql::ColumnType::DateTime: return PgType::TimestampTz;
    case sql::ColumnType::Date: return PgType::Date;
    case sql::ColumnType::Time: return PgType::Time;
    case sql::ColumnType::Json:
    case sql::ColumnType::Any: return PgType::Jsonb;
  }
  return PgType::Jsonb;
}

std::optional<PgType> pg_type_named(std::string_view name) noexcept {
  if (name == "bigint") return PgType::BigInt;
  if (name == "numeric") return PgType::Numeric;
  if (name == "boolean") return PgType::Boolean;
  if (name == "text") return PgType::Text;
  if (name == "timestamp with time zone") return PgType::TimestampTz;
  if (name == "date") return PgType::Date;
  if (name == "time without time zone") return PgType::Time;
  if (name == "jsonb") return PgType::Jsonb;
  return std::nullopt;
}

PgType widened(PgType have, PgType want) noexcept {
  if (have == want) return have;
  if (have == PgType::Jsonb || want == PgType::Jsonb) return PgType::Jsonb;
  auto numeric = [](PgType t) { return t == PgType::BigInt || t == PgType::Numeric; };
  if (numeric(have) && numeric(want)) return PgType::Numeric;
  return PgType::Text;
}

bool fits(PgType type, const sql::Value& value) noexcept {
  if (value.kind == Kind::Absent || value.kind == Kind::Null) return true;
  switch (type) {
    case PgType::BigInt: return value.kind == Kind::Integer;
    case PgType::Numeric:
      // numeric has no infinities: a literal beyond the double range is still exact text.
      return value.kind == Kind::Integer || value.kind == Kind::BigInteger || value.kind == Kind::Number;
    case PgType::Boolean: return value.kind == Kind::Bool;
    case PgType::Text: return value.kind != Kind::Json;
    case PgType::TimestampTz:
    case PgType::Date:
    case PgType::Time: return value.kind == Kind::String;
    case PgType::Jsonb: return true;
  }
  return true;
}

// --- COPY text -------------------------------------------------------------------------

bool append_copy_text(std::string& out, std::string_view text, bool sanitize) {
  std::size_t start = out.size();
  std::size_t run = 0;  // bytes copied in one go up to the next special byte
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r' && c != '\0') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default:
        if (!sanitize) {
          out.resize(start);
          return false;
        }
        out += kReplacement;
    }
  }
  out.append(text.data() + run, text.size() - run);
  return true;
}

bool append_copy_json(std::string& out, std::string_view json, bool sanitize) {
  // JSON text holds no raw control characters; only its backslashes need COPY escaping.
  std::size_t start = out.size();
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char next = i + 1 < json.size() ? json[i + 1] : '\0';
    if (next == 'u' && json.substr(i + 2, 4) == "0000") {
      if (!sanitize) {
        out.resize(start);
        return false;
      }
      out += "\\\\ufffd";
      i += 5;
      continue;
    }
    out += "\\\\";
    if (i + 1 < json.size()) {
      out += next == '\\' ? "\\\\" : std::string(1, next);
      ++i;
    }
  }
  return true;
}

TableName table_name_of(std::string_view stream, std::string_view default_schema) {
  TableName name;
  name.schema = default_schema.empty() ? "public" : std::string(default_schema);
  name.table = std::string(stream);
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  for (std::size_t dash = stream.find('-'); dash != std::string_view::npos; dash = stream.find('-', from)) {
    parts.push_back(stream.substr(from, dash - from));
    from = dash + 1;
  }
  parts.push_back(stream.substr(from));
  bool all_named = std::none_of(parts.begin(), parts.end(), [](std::string_view p) { return p.empty(); });
  if ((parts.size() == 2 || parts.size() == 3) && all_named) {
    name.schema = std::string(parts[parts.size() - 2]);
    name.table = std::string(parts.back());
  }
  return name;
}

// --- the database ----------------------------------------------------------------------

PostgresDatabase::PostgresDatabase(PostgresOptions options) : options_(std::move(options)) {
  connection_ = std::make_unique<pg::Connection>(options_.connect);
  // Sessions may default to another zone; date-times are stored and shown as UTC.
  connection_->exec("SET TIME ZONE 'UTC'");
  // A batch's staging table and its DISTINCT ON sort fit in memory instead of spilling to
  // temporary files (the defaults, 8 MB and 4 MB, hold a few thousand bench rows).
  connection_->exec("SET temp_buffers = '128MB'; SET work_mem = '128MB'");
}

void PostgresDatabase::begin() {
  if (!connection_->in_transaction()) connection_->exec("BEGIN");
}

void PostgresDatabase::commit() {
  if (failure_) throw *failure_;
  if (connection_->transaction_failed()) {
    throw Error(Location{connection_->where()},
                "the transaction was rolled back after an earlier error: the records since the last state were "
                "not written");
  }
  for (PostgresSink* sink : sinks_) sink->send();
  end_copy();
  if (connection_->in_transaction()) connection_->exec("COMMIT");
}

void PostgresDatabase::copy_open(PostgresSink* owner, const std::string& stream, const std::string& copy_sql,
                                 const std::string& key_index) {
  if (copy_owner_ == owner) return;
  end_copy();
  begin();
  connection_->copy_begin(copy_sql);
  copy_owner_ = owner;
  copy_stream_ = stream;
  copy_key_index_ = key_index;
}

void PostgresDatabase::copy_put(std::string_view data) { connection_->copy_put(data); }

void PostgresDatabase::end_copy() {
  if (!copy_owner_) return;
  PostgresSink* owner = copy_owner_;
  copy_owner_ = nullptr;
  try {
    connection_->copy_end();
  } catch (const Error& e) {
    std::string detail = e.detail();
    if (!copy_key_index_.empty() && detail.find(copy_key_index_) != std::string::npos) {
      // A direct COPY of keys above the table's greatest: someone else added one since.
      detail += "; another session added this key after target-postgres read the table's greatest key: "
                "nothing since the last state was written, run again";
    }
    // The server counts the COPY's own lines ("COPY t, line 17"): the record's input line
    // instead, where the owner still knows it.
    Location where{e.location().file, 0, copy_stream_};
    const std::size_t context = detail.find("; COPY ");
    const std::size_t at = context == std::string::npos ? context : detail.find(", line ", context);
    if (at != std::string::npos) {
      if (auto input = owner->input_of_copy_line(std::atoll(detail.c_str() + at + 7))) {
        detail = where.file + ": " + detail.substr(0, context) + detail.substr(detail.find(';', at) == std::string::npos
                                                                                    ? detail.size()
                                                                                    : detail.find(';', at));
        where = Location{input->first, input->second, copy_stream_};
      }
    }
    Error error(std::move(where), "{}", detail);
    failed(error);
    throw error;
  }
}

void PostgresDatabase::detach(PostgresSink* sink) {
  if (copy_owner_ == sink) copy_owner_ = nullptr;
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void PostgresDatabase::ensure_schema(const std::string& schema) {
  if (std::find(schemas_.begin(), schemas_.end(), schema) != schemas_.end()) return;
  // IF NOT EXISTS still needs the CREATE privilege: ask first, so that a loader allowed
  // only into an existing schema works.
  if (!connection_->query_value("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema})) {
    connection_->exec("CREATE SCHEMA IF NOT EXISTS " + pg::quote_identifier(schema));
  }
  schemas_.push_back(schema);
}

void PostgresDatabase::claim_table(const std::string& qualified, const std::string& stream) {
  auto [it, fresh] = tables_.emplace(qualified, stream);
  if (!fresh && it->second != stream) {
    throw Error(Location{"", 0, stream}, "streams '{}' and '{}' would share the table {}", it->second, stream,
                qualified);
  }
}

// --- the sink --------------------------------------------------------------------------

PostgresSink::PostgresSink(std::shared_ptr<PostgresDatabase> database, const singer::SchemaMessage& schema)
    : database_(std::move(database)), schema_(schema) {
  const PostgresOptions& options = database_->options();
  TableName name = table_name_of(schema_.stream, options.default_schema);
  name_.schema = fit(name.schema, "schema", schema_.stream);
  name_.table = fit(name.table, "table", schema_.stream);
  database_->claim_table(qualified(name_.table), schema_.stream);
  overwrite_ = options.sql.load_method == sql::LoadMethod::Overwrite;
  table_ = overwrite_ ? fit("_sdc_overwrite_" + name_.table, "staging table", schema_.stream) : name_.table;
  stage_ = "pg_temp.\"_sdc_stage_" + std::to_string(database_->attach(this)) + "\"";
  database_->begin();
  database_->ensure_schema(name_.schema);
  // A staging table left by an interrupted overwrite never became visible: start afresh.
  if (overwrite_) conn().exec("DROP TABLE IF EXISTS " + qualified(table_));
  replan();
}

PostgresSink::~PostgresSink() { database_->detach(this); }

Location PostgresSink::where(const singer::RecordContext& context) const {
  return Location{std::string(context.source), context.line, plan_.stream};
}

std::string PostgresSink::qualified(const std::string& table) const {
  return pg::quote_identifier(name_.schema) + "." + pg::quote_identifier(table);
}

std::string PostgresSink::column_list(const std::vector<std::size_t>& columns) const {
  std::string out;
  for (std::size_t c : columns) {
    if (!out.empty()) out += ", ";
    out += pg::quote_identifier(columns_[c]);
  }
  return out;
}

void PostgresSink::replan() {
  send();
  sql::PlanFlags flags;
  flags.versioned = versioned_;
  plan_ = sql::plan_table(schema_, database_->options().sql, flags);
  rows_ = std::make_unique<sql::RowBuilder>(plan_);
  upsert_ = !plan_.keys.empty() && plan_.method != sql::LoadMethod::AppendOnly;
  // The keys may have changed: the greatest key is read again when needed (after send(),
  // so every row of ours is in the table by then).
  max_key_read_ = false;
  max_key_.reset();
  direct_open_ = true;
  // Shortened names may meet each other or a short name: refused before any DDL.
  columns_.clear();
  std::map<std::string, std::string> seen;
  for (const sql::Column& column : plan_.columns) {
    std::string name = fit(column.name, "column", plan_.stream);
    auto [it, fresh] = seen.emplace(name, column.name);
    if (!fresh) {
      throw Error(Location{"", 0, plan_.stream},
                  "properties '{}' and '{}' would share the column '{}' (PostgreSQL names are at most 63 bytes); "
                  "rename one in the tap or with a stream map",
                  it->second, column.name, name);
    }
    columns_.push_back(std::move(name));
  }
  prepare_table();
}

void PostgresSink::prepare_table() {
  database_->begin();
  const std::string table = qualified(table_);
  pg::Result existing = conn().query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
      "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {table});
  types_.clear();
  for (const sql::Column& column : plan_.columns) types_.push_back(pg_type_of(column.type));
  if (existing.rows() == 0) {
    std::string ddl = "CREATE TABLE " + table + " (";
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) ddl += ", ";
      ddl += pg::quote_identifier(columns_[i]) + " " + std::string(to_string(types_[i]));
    }
    if (columns_.empty()) ddl += "\"_sdc_no_properties\" boolean";
    conn().exec(ddl + ")");
  } else {
    std::map<std::string, std::string> have;
    for (int r = 0; r < existing.rows(); ++r) have[std::string(existing.text(r, 0))] = existing.text(r, 1);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const std::string quoted = pg::quote_identifier(columns_[i]);
      auto it = have.find(columns_[i]);
      if (it == have.end()) {
        conn().exec("ALTER TABLE " + table + " ADD COLUMN " + quoted + " " + std::string(to_string(types_[i])));
        continue;
      }
      std::optional<PgType> stored = pg_type_named(it->second);
      if (!stored) {
        // A type we did not create (someone altered the table): values go as text and
        // PostgreSQL converts them, or refuses with a clear error.
        types_[i] = PgType::Text;
        continue;
      }
      PgType want = widened(*stored, types_[i]);
      if (want != *stored) {
        singer::log::warning("stream '{}': column '{}' widened from {} to {} to hold {} values", plan_.stream,
                             columns_[i], to_string(*stored), to_string(want), sql::to_string(plan_.columns[i].type));
        std::string as = want == PgType::Jsonb ? "to_jsonb(" + quoted + ")" : quoted + "::" + std::string(to_string(want));
        conn().exec("ALTER TABLE " + table + " ALTER COLUMN " + quoted + " TYPE " + std::string(to_string(want)) +
                    " USING " + as);
      }
      types_[i] = want;
    }
  }
  if (upsert_) {
    std::string index = fit("_sdc_key_" + table_, "key index", plan_.stream);
    key_index_ = "\"" + index + "\"";  // as the server quotes it in messages
    std::vector<std::size_t> keys(plan_.keys.begin(), plan_.keys.end());
    // ON CONFLICT needs a unique index on exactly the key columns.
    auto found = conn().query_value(
        "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indexrelid = to_regclass($1)",
        {pg::quote_identifier(name_.schema) + "." + pg::quote_identifier(index)});
    std::string wanted;
    for (std::size_t k : keys) wanted += (wanted.empty() ? "" : ",") + columns_[k];
    if (found && *found != wanted) {
      if (conn().query_value("SELECT 1 FROM " + table + " LIMIT 1")) {
        throw Error(Location{"", 0, plan_.stream},
                    "key properties changed from '{}' to '{}' but table {} already has rows; drop or rename the "
                    "table and run again",
                    *found, wanted, table);
      }
      conn().exec("DROP INDEX " + pg::quote_identifier(name_.schema) + "." + pg::quote_identifier(index));
      found.reset();
    }
    if (!found) {
      conn().exec("CREATE UNIQUE INDEX " + pg::quote_identifier(index) + " ON " + table + " (" +
                  column_list(keys) + ")");
    }
  }
  if (database_->options().sql.raw_table) {
    conn().exec("CREATE TABLE IF NOT EXISTS " +
                qualified(fit(sql::raw_table_name(name_.table), "raw table", plan_.stream)) +
                " (\"record\" text, \"_sdc_received_at\" timestamptz, \"_sdc_sequence\" bigint)");
  }
}

void PostgresSink::widen_column(std::size_t column, PgType to, const singer::RecordContext& context) {
  send();
  database_->begin();
  const std::string quoted = pg::quote_identifier(columns_[column]);
  singer::log::warning("{}: column '{}' widened from {} to {} to hold the value as it is", where(context).to_string(),
                       columns_[column], to_string(types_[column]), to_string(to));
  std::string as = to == PgType::Jsonb ? "to_jsonb(" + quoted + ")" : quoted + "::" + std::string(to_string(to));
  conn().exec("ALTER TABLE " + qualified(table_) + " ALTER COLUMN " + quoted + " TYPE " + std::string(to_string(to)) +
              " USING " + as);
  types_[column] = to;
}

void PostgresSink::encode(std::size_t column, const sql::Value& value, const singer::RecordContext& context) {
  const bool sanitize = database_->options().sanitize_null_text;
  auto refuse = [&] {
    throw Error(where(context),
                "field '{}' holds a NUL character, which PostgreSQL cannot store; set "
                "sanitize_null_text_characters to replace it with U+FFFD",
                sql::display_path(plan_.columns[column].path));
  };
  switch (value.kind) {
    case Kind::Absent:
    case Kind::Null: buffer_ += "\\N"; return;
    case Kind::Bool:
      if (types_[column] == PgType::Boolean) buffer_ += value.boolean ? 't' : 'f';
      else buffer_ += value.boolean ? "true" : "false";
      return;
    case Kind::Integer:
      if (value.text.empty()) {
        buffer_ += std::to_string(value.integer);  // metadata columns carry no literal
        return;
      }
      [[fallthrough]];
    case Kind::BigInteger:
    case Kind::Number: buffer_ += value.text; return;
    case Kind::String:
      if (types_[column] == PgType::Jsonb) {
        std::string json;
        singer::append_trusted_json_string(json, value.text);
        if (!append_copy_json(buffer_, json, sanitize)) refuse();
      } else if (!append_copy_text(buffer_, value.text, sanitize)) {
        refuse();
      }
      return;
    case Kind::Json:
      if (!append_copy_json(buffer_, value.text, sanitize)) refuse();
      return;
  }
}

// Upsert, or Insert when the record's key is above every key the table may hold: then
// the upsert is exactly an insert of the record's present fields (an absent field is
// NULL either way) and the row goes by COPY straight into the table.
PostgresSink::Segment PostgresSink::upsert_kind(const std::vector<sql::Value>& values) {
  if (plan_.keys.size() != 1) return Segment::Upsert;
  const std::size_t k = plan_.keys[0];
  if (types_[k] != PgType::BigInt || values[k].kind != Kind::Integer) return Segment::Upsert;
  if (!max_key_read_) {
    database_->begin();  // the load's transaction: our own rows since are counted by us
    auto max = conn().query_value("SELECT max(" + pg::quote_identifier(columns_[k]) + ")::text FROM " +
                                  qualified(table_));
    max_key_.reset();
    if (max) max_key_ = std::stoll(*max);
    max_key_read_ = true;
  }
  if (direct_open_ && (!max_key_ || values[k].integer > *max_key_)) return Segment::Insert;
  direct_open_ = false;
  return Segment::Upsert;
}

void PostgresSink::start_segment(Segment kind, const std::vector<sql::Value>& values) {
  row_shape_.assign(values.size(), '1');
  if (kind == Segment::Upsert || kind == Segment::Insert) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i].kind == Kind::Absent) row_shape_[i] = '0';
    }
  } else if (kind == Segment::Delete) {
    row_shape_.assign(values.size(), '0');
    for (std::size_t k : plan_.keys) row_shape_[k] = '1';
  }
  if (kind == segment_ && row_shape_ == shape_) return;
  send();
  segment_ = kind;
  shape_ = row_shape_;
  present_.clear();
  for (std::size_t i = 0; i < shape_.size(); ++i) {
    if (shape_[i] == '1') present_.push_back(i);
  }
}

void PostgresSink::add_row(const std::vector<sql::Value>& values, const singer::RecordContext& context) {
  std::size_t row_start = buffer_.size();
  try {
    bool first = true;
    for (std::size_t i : present_) {
      if (!first) buffer_ += '\t';
      first = false;
      encode(i, values[i], context);
    }
    if (staged(segment_)) {
      buffer_ += '\t';
      buffer_ += std::to_string(rows_buffered_);
    }
    buffer_ += '\n';
  } catch (...) {
    buffer_.resize(row_start);  // the rows before it are still sent by the last flush
    throw;
  }
  if (sources_.empty() || sources_.back() != context.source) sources_.emplace_back(context.source);
  buffered_lines_.push_back({static_cast<std::uint32_t>(sources_.size() - 1), context.line});
  ++rows_buffered_;
  if (segment_ == Segment::Upsert && !maybe_repeated_keys_) {
    key_text_.clear();
    for (std::size_t k : plan_.keys) {
      const sql::Value& v = values[k];
      if (v.kind == Kind::Integer && types_[k] == PgType::BigInt) {
        key_text_ += std::to_string(v.integer);  // "-0" and "0" are one bigint
      } else if (v.kind == Kind::String && types_[k] == PgType::Text) {
        key_text_ += v.text;
      } else {
        maybe_repeated_keys_ = true;  // e.g. 1 and 1.0 in numeric: let the server decide
        break;
      }
      key_text_ += '\0';
    }
    if (!maybe_repeated_keys_ && !segment_keys_.insert(key_text_).second) maybe_repeated_keys_ = true;
    if (maybe_repeated_keys_) segment_keys_.clear();
  }
  if (buffer_.size() >= kChunkBytes) stream_rows();
}

// The buffered rows into this segment's COPY, opened (with its staging table) if needed.
void PostgresSink::stream_rows() {
  try {
    if (database_->copy_owner() != this) {
      copy_lines_.clear();  // a new COPY counts its lines from 1
      const std::string columns = column_list(present_);
      if (segment_ == Segment::Append) {
        database_->copy_open(this, plan_.stream, "COPY " + qualified(table_) + " (" + columns + ") FROM STDIN");
      } else if (segment_ == Segment::Insert) {
        // Only a writer that added one of these keys after max_key_ was read makes this
        // fail (the key index refuses the duplicate): the run stops, state not advanced.
        database_->copy_open(this, plan_.stream, "COPY " + qualified(table_) + " (" + columns + ") FROM STDIN",
                             key_index_);
      } else {
        if (!stage_ready_) {
          database_->begin();
          conn().exec("DROP TABLE IF EXISTS " + stage_ + "; CREATE TEMP TABLE " + stage_.substr(8) + " AS SELECT " +
                      columns + ", 0::bigint AS " + kOrdinal + " FROM " + qualified(table_) + " WITH NO DATA");
          stage_ready_ = true;
        }
        database_->copy_open(this, plan_.stream,
                             "COPY " + stage_ + " (" + columns + ", " + kOrdinal + ") FROM STDIN");
      }
    }
    copy_lines_.insert(copy_lines_.end(), buffered_lines_.begin(), buffered_lines_.end());
    buffered_lines_.clear();
    database_->copy_put(buffer_);
  } catch (const Error& e) {
    buffer_.clear();
    buffered_lines_.clear();
    Error error(Location{e.location().file, 0, plan_.stream}, "{}", e.detail());
    database_->failed(error);
    throw error;
  }
  buffer_.clear();
}

std::optional<std::pair<std::string, std::int64_t>> PostgresSink::input_of_copy_line(std::int64_t copy_line) const {
  if (copy_line < 1 || static_cast<std::size_t>(copy_line) > copy_lines_.size()) return std::nullopt;
  const auto& [source, line] = copy_lines_[static_cast<std::size_t>(copy_line - 1)];
  if (line <= 0 || source >= sources_.size()) return std::nullopt;
  return std::make_pair(sources_[source], line);
}

void PostgresSink::send() {
  if (!raw_buffer_.empty()) {
    database_->begin();
    conn().copy_begin("COPY " + qualified(fit(sql::raw_table_name(name_.table), "raw table", plan_.stream)) +
                      " (\"record\", \"_sdc_received_at\", \"_sdc_sequence\") FROM STDIN");
    conn().copy_put(raw_buffer_);
    raw_buffer_.clear();
    conn().copy_end();
  }
  if (rows_buffered_ == 0) return;
  database_->begin();
  const std::string table = qualified(table_);
  const std::string columns = column_list(present_);
  try {
    stream_rows();
    database_->end_copy();
    if (staged(segment_)) {
      std::vector<std::size_t> keys(plan_.keys.begin(), plan_.keys.end());
      const std::string key_list = column_list(keys);
      if (segment_ == Segment::Delete) {
        std::string match;
        for (std::size_t k : keys) {
          const std::string q = pg::quote_identifier(columns_[k]);
          match += (match.empty() ? "" : " AND ") + std::string("t.") + q + " = s." + q;
        }
        conn().exec("DELETE FROM " + table + " AS t USING " + stage_ + " AS s WHERE " + match);
      } else {
        // Several records of one key in a batch: the last one wins (ON CONFLICT may not
        // touch a row twice in one statement).
        std::string sql = maybe_repeated_keys_
                              ? "INSERT INTO " + table + " (" + columns + ") SELECT DISTINCT ON (" + key_list + ") " +
                                    columns + " FROM " + stage_ + " ORDER BY " + key_list + ", " + kOrdinal +
                                    " DESC ON CONFLICT (" + key_list + ") DO "
                              : "INSERT INTO " + table + " (" + columns + ") SELECT " + columns + " FROM " + stage_ +
                                    " ON CONFLICT (" + key_list + ") DO ";
        std::string set;
        for (std::size_t c : present_) {
          if (std::find(keys.begin(), keys.end(), c) != keys.end()) continue;
          const std::string q = pg::quote_identifier(columns_[c]);
          set += (set.empty() ? "" : ", ") + q + " = excluded." + q;
        }
        conn().exec(sql + (set.empty() ? "NOTHING" : "UPDATE SET " + set));
      }
      stage_ready_ = false;
      segment_keys_.clear();
      maybe_repeated_keys_ = false;
      conn().exec("DROP TABLE " + stage_);
      direct_open_ = true;  // the next segment may go straight into the table again
    }
  } catch (const Error& e) {
    buffer_.clear();
    rows_buffered_ = 0;
    stage_ready_ = false;
    segment_keys_.clear();
    maybe_repeated_keys_ = false;
    buffered_lines_.clear();
    copy_lines_.clear();
    // A COPY error that found its record keeps the record's line.
    Error error(Location{e.location().file, e.location().line, plan_.stream}, "{}", e.detail());
    database_->failed(error);
    throw error;
  }
  rows_buffered_ = 0;
  copy_lines_.clear();
  sources_.clear();  // nothing buffered or in a COPY refers to them any more
}

void PostgresSink::write(const singer::RecordMessage& record, const singer::RecordContext& context) {
  const sql::Options& options = database_->options().sql;
  if (!record.fields) throw Error(where(context), "the record's fields were not read");
  if (context.table_version) {
    if (!versioned_ && options.process_activate_version) {
      versioned_ = true;
      replan();
    }
    if (!newest_version_ || *context.table_version > *newest_version_) newest_version_ = context.table_version;
  }
  rows_->build(record, context);
  for (std::string_view field : rows_->unknown_fields()) {
    singer::log::warning_once("unknown field " + plan_.stream + "\n" + std::string(field),
                              fmt::format("{}: field '{}' is not in the stream's schema: not loaded (warned once)",
                                          where(context).to_string(), field));
  }
  const std::vector<sql::Value>& values = rows_->values();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!fits(types_[i], values[i])) {
      PgType want = values[i].kind == Kind::Integer ? PgType::BigInt
                    : values[i].kind == Kind::Bool  ? PgType::Boolean
                    : values[i].kind == Kind::Json  ? PgType::Jsonb
                    : values[i].kind == Kind::String ? PgType::Text
                                                     : PgType::Numeric;
      widen_column(i, widened(types_[i], want), context);
    }
  }
  if (upsert_) {
    if (const sql::Column* key = rows_->missing_key()) {
      bool absent = values[static_cast<std::size_t>(key - plan_.columns.data())].kind == Kind::Absent;
      throw Error(where(context), "key property '{}' is {}", sql::display_path(key->path), absent ? "missing" : "null");
    }
  }
  Segment kind = upsert_ ? Segment::Upsert : Segment::Append;
  if (options.hard_delete && rows_->deleted()) {
    if (!plan_.keys.empty()) {
      if (rows_->missing_key()) {
        throw Error(where(context), "a deleted record (_sdc_deleted_at) lacks its key properties");
      }
      kind = Segment::Delete;
    } else {
      singer::log::warning_once("deleted without keys " + plan_.stream,
                                fmt::format("{}: a deleted record (_sdc_deleted_at) of a stream without key "
                                            "properties names no row: stored as it is (warned once)",
                                            where(context).to_string()));
    }
  }
  if (kind == Segment::Upsert) kind = upsert_kind(values);
  start_segment(kind, values);
  add_row(values, context);
  if (max_key_read_ && (kind == Segment::Insert || kind == Segment::Upsert) &&
      values[plan_.keys[0]].kind == Kind::Integer) {
    std::int64_t key = values[plan_.keys[0]].integer;
    if (!max_key_ || key > *max_key_) max_key_ = key;
  }
  if (options.raw_table) {
    if (!append_copy_text(raw_buffer_, record.record, true)) raw_buffer_ += "\\N";
    raw_buffer_ += '\t';
    raw_buffer_ += context.received_at.empty() ? std::string_view("\\N") : context.received_at;
    raw_buffer_ += '\t';
    raw_buffer_ += std::to_string(context.sequence);
    raw_buffer_ += '\n';
  }
}

void PostgresSink::schema_changed(const singer::SchemaMessage& schema) {
  schema_ = schema;
  replan();
}

void PostgresSink::activate_version(std::int64_t version) {
  const sql::Options& options = database_->options().sql;
  if (!options.process_activate_version) return;
  if (!versioned_) {
    versioned_ = true;
    replan();
  }
  const std::string table = qualified(table_);
  const std::string column = pg::quote_identifier(columns_[static_cast<std::size_t>(plan_.table_version)]);
  if (!newest_version_) {
    database_->begin();
    if (auto newest = conn().query_value("SELECT max(" + column + ")::text FROM " + table)) {
      newest_version_ = std::stoll(*newest);
    }
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
  const std::string v = std::to_string(version);
  std::string older = "(" + column + " IS NULL OR " + column + " < " + v + ")";
  if (action == sql::VersionAction::DeleteOlder) {
    conn().exec("DELETE FROM " + table + " WHERE " + older);
  } else {
    const std::string deleted = pg::quote_identifier(columns_[static_cast<std::size_t>(plan_.deleted_at)]);
    conn().exec("UPDATE " + table + " SET " + deleted + " = now() WHERE " + older + " AND " + deleted + " IS NULL");
  }
  database_->commit();
  newest_version_ = version;
}

void PostgresSink::flush() { database_->commit(); }

// overwrite: the run loaded the stream into its staging table; readers saw the old rows
// until now, and see the new set from this commit on.
void PostgresSink::finish() {
  if (!overwrite_) {
    database_->commit();  // tables of streams that sent a SCHEMA and no record
    return;
  }
  send();
  database_->begin();
  const std::string final_table = qualified(name_.table);
  conn().exec("DROP TABLE IF EXISTS " + final_table);
  conn().exec("ALTER TABLE " + qualified(table_) + " RENAME TO " + pg::quote_identifier(name_.table));
  if (upsert_) {
    std::string from = fit("_sdc_key_" + table_, "key index", plan_.stream);
    std::string to = fit("_sdc_key_" + name_.table, "key index", plan_.stream);
    conn().exec("ALTER INDEX " + pg::quote_identifier(name_.schema) + "." + pg::quote_identifier(from) +
                " RENAME TO " + pg::quote_identifier(to));
  }
  table_ = name_.table;
  overwrite_ = false;
  database_->commit();
}

}  // namespace target_postgres
