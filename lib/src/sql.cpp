// lib/sql: Singer schemas to column plans, records to row values, and the statement
// text every SQL target shares. No database library here: dialects live in the targets.
#include "singer/sql.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace singer::sql {

std::string_view to_string(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::Integer: return "integer";
    case ColumnType::Number: return "number";
    case ColumnType::Boolean: return "boolean";
    case ColumnType::String: return "string";
    case ColumnType::DateTime: return "date-time";
    case ColumnType::Date: return "date";
    case ColumnType::Time: return "time";
    case ColumnType::Json: return "json";
    case ColumnType::Any: return "any";
  }
  return "any";
}

std::string_view to_string(LoadMethod method) noexcept {
  switch (method) {
    case LoadMethod::Upsert: return "upsert";
    case LoadMethod::AppendOnly: return "append-only";
    case LoadMethod::Overwrite: return "overwrite";
  }
  return "upsert";
}

namespace {

// The JSON types a (sub)schema admits, gathered through type lists and anyOf/oneOf.
struct TypeSet {
  bool untyped = false, null = false, integer = false, number = false, boolean = false;
  bool string = false, object = false, array = false;
  std::vector<std::string> string_formats;  // one per branch admitting strings
};

void add_type(std::string_view name, const Json& schema, TypeSet& set) {
  if (name == "null") set.null = true;
  else if (name == "integer") set.integer = true;
  else if (name == "number") set.number = true;
  else if (name == "boolean") set.boolean = true;
  else if (name == "object") set.object = true;
  else if (name == "array") set.array = true;
  else if (name == "string") {
    set.string = true;
    const Json* format = schema.find("format");
    set.string_formats.push_back(format && format->is_string() ? format->as_string() : std::string());
  } else {
    set.untyped = true;
  }
}

void collect_types(const Json& schema, TypeSet& set, int depth) {
  if (!schema.is_object() || depth > 16) {
    set.untyped = true;
    return;
  }
  bool typed = false;
  if (const Json* type = schema.find("type")) {
    if (type->is_string()) {
      add_type(type->as_string(), schema, set);
      typed = true;
    } else if (type->is_array()) {
      for (const Json& t : type->items()) {
        if (t.is_string()) add_type(t.as_string(), schema, set);
      }
      typed = true;
    }
  }
  for (const char* word : {"anyOf", "oneOf"}) {
    const Json* branches = schema.find(word);
    if (!branches || !branches->is_array()) continue;
    for (const Json& branch : branches->items()) collect_types(branch, set, depth + 1);
    typed = true;
  }
  if (!typed) set.untyped = true;
}

// A property that flattening turns into columns: an object (or null) with properties.
const Json* flattenable_properties(const Json& schema) {
  TypeSet set;
  collect_types(schema, set, 0);
  if (set.untyped || !set.object || set.integer || set.number || set.boolean || set.string || set.array) {
    return nullptr;
  }
  const Json* props = schema.find("properties");
  if (!props || !props->is_object() || props->size() == 0) return nullptr;
  return props;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct MetadataColumn {
  const char* name;
  Metadata which;
  ColumnType type;
};

constexpr MetadataColumn kMetadata[] = {
    {"_sdc_extracted_at", Metadata::ExtractedAt, ColumnType::DateTime},
    {"_sdc_received_at", Metadata::ReceivedAt, ColumnType::DateTime},
    {"_sdc_batched_at", Metadata::BatchedAt, ColumnType::DateTime},
    {"_sdc_deleted_at", Metadata::DeletedAt, ColumnType::DateTime},
    {"_sdc_sequence", Metadata::Sequence, ColumnType::Integer},
    {"_sdc_table_version", Metadata::TableVersion, ColumnType::Integer},
    {"_sdc_sync_started_at", Metadata::SyncStartedAt, ColumnType::Integer},  // ms, as the SDK
};

void check_name(std::string_view name, const Location& where, std::string_view what) {
  if (name.empty()) throw Error(where, "{} name is empty", what);
  if (name.find('\0') != std::string_view::npos) throw Error(where, "{} name holds a NUL byte", what);
}

void add_properties(const Json& props, std::vector<std::string>& prefix, int depth, const Options& options,
                    const Location& where, TablePlan& plan) {
  for (std::size_t i = 0; i < props.size(); ++i) {
    const std::string& key = props.key(i);
    const Json& schema = props.items()[i];
    prefix.push_back(key);
    check_name(key, where, fmt::format("property '{}'", display_path(prefix)));
    std::string name;
    for (std::size_t p = 0; p < prefix.size(); ++p) {
      if (p > 0) name += "__";
      name += prefix[p];
    }
    const Json* children = nullptr;
    if (options.flattening_enabled && depth < options.flattening_max_depth) {
      children = flattenable_properties(schema);
    }
    if (children) {
      plan.by_name.emplace(name, -1);
      add_properties(*children, prefix, depth + 1, options, where, plan);
    } else {
      Column column;
      column.name = name;
      column.path = prefix;
      column.type = column_type_of(schema);
      plan.by_name[name] = static_cast<int>(plan.columns.size());
      plan.columns.push_back(std::move(column));
    }
    prefix.pop_back();
  }
}

int find_column(const TablePlan& plan, std::string_view name) {
  for (std::size_t i = 0; i < plan.columns.size(); ++i) {
    if (plan.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

ColumnType column_type_of(const Json& property_schema) {
  TypeSet set;
  collect_types(property_schema, set, 0);
  if (set.untyped) return ColumnType::Any;
  int kinds = (set.integer || set.number) + set.boolean + set.string + (set.object || set.array);
  if (kinds != 1) return ColumnType::Any;
  if (set.number) return ColumnType::Number;
  if (set.integer) return ColumnType::Integer;
  if (set.boolean) return ColumnType::Boolean;
  if (set.object || set.array) return ColumnType::Json;
  const auto& formats = set.string_formats;
  bool one_format = std::all_of(formats.begin(), formats.end(), [&](const std::string& f) { return f == formats[0]; });
  if (one_format && !formats.empty()) {
    if (formats[0] == "date-time") return ColumnType::DateTime;
    if (formats[0] == "date") return ColumnType::Date;
    if (formats[0] == "time") return ColumnType::Time;
  }
  return ColumnType::String;
}

Options options_from_config(const Json& config, std::string_view config_name) {
  Options options;
  Location where{std::string(config_name)};
  auto flag = [&](const char* key, bool& out) {
    if (const Json* v = config.find(key); v && !v->is_null()) {
      if (!v->is_bool()) throw UsageError(where, "'{}' must be true or false", key);
      out = v->as_bool();
    }
  };
  if (const Json* m = config.find("load_method"); m && !m->is_null()) {
    std::string_view text = m->is_string() ? std::string_view(m->as_string()) : std::string_view();
    if (text == "upsert") options.load_method = LoadMethod::Upsert;
    else if (text == "append-only") options.load_method = LoadMethod::AppendOnly;
    else if (text == "overwrite") options.load_method = LoadMethod::Overwrite;
    else throw UsageError(where, "'load_method' must be 'upsert', 'append-only' or 'overwrite', got {}", m->dump());
  }
  flag("add_record_metadata", options.add_record_metadata);
  flag("hard_delete", options.hard_delete);
  flag("process_activate_version_messages", options.process_activate_version);
  flag("flattening_enabled", options.flattening_enabled);
  flag("raw_table", options.raw_table);
  if (const Json* d = config.find("flattening_max_depth"); d && !d->is_null()) {
    auto depth = d->as_int();
    if (!depth || *depth < 0 || *depth > 64) {
      throw UsageError(where, "'flattening_max_depth' must be an integer from 0 to 64");
    }
    options.flattening_max_depth = static_cast<int>(*depth);
  }
  return options;
}

std::string display_path(const std::vector<std::string>& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out.push_back('.');
    out += path[i];
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += '\'' + names[i] + '\'';
  }
  return out;
}

TablePlan plan_table(const SchemaMessage& schema, const Options& options, PlanFlags flags) {
  Location where{"", 0, schema.stream};
  TablePlan plan;
  plan.stream = schema.stream;
  plan.table = schema.stream;
  check_name(schema.stream, where, "stream");
  if (const Json* props = schema.schema.find("properties"); props && props->is_object()) {
    std::vector<std::string> prefix;
    add_properties(*props, prefix, 0, options, where, plan);
  }
  bool versioned = flags.versioned && options.process_activate_version;
  for (const MetadataColumn& m : kMetadata) {
    bool wanted = options.add_record_metadata || (versioned && m.which == Metadata::TableVersion) ||
                  (versioned && !options.hard_delete && m.which == Metadata::DeletedAt);
    if (!wanted || find_column(plan, m.name) >= 0) continue;
    Column column;
    column.name = m.name;
    column.path = {m.name};
    column.type = m.type;
    column.metadata = m.which;
    // A record may carry _sdc_deleted_at without declaring it (Meltano SDK taps do).
    if (m.which == Metadata::DeletedAt) plan.by_name.emplace(m.name, static_cast<int>(plan.columns.size()));
    plan.columns.push_back(std::move(column));
  }
  plan.deleted_at = find_column(plan, "_sdc_deleted_at");
  plan.table_version = find_column(plan, "_sdc_table_version");

  // Two source paths for one column name are refused before any DDL.
  std::map<std::string, std::vector<std::size_t>> by_folded;
  for (std::size_t i = 0; i < plan.columns.size(); ++i) {
    const std::string& name = plan.columns[i].name;
    by_folded[options.case_insensitive_names ? lower_ascii(name) : name].push_back(i);
  }
  std::vector<std::string> clashes;
  for (const auto& [folded, members] : by_folded) {
    if (members.size() < 2) continue;
    std::vector<std::string> paths;
    for (std::size_t i : members) paths.push_back(display_path(plan.columns[i].path));
    clashes.push_back(fmt::format("properties {} would share one column '{}'", quoted_list(paths),
                                  plan.columns[members[0]].name));
  }
  if (!clashes.empty()) {
    std::string all;
    for (const auto& c : clashes) all += (all.empty() ? "" : "; ") + c;
    throw Error(where, "{}{}; rename all but one in the tap or with a stream map", all,
                options.case_insensitive_names ? " (column names are compared case-insensitively)" : "");
  }

  for (const std::string& key : schema.key_properties) {
    int index = -1;
    for (std::size_t i = 0; i < plan.columns.size(); ++i) {
      if (plan.columns[i].path.size() == 1 && plan.columns[i].path[0] == key &&
          plan.columns[i].metadata == Metadata::None) {
        index = static_cast<int>(i);
      }
    }
    if (index < 0) throw Error(where, "key property '{}' is not one of the schema's properties", key);
    plan.keys.push_back(static_cast<std::size_t>(index));
  }
  plan.method = options.load_method;
  if (plan.method == LoadMethod::Upsert && plan.keys.empty()) plan.method = LoadMethod::AppendOnly;
  return plan;
}

// --- values ---------------------------------------------------------------------------

namespace {

// A decimal literal's value as significant digits and a power of ten, for comparing
// two spellings of a number ("1.50" = "15e-1").
struct Decimal {
  bool negative = false;
  std::string digits;  // no leading or trailing zeros; empty for zero
  long long exponent = 0;

  bool operator==(const Decimal& other) const {
    if (digits.empty() || other.digits.empty()) return digits.empty() && other.digits.empty();
    return negative == other.negative && digits == other.digits && exponent == other.exponent;
  }
};

Decimal parse_decimal(std::string_view s) {
  Decimal d;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) d.negative = s[i++] == '-';
  long long fraction_digits = 0;
  bool in_fraction = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      in_fraction = true;
    } else if (c >= '0' && c <= '9') {
      if (!(d.digits.empty() && c == '0')) d.digits.push_back(c);
      if (in_fraction) ++fraction_digits;
    } else {
      break;
    }
  }
  long long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (exponent < (1LL << 40)) exponent = exponent * 10 + (s[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  d.exponent = exponent - fraction_digits;
  while (!d.digits.empty() && d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exponent;
  }
  return d;
}

int two_digits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<long long>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool is_leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(long long y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// YYYY-MM-DD at the start of s.
bool parse_date(std::string_view s, long long& y, unsigned& m, unsigned& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  int y1 = two_digits(s, 0), y2 = two_digits(s, 2), mm = two_digits(s, 5), dd = two_digits(s, 8);
  if (y1 < 0 || y2 < 0 || mm < 1 || mm > 12 || dd < 1) return false;
  y = y1 * 100 + y2;
  m = static_cast<unsigned>(mm);
  d = static_cast<unsigned>(dd);
  return d <= days_in_month(y, m);
}

// JSON text of a container built by flatten() (a reader gives the record's own bytes).
void write_node(const RecordFields& fields, std::uint32_t index, JsonWriter& w) {
  const FieldNode& node = fields.nodes[index];
  if (!node.key.empty()) w.key(node.key);
  switch (node.kind) {
    case FieldNode::Kind::Null: w.null(); break;
    case FieldNode::Kind::Bool: w.boolean(node.boolean); break;
    case FieldNode::Kind::Integer:
    case FieldNode::Kind::Number: w.number_literal(node.text); break;
    case FieldNode::Kind::String: w.string(node.text); break;
    case FieldNode::Kind::Object:
    case FieldNode::Kind::Array: {
      bool object = node.kind == FieldNode::Kind::Object;
      object ? w.begin_object() : w.begin_array();
      for (std::uint32_t c = index + 1; c < node.end; c = fields.nodes[c].end) write_node(fields, c, w);
      object ? w.end_object() : w.end_array();
    }
  }
}

// Already "YYYY-MM-DDTHH:MM:SS[.fraction]Z": normalize_date_time() would copy it as is.
bool is_utc_date_time(std::string_view s) {
  if (s.size() < 20 || s.back() != 'Z' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  long long y = 0;
  unsigned m = 0, d = 0;
  int hh = two_digits(s, 11), mi = two_digits(s, 14), ss = two_digits(s, 17);
  if (!parse_date(s, y, m, d) || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59) return false;
  if (s.size() == 20) return true;
  if (s[19] != '.' || s.size() == 21) return false;
  for (std::size_t i = 20; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// Clinger's fast path: a decimal literal whose digits form an integer m < 2^53 and
// whose scale is 10^e with |e| <= 22 is one IEEE multiplication or division of two exact
// doubles, so correctly rounded: the double std::from_chars returns, without its cost
// (most numbers in records take this path). False: ask std::from_chars. `significant`:
// the literal's significant digits (leading zeros not counted); `exponent_chars`: the
// length of its exponent part ("e-4": 3), 0 without one.
bool fast_decimal(std::string_view s, double& out, int& significant, std::size_t& exponent_chars) noexcept {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const std::size_t n = s.size();
  std::size_t i = 0;
  const bool negative = i < n && s[i] == '-';
  if (negative) ++i;
  std::uint64_t m = 0;
  int digits = 0, scale = 0;
  bool point = false, any_digit = false;
  for (; i < n; ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (point) ++scale;
      if (m == 0 && c == '0') continue;  // leading zeros
      if (++digits > 19) return false;
      m = m * 10 + static_cast<std::uint64_t>(c - '0');
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return false;
  int e = 0;
  exponent_chars = n - i;
  if (i < n) {
    if (s[i] != 'e' && s[i] != 'E') return false;
    ++i;
    bool e_negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) e_negative = s[i++] == '-';
    if (i == n) return false;
    for (; i < n; ++i) {
      if (s[i] < '0' || s[i] > '9' || e > 10000) return false;
      e = e * 10 + (s[i] - '0');
    }
    if (e_negative) e = -e;
  }
  e -= scale;
  if (m > (std::uint64_t{1} << 53) || e < -22 || e > 22) return false;
  double d = static_cast<double>(m);
  if (e < 0) {
    d /= kPow10[-e];
  } else {
    d *= kPow10[e];
  }
  out = negative ? -d : d;
  significant = digits;
  return true;
}

}  // namespace

Value number_value(std::string_view literal, bool integer_literal) {
  Value v;
  v.text = literal;
  if (integer_literal) {
    auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), v.integer);
    v.kind = ec == std::errc() && end == literal.data() + literal.size() ? Value::Kind::Integer
                                                                         : Value::Kind::BigInteger;
    return v;
  }
  v.kind = Value::Kind::Number;
  double d = 0;
  int significant = 0;
  std::size_t exponent_chars = 0;
  if (fast_decimal(literal, d, significant, exponent_chars)) {
    // The same rule as below (a fast-path double is in its normal range unless it is 0).
    if (significant <= 15 && exponent_chars <= 3 && d != 0) {
      v.number = d;
      v.exact = true;
      return v;
    }
  } else {
    auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), d);
    if (ec != std::errc() || !std::isfinite(d)) {
      v.number = 0;
      v.exact = false;
      return v;
    }
  }
  v.number = d;
  // Up to 15 significant digits (DBL_DIG) in the normal range always come back from the
  // double unchanged: skip the shortest-representation check for those.
  int digits = 0;
  bool leading = true;
  std::size_t i = 0;
  for (; i < literal.size() && literal[i] != 'e' && literal[i] != 'E'; ++i) {
    char c = literal[i];
    if (c < '0' || c > '9' || (leading && c == '0')) continue;
    leading = false;
    ++digits;
  }
  if (digits <= 15 && (i == literal.size() || literal.size() - i <= 3) && std::fabs(d) > 1e-290 && std::fabs(d) < 1e290) {
    v.exact = true;
    return v;
  }
  char shortest[64];
  auto res = std::to_chars(shortest, shortest + sizeof shortest, d);
  v.exact = parse_decimal(std::string_view(shortest, static_cast<std::size_t>(res.ptr - shortest))) ==
            parse_decimal(literal);
  return v;
}

bool normalize_date_time(std::string_view s, std::string& out) {
  long long y = 0;
  unsigned mo = 0, d = 0;
  if (!parse_date(s, y, mo, d)) return false;
  int hh = 0, mi = 0, ss = 0;
  std::string_view fraction;
  long long offset_minutes = 0;
  std::size_t i = 10;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
    hh = two_digits(s, 11);
    if (hh < 0 || hh > 23 || s.size() < 16 || s[13] != ':') return false;
    mi = two_digits(s, 14);
    if (mi < 0 || mi > 59) return false;
    i = 16;
    if (i < s.size() && s[i] == ':') {
      ss = two_digits(s, i + 1);
      if (ss < 0 || ss > 60) return false;
      i += 3;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        std::size_t start = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return false;
        fraction = s.substr(start, i - start);
      }
    }
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1;
        int oh = two_digits(s, i + 1);
        if (oh < 0 || oh > 23) return false;
        i += 3;
        int om = 0;
        if (i < s.size()) {
          if (s[i] == ':') ++i;
          om = two_digits(s, i);
          if (om < 0 || om > 59) return false;
          i += 2;
        }
        offset_minutes = sign * (oh * 60 + om);
      } else {
        return false;
      }
    }
    if (i != s.size()) return false;
  }
  long long minutes = days_from_civil(y, mo, d) * 1440 + hh * 60 + mi - offset_minutes;
  long long days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
  long long minute_of_day = minutes - days * 1440;
  civil_from_days(days, y, mo, d);
  if (y < 0 || y > 9999) return false;
  // Filled in place and assigned once: this runs for every date-time value of a record.
  char head[20] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', '.'};
  auto put_2 = [&](std::size_t at, unsigned v) {
    head[at] = static_cast<char>('0' + v / 10);
    head[at + 1] = static_cast<char>('0' + v % 10);
  };
  head[0] = static_cast<char>('0' + y / 1000);
  head[1] = static_cast<char>('0' + y / 100 % 10);
  put_2(2, static_cast<unsigned>(y % 100));
  put_2(5, mo);
  put_2(8, d);
  put_2(11, static_cast<unsigned>(minute_of_day / 60));
  put_2(14, static_cast<unsigned>(minute_of_day % 60));
  put_2(17, static_cast<unsigned>(ss));
  out.assign(head, fraction.empty() ? 19 : 20);
  out += fraction;
  out.push_back('Z');
  return true;
}

RowBuilder::RowBuilder(const TablePlan& plan)
    : plan_(&plan), values_(plan.columns.size()), scratch_(plan.columns.size()) {}

void RowBuilder::set(int column, const FieldNode& node) {
  Value& v = values_[static_cast<std::size_t>(column)];
  const Column& c = plan_->columns[static_cast<std::size_t>(column)];
  v = Value{};
  switch (node.kind) {
    case FieldNode::Kind::Null: v.kind = Value::Kind::Null; break;
    case FieldNode::Kind::Bool:
      v.kind = Value::Kind::Bool;
      v.boolean = node.boolean;
      break;
    case FieldNode::Kind::Integer: v = number_value(node.text, true); break;
    case FieldNode::Kind::Number: v = number_value(node.text, false); break;
    case FieldNode::Kind::String: {
      v.kind = Value::Kind::String;
      v.text = node.text;
      std::string& scratch = scratch_[static_cast<std::size_t>(column)];
      if (c.type == ColumnType::DateTime) {
        if (!is_utc_date_time(node.text) && normalize_date_time(node.text, scratch)) v.text = scratch;
      } else if (c.type == ColumnType::Date && node.text.size() > 10) {
        long long y = 0;
        unsigned m = 0, d = 0;
        if (parse_date(node.text, y, m, d) && (node.text[10] == 'T' || node.text[10] == 't' || node.text[10] == ' ')) {
          v.text = node.text.substr(0, 10);
        }
      }
      break;
    }
    case FieldNode::Kind::Object:
    case FieldNode::Kind::Array:
      v.kind = Value::Kind::Json;
      v.text = node.text;  // empty when built by flatten(): field() writes it then
      break;
  }
}

void RowBuilder::field(const RecordFields& fields, std::uint32_t index, std::string& name) {
  const FieldNode& node = fields.nodes[index];
  std::size_t prefix = name.size();
  if (prefix > 0) name += "__";
  name += node.key;
  auto it = plan_->by_name.find(name);
  if (it == plan_->by_name.end()) {
    unknown_.push_back(node.key);
  } else if (it->second >= 0) {
    set(it->second, node);
    if (node.kind == FieldNode::Kind::Object || node.kind == FieldNode::Kind::Array) {
      Value& v = values_[static_cast<std::size_t>(it->second)];
      if (v.text.empty()) {
        std::string& scratch = scratch_[static_cast<std::size_t>(it->second)];
        scratch.clear();
        JsonWriter w(scratch);
        RecordFields one;
        one.nodes.assign(fields.nodes.begin() + index, fields.nodes.begin() + node.end);
        one.nodes[0].key = {};
        for (auto& n : one.nodes) n.end -= index;
        write_node(one, 0, w);
        v.text = scratch;
      }
    }
  } else if (node.kind == FieldNode::Kind::Object) {
    for (std::uint32_t c = index + 1; c < node.end; c = fields.nodes[c].end) field(fields, c, name);
  } else if (node.kind == FieldNode::Kind::Null) {
    // A null object flattened into columns: every column below it is null.
    std::string below = name + "__";
    for (std::size_t i = 0; i < plan_->columns.size(); ++i) {
      if (plan_->columns[i].name.compare(0, below.size(), below) == 0) values_[i].kind = Value::Kind::Null;
    }
  } else {
    unknown_.push_back(node.key);
  }
  name.resize(prefix);
}

void RowBuilder::build(const RecordMessage& record, const RecordContext& context) {
  for (Value& v : values_) v.kind = Value::Kind::Absent;
  unknown_.clear();
  if (record.fields) {
    const RecordFields& fields = *record.fields;
    std::size_t position = 0;
    for (std::uint32_t i = 1; i < fields.nodes.size(); i = fields.nodes[i].end, ++position) {
      const FieldNode& node = fields.nodes[i];
      if (position < by_position_.size() && by_position_[position].first == node.key) {
        int column = by_position_[position].second;
        if (column >= 0 && !(node.text.empty() && (node.kind == FieldNode::Kind::Object ||
                                                   node.kind == FieldNode::Kind::Array))) {
          set(column, node);
          continue;
        }
      } else {
        auto it = plan_->by_name.find(std::string(node.key));
        if (position >= by_position_.size()) by_position_.resize(position + 1);
        by_position_[position] = {std::string(node.key), it == plan_->by_name.end() ? -2 : it->second};
      }
      name_.clear();
      field(fields, i, name_);
    }
  }
  for (std::size_t i = 0; i < plan_->columns.size(); ++i) {
    const Column& c = plan_->columns[i];
    if (c.metadata == Metadata::None) continue;
    Value& v = values_[i];
    auto text = [&](std::string_view t) {
      v = Value{};
      v.kind = t.empty() ? Value::Kind::Null : Value::Kind::String;
      v.text = t;
    };
    switch (c.metadata) {
      case Metadata::None: break;
      case Metadata::ExtractedAt:
        text(record.time_extracted);
        if (!record.time_extracted.empty() && normalize_date_time(record.time_extracted, scratch_[i])) {
          v.text = scratch_[i];
        }
        break;
      case Metadata::ReceivedAt: text(context.received_at); break;
      case Metadata::BatchedAt: text(context.batched_at); break;
      case Metadata::SyncStartedAt:
        v = Value{};
        v.kind = Value::Kind::Integer;
        v.integer = context.sync_started_at;
        break;
      case Metadata::DeletedAt:
        if (v.kind == Value::Kind::Absent) v.kind = Value::Kind::Null;
        break;
      case Metadata::Sequence:
        v = Value{};
        v.kind = Value::Kind::Integer;
        v.integer = context.sequence;
        break;
      case Metadata::TableVersion:
        v = Value{};
        v.kind = context.table_version ? Value::Kind::Integer : Value::Kind::Null;
        v.integer = context.table_version.value_or(0);
        break;
    }
  }
}

const Column* RowBuilder::missing_key() const noexcept {
  for (std::size_t k : plan_->keys) {
    auto kind = values_[k].kind;
    if (kind == Value::Kind::Absent || kind == Value::Kind::Null) return &plan_->columns[k];
  }
  return nullptr;
}

bool RowBuilder::deleted() const noexcept {
  if (plan_->deleted_at < 0) return false;
  auto kind = values_[static_cast<std::size_t>(plan_->deleted_at)].kind;
  return kind != Value::Kind::Absent && kind != Value::Kind::Null;
}

VersionAction version_action(std::int64_t version, std::optional<std::int64_t> newest_seen,
                             bool hard_delete) noexcept {
  if (newest_seen && version < *newest_seen) return VersionAction::Ignore;
  return hard_delete ? VersionAction::DeleteOlder : VersionAction::SoftDeleteOlder;
}

// --- SQL text --------------------------------------------------------------------------

void append_quoted_identifier(std::string& out, std::string_view name) {
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  append_quoted_identifier(out, name);
  return out;
}

namespace {
void append_placeholder(std::string& out, Placeholders style, int n) {
  if (style == Placeholders::Question) {
    out.push_back('?');
  } else {
    out += '$' + std::to_string(n);
  }
}
}  // namespace

std::string insert_sql(const TablePlan& plan, const std::vector<bool>& present, bool upsert, Placeholders style) {
  std::string sql = "INSERT INTO ";
  append_quoted_identifier(sql, plan.table);
  if (std::find(present.begin(), present.end(), true) == present.end()) return sql + " DEFAULT VALUES";
  sql += " (";
  int n = 0;
  for (std::size_t i = 0; i < plan.columns.size(); ++i) {
    if (!present[i]) continue;
    if (n++ > 0) sql += ", ";
    append_quoted_identifier(sql, plan.columns[i].name);
  }
  sql += ") VALUES (";
  for (int i = 1; i <= n; ++i) {
    if (i > 1) sql += ", ";
    append_placeholder(sql, style, i);
  }
  sql += ")";
  if (upsert && !plan.keys.empty()) {
    sql += " ON CONFLICT (";
    for (std::size_t k = 0; k < plan.keys.size(); ++k) {
      if (k > 0) sql += ", ";
      append_quoted_identifier(sql, plan.columns[plan.keys[k]].name);
    }
    sql += ") DO ";
    std::string set;
    for (std::size_t i = 0; i < plan.columns.size(); ++i) {
      if (!present[i] || std::find(plan.keys.begin(), plan.keys.end(), i) != plan.keys.end()) continue;
      if (!set.empty()) set += ", ";
      append_quoted_identifier(set, plan.columns[i].name);
      set += " = excluded.";
      append_quoted_identifier(set, plan.columns[i].name);
    }
    sql += set.empty() ? "NOTHING" : "UPDATE SET " + set;
  }
  return sql;
}

std::string delete_by_key_sql(const TablePlan& plan, Placeholders style) {
  std::string sql = "DELETE FROM ";
  append_quoted_identifier(sql, plan.table);
  sql += " WHERE ";
  for (std::size_t k = 0; k < plan.keys.size(); ++k) {
    if (k > 0) sql += " AND ";
    append_quoted_identifier(sql, plan.columns[plan.keys[k]].name);
    sql += " = ";
    append_placeholder(sql, style, static_cast<int>(k + 1));
  }
  return sql;
}

std::string raw_table_name(std::string_view stream) { return "_raw_" + std::string(stream); }

std::string fit_identifier(std::string_view name, std::size_t max_bytes) {
  if (name.size() <= max_bytes) return std::string(name);
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a: stable across builds and machines
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  constexpr std::size_t kSuffix = 9;  // "_" + 8 hex digits
  std::size_t keep = max_bytes > kSuffix ? max_bytes - kSuffix : 0;
  // Never cut a UTF-8 character in two: step back over continuation bytes.
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return fmt::format("{}_{:08x}", name.substr(0, keep), static_cast<std::uint32_t>(hash ^ (hash >> 32)));
}

}  // namespace singer::sql
