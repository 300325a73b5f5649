// RestStream: pages fetched through singer::http, parsed once with simdjson On-Demand;
// each record's fields are copied as JSON text into the RECORD (objects and arrays
// minified), so no record ever becomes a DOM.
#include "rest_stream.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "singer/error.hpp"
#include "singer/log.hpp"
#include "singer/schema.hpp"
#include "singer/simdjson_errors.hpp"
#include "singer/state.hpp"

namespace tap_rest {

namespace http = singer::http;
namespace od = simdjson::ondemand;
using singer::Error;
using singer::Json;
using singer::Location;

namespace {

// What a value is, as bits so a property schema can be a set of them.
enum Kind : unsigned {
  kNull = 1,
  kBool = 2,
  kInteger = 4,
  kNumber = 8,
  kString = 16,
  kObject = 32,
  kArray = 64,
  kAny = 127,
};

template <typename T, typename R>
T take(R&& result) {
  if constexpr (std::is_same_v<std::decay_t<R>, T>) {
    return std::forward<R>(result);
  } else {
    T out{};
    if (auto error = std::forward<R>(result).get(out)) throw simdjson::simdjson_error(error);
    return out;
  }
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number(std::string_view s, bool& integer) noexcept {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  integer = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    integer = false;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    integer = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether text holds a JSON whitespace byte (space, tab, CR, LF), sixteen bytes at a time.
bool has_whitespace(std::string_view text) noexcept {
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'),
                lf = _mm_set1_epi8('\n');
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, space), _mm_cmpeq_epi8(x, tab)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
    if (_mm_movemask_epi8(hit) != 0) return true;
  }
#endif
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return true;
  }
  return false;
}

// raw (an object or array the parser has checked) without the whitespace between tokens.
void append_minified(std::string& out, std::string_view raw) {
  bool in_string = false;
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      out.append(raw.data() + run, i - run);
      run = i + 1;
    }
  }
  out.append(raw.data() + run, raw.size() - run);
}

unsigned kind_of_type_name(std::string_view t) {
  if (t == "null") return kNull;
  if (t == "boolean") return kBool;
  if (t == "integer") return kInteger;
  if (t == "number") return kNumber | kInteger;
  if (t == "string") return kString;
  if (t == "object") return kObject;
  if (t == "array") return kArray;
  return 0;
}

// The kinds a property schema admits; anything it does not spell out admits all.
unsigned admitted(const Json& property, bool& date_time) {
  date_time = false;
  if (!property.is_object()) return kAny;
  if (const Json* any = property.find("anyOf")) {
    unsigned mask = 0;
    for (const Json& alt : any->items()) {
      bool dt = false;
      mask |= admitted(alt, dt);
    }
    return mask;
  }
  const Json* type = property.find("type");
  if (!type) return kAny;
  unsigned mask = 0;
  if (type->is_string()) mask = kind_of_type_name(type->as_string());
  for (const Json& t : type->items()) {
    if (t.is_string()) mask |= kind_of_type_name(t.as_string());
  }
  const Json* format = property.find("format");
  date_time = format && format->is_string() && format->as_string() == "date-time";
  return mask;
}

// {"type": [...kinds, "null"]}, with "format": "date-time" for date-time strings.
Json property_for(unsigned mask, bool date_time) {
  Json types = Json::array();
  if (mask & kBool) types.push_back("boolean");
  if (mask & kNumber) {
    types.push_back("number");
  } else if (mask & kInteger) {
    types.push_back("integer");
  }
  if (mask & kString || (mask & ~kNull) == 0) types.push_back("string");
  if (mask & kObject) types.push_back("object");
  if (mask & kArray) types.push_back("array");
  types.push_back("null");
  Json p = Json::object();
  p.set("type", std::move(types));
  if (date_time && (mask & kString)) p.set("format", "date-time");
  return p;
}

// The property widened to admit a value of `kind`: a type list grows (integer becomes
// number), a date-time format goes when a string is no date-time.
Json widened(const Json* property, unsigned kind, bool is_date_time) {
  if (!property) return property_for(kind | kNull, is_date_time);
  bool dt = false;
  const unsigned mask = admitted(*property, dt);
  Json out = *property;
  if ((mask & kind) == 0) {
    const unsigned grown = (mask == kAny ? 0 : mask) | kind | kNull;
    out.erase("anyOf");
    out.set("type", *property_for(grown, false).find("type"));
  }
  if (kind == kString && dt && !is_date_time) out.erase("format");
  return out;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// One record's fields: names, kinds, and their JSON text: in the page itself when it is
// written as it came (most values), else rewritten in buf.
class RecordScanner {
 public:
  struct Field {
    std::string_view key;  // in the parser's string buffer: valid for the page
    unsigned kind;
    std::string_view str;  // a string's value (unescaped), valid for the page
    std::string_view json;  // the value's JSON text as it came, unless in_buf
    bool in_buf;
    std::size_t begin, end;  // the value's JSON text in buf, when in_buf
    bool date_time() const { return kind == kString && singer::is_date_time(str); }
  };
  std::vector<Field> fields;
  std::string buf;
  const std::string* replication_key = nullptr;
  std::optional<Json> replication_value;
  // Fields a child's path needs from this record.
  const std::vector<std::string>* wanted = nullptr;
  Context picked;

  std::string_view text(const Field& f) const {
    return f.in_buf ? std::string_view(buf).substr(f.begin, f.end - f.begin) : f.json;
  }

  void scan(od::object object) {
    fields.clear();
    buf.clear();
    replication_value.reset();
    picked.clear();
    for (auto member : object) {
      od::field field = take<od::field>(std::move(member));
      const std::string_view key = take<std::string_view>(field.unescaped_key());
      od::value value = field.value();
      const std::size_t begin = buf.size();
      unsigned kind = kNull;
      std::string_view string_value;
      std::string_view json;  // set when the value's text is written as it came
      switch (take<od::json_type>(value.type())) {
        case od::json_type::null: {
          if (trim_right(take<std::string_view>(value.raw_json_token())) != "null") {
            throw simdjson::simdjson_error(simdjson::N_ATOM_ERROR);
          }
          json = "null";
          break;
        }
        case od::json_type::boolean:
          kind = kBool;
          json = take<bool>(value.get_bool()) ? "true" : "false";
          break;
        case od::json_type::number: {
          const std::string_view raw = trim_right(take<std::string_view>(value.raw_json_token()));
          bool integer = false;
          if (!json_number(raw, integer)) throw simdjson::simdjson_error(simdjson::NUMBER_ERROR);
          kind = integer ? kInteger : kNumber;
          json = raw;
          break;
        }
        case od::json_type::string: {
          kind = kString;
          // Most strings have no escape: their bytes (UTF-8 and control characters
          // checked by the parser's first pass) are copied as they came; others are
          // unescaped, checked, and escaped again.
          const std::string_view raw = trim_right(take<std::string_view>(value.raw_json_token()));
          const bool plain = raw.size() >= 2 && raw.back() == '"' &&
                             std::memchr(raw.data() + 1, '\\', raw.size() - 2) == nullptr;
          if (plain) {
            string_value = raw.substr(1, raw.size() - 2);
            json = raw;
          } else {
            string_value = take<std::string_view>(value.get_string());
            singer::append_trusted_json_string(buf, string_value);
          }
          break;
        }
        case od::json_type::object:
        case od::json_type::array: {
          std::string_view raw;
          if (take<od::json_type>(value.type()) == od::json_type::object) {
            kind = kObject;
            raw = take<std::string_view>(take<od::object>(value.get_object()).raw_json());
          } else {
            kind = kArray;
            raw = take<std::string_view>(take<od::array>(value.get_array()).raw_json());
          }
          // Pretty-printed responses: a RECORD is one line. Text without any whitespace
          // byte is written as it came.
          if (has_whitespace(raw)) {
            append_minified(buf, raw);
          } else {
            json = raw;
          }
          break;
        }
      }
      fields.push_back(Field{key, kind, string_value, json, json.empty(), begin, buf.size()});
      const bool is_key = replication_key && key == *replication_key;
      bool is_wanted = false;
      if (wanted) {
        for (const std::string& w : *wanted) is_wanted = is_wanted || key == w;
      }
      if (is_key || is_wanted) {
        Json v;
        if (kind == kString) v = Json(std::string(string_value));
        else if (kind == kInteger || kind == kNumber) v = Json::number_literal(text(fields.back()));
        else if (kind == kBool) v = Json(text(fields.back()) == "true");
        else if (kind != kNull) v = Json(std::string(text(fields.back())));
        if (is_key) replication_value = v;
        if (is_wanted) picked.emplace_back(std::string(key), std::move(v));
      }
    }
  }
};

namespace {

struct PageResult {
  std::int64_t records = 0;
  std::optional<std::string> token;
  bool stopped = false;
};

// Walks path from value, calling fn for each record object; false from fn stops.
bool walk(od::value value, const std::vector<PathStep>& steps, std::size_t i,
          const std::function<bool(od::value&)>& fn) {
  const od::json_type type = take<od::json_type>(value.type());
  if (i == steps.size()) return fn(value);
  const PathStep& step = steps[i];
  if (step.kind == PathStep::Kind::Key) {
    if (type != od::json_type::object) return true;
    od::object object = take<od::object>(value.get_object());
    auto found = object.find_field_unordered(step.key);
    if (found.error() == simdjson::NO_SUCH_FIELD) return true;
    return walk(take<od::value>(std::move(found)), steps, i + 1, fn);
  }
  if (type == od::json_type::array) {
    std::size_t n = 0;
    for (auto item : take<od::array>(value.get_array())) {
      od::value v = take<od::value>(std::move(item));
      if (step.kind == PathStep::Kind::Wildcard || n == step.index) {
        if (!walk(v, steps, i + 1, fn)) return false;
      }
      ++n;
    }
  } else if (type == od::json_type::object && step.kind == PathStep::Kind::Wildcard) {
    for (auto member : take<od::object>(value.get_object())) {
      od::field f = take<od::field>(std::move(member));
      if (!walk(f.value(), steps, i + 1, fn)) return false;
    }
  }
  return true;
}

std::string kind_name(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    default: return "null";
  }
}

std::string json_text(const Json& v) { return v.is_string() || v.is_number() ? v.as_string() : v.dump(); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

RestStream::RestStream(StreamSettings settings, std::shared_ptr<Session> session)
    : settings_(std::move(settings)), session_(std::move(session)) {
  if (settings_.schema) schema_ = settings_.schema;
}

RestStream::~RestStream() = default;

std::vector<std::string> RestStream::valid_replication_keys() const {
  if (settings_.replication_key) return {*settings_.replication_key};
  return {};
}

Json RestStream::schema() const {
  if (!schema_) schema_ = infer_schema();
  return *schema_;
}

bool RestStream::fetch(const Context& context, const Json* start, const std::vector<std::string>* wanted,
                       const std::function<bool(RecordScanner&)>& on_record) const {
  Session& session = *session_;
  const Paging& p = settings_.paging;
  const Location where{"", 0, settings_.name};

  std::string path = settings_.path;
  for (const auto& [field, value] : context) {
    const std::string placeholder = "{" + field + "}";
    for (std::size_t at = path.find(placeholder); at != std::string::npos; at = path.find(placeholder, at)) {
      const std::string encoded = http::url_encode(json_text(value));
      path.replace(at, placeholder.size(), encoded);
      at += encoded.size();
    }
  }
  const std::string base = session.api_url + path;
  Params base_params = settings_.params;
  if (start && !settings_.search_parameter.empty()) {
    base_params.emplace_back(settings_.search_parameter, settings_.search_prefix + json_text(*start));
  }
  if (!p.limit_param.empty()) base_params.emplace_back(p.limit_param, std::to_string(p.page_size));

  std::int64_t page = p.first_page, offset = 0;
  std::optional<std::string> token, next_url;
  std::unordered_set<std::string> seen;
  std::string previous_body;
  od::parser parser;
  RecordScanner scanner;
  scanner.replication_key = settings_.replication_key ? &*settings_.replication_key : nullptr;
  scanner.wanted = wanted;
  const bool want_token = p.style == PagingStyle::Cursor || p.style == PagingStyle::NextUrl;

  for (std::int64_t n = 1;; ++n) {
    if (p.max_pages > 0 && n > p.max_pages) {
      singer::log::info("stream '{}': stopped after max_pages ({})", settings_.name, p.max_pages);
      return true;
    }
    Params params = base_params;
    if (p.style == PagingStyle::PageNumber) params.emplace_back(p.next_param, std::to_string(page));
    if (p.style == PagingStyle::Offset) params.emplace_back(p.next_param, std::to_string(offset));
    if (p.style == PagingStyle::Cursor && token) params.emplace_back(p.next_param, *token);
    const std::string url = next_url ? *next_url : http::with_query(base, params);
    if (n == 1) seen.insert(url);

    http::Headers headers = settings_.headers;
    Params auth_params;
    session.auth.apply(headers, auth_params, session.client);
    bool has_accept = false;
    for (const auto& h : headers) has_accept = has_accept || lower(h.first) == "accept";
    if (!has_accept) headers.emplace_back("Accept", "application/json");
    const std::string request_url = http::with_query(url, auth_params);
    http::Response response = session.client.get(request_url, headers, where);
    const std::vector<std::string>& secrets = session.client.options().secrets;
    const std::string shown = http::redact_url(request_url, secrets);

    // A server that ignores the paging parameter sends the same page again. (Sizes are
    // compared first; different pages differ early, usually in the first record.)
    if (n > 1 && response.body == previous_body) {
      throw Error(where, "pagination loop: GET {} returned the same page as the request before it", shown);
    }

    if (response.status == 204) return true;  // No Content: nothing (more) to read

    // Read the page.
    PageResult result;
    std::string& body = response.body;
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (body[first] != '{' && body[first] != '[')) {
      const std::string type = response.content_type.empty() ? "no content type" : response.content_type;
      const std::string cut = http::redact(http::excerpt(body), secrets);
      if (cut.empty()) throw Error(where, "GET {}: response is not JSON ({}, empty body)", shown, type);
      throw Error(where, "GET {}: response is not JSON ({}): {}", shown, type, cut);
    }
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    try {
      od::document doc = take<od::document>(parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity())));
      if (want_token) {
        od::value root = take<od::value>(doc.get_value());
        walk(root, p.token_path, 0, [&](od::value& v) {
          switch (take<od::json_type>(v.type())) {
            case od::json_type::string: result.token = std::string(take<std::string_view>(v.get_string())); break;
            case od::json_type::number: result.token = std::string(trim_right(take<std::string_view>(v.raw_json_token()))); break;
            case od::json_type::null: break;
            default:
              throw Error(where, "GET {}: next_page_token_path matched {}, not a token", shown,
                          kind_name(take<od::json_type>(v.type())));
          }
          return false;
        });
        doc.rewind();
      }
      od::value root = take<od::value>(doc.get_value());
      const bool ends_on_wildcard = !settings_.records_path.empty() &&
                                    settings_.records_path.back().kind == PathStep::Kind::Wildcard;
      auto one_record = [&](od::value& v) {
        const od::json_type t = take<od::json_type>(v.type());
        if (t != od::json_type::object) {
          throw Error(where, "GET {}: records_path matched {}, not a record object", shown, kind_name(t));
        }
        scanner.scan(take<od::object>(v.get_object()));
        ++result.records;
        if (!on_record(scanner)) {
          result.stopped = true;
          return false;
        }
        return true;
      };
      walk(root, settings_.records_path, 0, [&](od::value& v) {
        const od::json_type t = take<od::json_type>(v.type());
        if (t == od::json_type::null) return true;
        // "$.results" names the array of records itself.
        if (t == od::json_type::array && !ends_on_wildcard) {
          for (auto item : take<od::array>(v.get_array())) {
            od::value record = take<od::value>(std::move(item));
            if (!one_record(record)) return false;
          }
          return true;
        }
        return one_record(v);
      });
    } catch (const simdjson::simdjson_error& e) {
      throw Error(where, "GET {}: invalid JSON in response: {}", shown, singer::describe_json_error(e.error()));
    }

    previous_body = std::move(response.body);
    if (result.stopped) return false;
    if (result.records == 0) return true;  // an empty page ends every style
    switch (p.style) {
      case PagingStyle::None:
        return true;
      case PagingStyle::PageNumber:
      case PagingStyle::Offset:
        if (p.page_size > 0 && result.records < p.page_size) return true;
        ++page;
        offset += result.records;
        break;
      case PagingStyle::Cursor:
        if (!result.token || result.token->empty()) return true;
        if (!seen.insert(*result.token).second) {
          throw Error(where, "pagination loop: next page token '{}' from GET {} was already used",
                      http::redact(*result.token, secrets), shown);
        }
        token = result.token;
        break;
      case PagingStyle::NextUrl:
      case PagingStyle::LinkHeader: {
        std::optional<std::string> next = result.token;
        if (p.style == PagingStyle::LinkHeader) {
          const auto link = response.header("Link");
          next = link ? http::link_next(*link) : std::nullopt;
        }
        if (!next || next->empty()) return true;
        const std::string resolved = http::resolve_url(response.url.empty() ? url : response.url, *next);
        if (!seen.insert(resolved).second) {
          throw Error(where, "pagination loop: next page URL {} from GET {} was already fetched",
                      http::redact_url(resolved, secrets), shown);
        }
        next_url = resolved;
        break;
      }
    }
  }
}

bool RestStream::for_each_context(const std::vector<std::string>& fields,
                                  const std::function<bool(const Context&)>& fn) const {
  auto over_records = [&](const Context& mine) {
    return fetch(mine, nullptr, &fields, [&](RecordScanner& record) {
      for (const std::string& f : fields) {
        bool found = false;
        for (const auto& [k, v] : record.picked) found = found || (k == f && !v.is_null());
        if (!found) {
          throw Error(Location{"", 0, settings_.name},
                      "a record has no value for '{}', which a child stream's path needs", f);
        }
      }
      return fn(record.picked);
    });
  };
  if (!parent_) return over_records({});
  return parent_->for_each_context(settings_.placeholders, over_records);
}

Json RestStream::infer_schema() const {
  struct Observed {
    std::string name;
    unsigned mask = 0;
    bool all_date_time = true;
  };
  std::vector<Observed> observed;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> index;
  std::int64_t seen = 0;
  const std::int64_t want = settings_.num_inference_records;
  auto observe = [&](RecordScanner& record) {
    for (const auto& f : record.fields) {
      auto it = index.find(f.key);
      if (it == index.end()) {
        it = index.emplace(std::string(f.key), observed.size()).first;
        observed.push_back(Observed{std::string(f.key)});
      }
      Observed& o = observed[it->second];
      o.mask |= f.kind;
      if (f.kind == kString && !f.date_time()) o.all_date_time = false;
    }
    return ++seen < want;
  };
  if (parent_) {
    parent_->for_each_context(settings_.placeholders,
                              [&](const Context& context) { return fetch(context, nullptr, nullptr, observe); });
  } else {
    fetch({}, nullptr, nullptr, observe);
  }
  Json properties = Json::object();
  if (parent_) {
    const Json parent_schema = parent_->schema();
    const Json* parent_properties = parent_schema.find("properties");
    for (const std::string& field : settings_.placeholders) {
      const Json* p = parent_properties ? parent_properties->find(field) : nullptr;
      properties.set(parent_->name() + "_" + field, p ? *p : Json::object());
    }
  }
  for (const Observed& o : observed) properties.set(o.name, property_for(o.mask, o.all_date_time));
  // Keys the sample did not show still have to be properties for the catalog.
  std::vector<std::string> keys = settings_.primary_keys;
  if (settings_.replication_key) keys.push_back(*settings_.replication_key);
  for (const std::string& k : keys) {
    if (!properties.find(k)) properties.set(k, property_for(kString | kNull, false));
  }
  singer::log::info("stream '{}': schema inferred from {}", settings_.name, singer::log::counted(seen, "record"));
  Json schema = Json::object();
  schema.set("type", "object");
  schema.set("properties", std::move(properties));
  return schema;
}

void RestStream::sync(singer::SyncContext& ctx) {
  struct FieldState {
    bool selected;
    unsigned mask;
    bool date_time;   // the schema asks for date-time strings
    std::string key_json;  // "name": as it goes into a RECORD
  };
  std::unordered_map<std::string, FieldState, StringHash, std::equal_to<>> state;
  auto field_state = [&](std::string_view key) -> FieldState& {
    auto it = state.find(key);
    if (it != state.end()) return it->second;
    FieldState s{ctx.field_selected(key), 0, false, {}};
    const Json* properties = ctx.schema().find("properties");
    if (const Json* p = properties ? properties->find(key) : nullptr) s.mask = admitted(*p, s.date_time);
    singer::append_json_string(s.key_json, key);
    s.key_json.push_back(':');
    return state.emplace(std::string(key), std::move(s)).first->second;
  };
  // Records of one API mostly share their field order: the state of field i of the last
  // record is tried first, before a hash lookup (node addresses are stable).
  std::vector<std::pair<std::string, FieldState*>> layout;
  std::vector<FieldState*> states;
  auto states_of = [&](const RecordScanner& record) {
    states.resize(record.fields.size());
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
      const std::string_view k = record.fields[i].key;
      if (i < layout.size() && layout[i].first == k) {
        states[i] = layout[i].second;
        continue;
      }
      FieldState* fs = &field_state(k);
      if (i < layout.size()) layout[i] = {std::string(k), fs};
      else layout.emplace_back(std::string(k), fs);
      states[i] = fs;
    }
  };

  // The bookmark, or start_date, for the request and the client-side filter.
  std::optional<Json> start;
  if (ctx.replication_key()) {
    if (const Json* b = ctx.start_bookmark()) start = *b;
    else if (settings_.start_date) start = *settings_.start_date;
  }
  const std::string* key = ctx.replication_key() ? &*ctx.replication_key() : nullptr;
  std::int64_t skipped = 0;

  auto write = [&](RecordScanner& record, const Context& context) {
    if (key && start) {
      if (record.replication_value && !record.replication_value->is_null() &&
          singer::compare_replication_values(*record.replication_value, *start) < 0) {
        ++skipped;
        return true;
      }
    }
    // One pass over the fields before the record begins: each field's state, a wider
    // SCHEMA first for a value the announced schema does not admit, and the room the
    // record takes.
    states_of(record);
    std::size_t room = 1;
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
      const auto& f = record.fields[i];
      FieldState& s = *states[i];
      if (!s.selected) continue;
      room += 1 + s.key_json.size() + record.text(f).size();
      if ((s.mask & f.kind) != 0 && !(f.kind == kString && s.date_time && !f.date_time())) continue;
      const Json* properties = ctx.schema().find("properties");
      const Json* current = properties ? properties->find(f.key) : nullptr;
      Json wider = widened(current, f.kind, f.date_time());
      singer::log::info("stream '{}': field '{}' {}; sending a wider SCHEMA", settings_.name, f.key,
                        current ? "has a value of a new type" : "is new");
      s.mask = admitted(wider, s.date_time);
      ctx.widen(f.key, std::move(wider));
    }
    // The object goes straight into the output buffer, from the fields' JSON text, sized
    // once: one resize per record rather than three appends per field.
    std::string& object = ctx.begin_record().out();
    const std::size_t open = object.size();
    object.resize(open + room);
    char* p = object.data() + open;
    *p++ = '{';
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
      const FieldState& s = *states[i];
      if (!s.selected) continue;
      if (p != object.data() + open + 1) *p++ = ',';
      std::memcpy(p, s.key_json.data(), s.key_json.size());
      p += s.key_json.size();
      const std::string_view value = record.text(record.fields[i]);
      std::memcpy(p, value.data(), value.size());
      p += value.size();
    }
    object.resize(static_cast<std::size_t>(p - object.data()));
    if (parent_) {
      for (const auto& [field, value] : context) {
        const FieldState& s = field_state(parent_->name() + "_" + field);
        if (!s.selected) continue;
        if (object.size() > open + 1) object.push_back(',');
        object += s.key_json;
        object += value.dump();
      }
    }
    object.push_back('}');
    ctx.end_record();
    if (key && record.replication_value) ctx.observe_replication_value(*record.replication_value);
    return true;
  };

  const Json* start_ptr = start ? &*start : nullptr;
  if (parent_) {
    parent_->for_each_context(settings_.placeholders, [&](const Context& context) {
      return fetch(context, start_ptr, nullptr, [&](RecordScanner& r) { return write(r, context); });
    });
  } else {
    fetch({}, start_ptr, nullptr, [&](RecordScanner& r) { return write(r, {}); });
  }
  if (skipped > 0) {
    singer::log::info("stream '{}': {} older than the bookmark skipped", settings_.name,
                      singer::log::counted(skipped, "record"));
  }
}

std::vector<std::unique_ptr<singer::Stream>> make_streams(const Json& config) {
  RestConfig rc = read_config(config);
  http::Options options = rc.http;
  options.secrets = config_secrets(rc.auth);
  // Credentials passed the legacy way, in headers or params, are secrets too.
  for (const StreamSettings& s : rc.streams) {
    for (const auto* pairs : {&s.headers, &s.params}) {
      for (const auto& [name, value] : *pairs) {
        const std::string n = lower(name);
        for (std::string_view word : {"auth", "token", "key", "secret", "passw", "signature"}) {
          if (n.find(word) != std::string::npos && !value.empty()) {
            options.secrets.push_back(value);
            // "Bearer abc": the credential alone may show up elsewhere.
            if (auto sp = value.rfind(' '); sp != std::string::npos && sp + 1 < value.size()) {
              options.secrets.push_back(value.substr(sp + 1));
            }
            break;
          }
        }
      }
    }
  }
  auto session = std::make_shared<Session>(Session{rc.api_url, http::Client(std::move(options)), Auth(rc.auth)});
  std::vector<std::unique_ptr<singer::Stream>> out;
  std::vector<RestStream*> raw;
  for (StreamSettings& s : rc.streams) {
    auto stream = std::make_unique<RestStream>(std::move(s), session);
    raw.push_back(stream.get());
    out.push_back(std::move(stream));
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string& parent = config.find("streams")->items()[i].find("parent")
                                    ? config.find("streams")->items()[i].find("parent")->as_string()
                                    : std::string();
    for (RestStream* candidate : raw) {
      if (!parent.empty() && candidate->name() == parent) raw[i]->set_parent(candidate);
    }
  }
  return out;
}

}  // namespace tap_rest
