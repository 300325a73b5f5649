// Reading tap-rest's config: stream entries override the top-level defaults; params and
// headers merge (stream over top level), as tap-rest-api-msdk does.
#include "rest_config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "singer/error.hpp"

namespace tap_rest {

using singer::Json;
using singer::Location;
using singer::UsageError;

namespace {

// The stream's value of a per-stream setting, else the top level's.
const Json* setting(const Json& stream, const Json& config, std::string_view key) {
  if (const Json* v = stream.find(key)) return v;
  return config.find(key);
}

std::string text(const Json& v) { return v.is_string() ? v.as_string() : v.dump(); }

// Query parameters and headers are strings on the wire: numbers and booleans as their
// JSON text, so {"per_page": 100} works.
void merge_pairs(std::vector<std::pair<std::string, std::string>>& out, const Json* object) {
  if (!object || !object->is_object()) return;
  for (std::size_t i = 0; i < object->size(); ++i) {
    const std::string& key = object->key(i);
    const std::string value = text(object->items()[i]);
    bool replaced = false;
    for (auto& [k, v] : out) {
      if (k == key) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) out.emplace_back(key, value);
  }
}

std::vector<std::string> strings(const Json* array) {
  std::vector<std::string> out;
  if (array && array->is_array()) {
    for (const Json& v : array->items()) out.push_back(v.as_string());
  }
  return out;
}

PagingStyle paging_style(const std::string& s) {
  if (s == "page_number") return PagingStyle::PageNumber;
  if (s == "offset") return PagingStyle::Offset;
  if (s == "cursor") return PagingStyle::Cursor;
  if (s == "next_url") return PagingStyle::NextUrl;
  if (s == "link_header") return PagingStyle::LinkHeader;
  return PagingStyle::None;
}

Json load_schema(const Json& value, const std::string& at) {
  if (value.is_object()) return value;
  const std::string& path = value.as_string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(Location{}, "{}.schema: cannot read schema file '{}'", at, path);
  std::ostringstream s;
  s << in.rdbuf();
  Json schema;
  try {
    schema = Json::parse(s.str(), Location{path});
  } catch (const singer::Error& e) {
    throw UsageError(e.location(), "{}", e.detail());
  }
  if (!schema.is_object()) throw UsageError(Location{path}, "schema is not a JSON object");
  return schema;
}

std::vector<std::string> placeholders_of(const std::string& path, const std::string& at) {
  std::vector<std::string> out;
  for (std::size_t open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
    const std::size_t close = path.find('}', open);
    if (close == std::string::npos || close == open + 1) {
      throw UsageError(Location{}, "{}.path: unclosed or empty {{}} placeholder in '{}'", at, path);
    }
    out.push_back(path.substr(open + 1, close - open - 1));
  }
  return out;
}

}  // namespace

RestConfig read_config(const Json& config) {
  RestConfig out;
  out.api_url = config.find("api_url")->as_string();
  while (!out.api_url.empty() && out.api_url.back() == '/') out.api_url.pop_back();

  auto number = [&](std::string_view key, double fallback) {
    const Json* v = config.find(key);
    return v && v->is_number() ? v->as_double() : fallback;
  };
  singer::http::Options& h = out.http;
  h.timeout_seconds = number("request_timeout", 300);
  h.deadline_seconds = number("request_deadline", 900);
  h.max_retries = static_cast<int>(number("max_retries", 5));
  h.backoff_initial_seconds = number("backoff_initial_seconds", 1);
  h.backoff_max_seconds = number("backoff_max_seconds", 60);
  h.retry_after_max_seconds = number("retry_after_max_seconds", 300);
  h.max_requests_per_second = number("max_requests_per_second", 0);
  if (const Json* v = config.find("user_agent")) h.user_agent = v->as_string();
  else h.user_agent = "tap-rest (singer-cpp)";
  if (const Json* v = config.find("ca_file")) h.ca_file = v->as_string();

  AuthSettings& a = out.auth;
  auto str = [&](std::string_view key, std::string& into) {
    if (const Json* v = config.find(key)) into = v->as_string();
  };
  str("auth_method", a.method);
  str("bearer_token", a.bearer_token);
  str("username", a.username);
  str("password", a.password);
  merge_pairs(a.api_keys, config.find("api_keys"));
  if (const Json* v = config.find("api_keys_location")) a.api_keys_in_params = v->as_string() == "params";
  str("client_id", a.client_id);
  str("client_secret", a.client_secret);
  str("refresh_token", a.refresh_token);
  str("grant_type", a.grant_type);
  str("scope", a.scope);
  str("access_token_url", a.access_token_url);
  merge_pairs(a.oauth_extras, config.find("oauth_extras"));
  if (const Json* v = config.find("oauth_expiration_secs")) a.oauth_expiration_secs = v->as_int();
  auto need = [&](const std::string& value, std::string_view key) {
    if (value.empty()) throw UsageError(Location{}, "auth_method '{}' needs '{}'", a.method, key);
  };
  if (a.method == "bearer_token") need(a.bearer_token, "bearer_token");
  if (a.method == "basic") need(a.username, "username");
  if (a.method == "api_key" && a.api_keys.empty()) need("", "api_keys");
  if (a.method == "oauth") {
    need(a.access_token_url, "access_token_url");
    if (a.grant_type == "refresh_token") need(a.refresh_token, "refresh_token");
    else need(a.client_id, "client_id");
  }

  const Json& streams = *config.find("streams");
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const Json& s = streams.items()[i];
    const std::string at = fmt::format("streams[{}]", i);
    StreamSettings st;
    st.name = s.find("name")->as_string();
    for (const StreamSettings& other : out.streams) {
      if (other.name == st.name) throw UsageError(Location{}, "{}.name: stream '{}' is defined twice", at, st.name);
    }
    if (const Json* v = s.find("path")) st.path = v->as_string();
    if (const Json* v = s.find("parent")) st.parent = v->as_string();
    st.placeholders = placeholders_of(st.path, at);
    if (!st.placeholders.empty() && st.parent.empty()) {
      throw UsageError(Location{}, "{}.path: placeholder '{{{}}}' needs a 'parent' stream to fill it", at,
                       st.placeholders.front());
    }
    merge_pairs(st.params, config.find("params"));
    merge_pairs(st.params, s.find("params"));
    merge_pairs(st.headers, config.find("headers"));
    merge_pairs(st.headers, s.find("headers"));
    const Json* rp = setting(s, config, "records_path");
    st.records_path = parse_json_path(rp ? rp->as_string() : "$[*]", s.find("records_path") ? at + ".records_path" : "records_path");
    st.primary_keys = strings(setting(s, config, "primary_keys"));
    if (const Json* v = setting(s, config, "replication_key")) st.replication_key = v->as_string();
    if (const Json* v = setting(s, config, "records_sorted")) st.records_sorted = v->as_bool();
    if (const Json* v = s.find("schema")) st.schema = load_schema(*v, at);
    if (const Json* v = setting(s, config, "num_inference_records")) st.num_inference_records = v->as_int().value_or(50);
    if (const Json* v = setting(s, config, "start_date")) st.start_date = *v;
    if (const Json* v = setting(s, config, "search_parameter")) st.search_parameter = v->as_string();
    if (const Json* v = setting(s, config, "search_prefix")) st.search_prefix = v->as_string();

    Paging& p = st.paging;
    if (const Json* v = setting(s, config, "pagination_style")) p.style = paging_style(v->as_string());
    switch (p.style) {
      case PagingStyle::PageNumber: p.next_param = "page"; break;
      case PagingStyle::Offset: p.next_param = "offset"; p.limit_param = "limit"; break;
      case PagingStyle::Cursor: p.next_param = "cursor"; break;
      default: break;
    }
    if (const Json* v = setting(s, config, "pagination_next_page_param")) p.next_param = v->as_string();
    if (const Json* v = setting(s, config, "pagination_limit_per_page_param")) p.limit_param = v->as_string();
    if (const Json* v = setting(s, config, "pagination_page_size")) p.page_size = v->as_int().value_or(0);
    if (p.page_size == 0 || p.style == PagingStyle::None) p.limit_param.clear();
    if (const Json* v = setting(s, config, "pagination_first_page")) p.first_page = v->as_int().value_or(1);
    if (const Json* v = setting(s, config, "max_pages")) p.max_pages = v->as_int().value_or(0);
    if (p.style == PagingStyle::Cursor || p.style == PagingStyle::NextUrl) {
      const Json* tp = setting(s, config, "next_page_token_path");
      p.token_path = parse_json_path(tp ? tp->as_string() : "$.next_page", "next_page_token_path");
    }
    out.streams.push_back(std::move(st));
  }
  // Parents must exist, and a chain of parents must end.
  for (std::size_t i = 0; i < out.streams.size(); ++i) {
    std::string current = out.streams[i].parent;
    for (std::size_t hops = 0; !current.empty(); ++hops) {
      const StreamSettings* parent = nullptr;
      for (const StreamSettings& other : out.streams) {
        if (other.name == current) parent = &other;
      }
      if (!parent) {
        throw UsageError(Location{}, "streams[{}].parent: no stream is named '{}'", i, current);
      }
      if (hops > out.streams.size()) {
        throw UsageError(Location{}, "streams[{}].parent: the parents of stream '{}' form a cycle", i,
                         out.streams[i].name);
      }
      current = parent->parent;
    }
  }
  return out;
}

std::vector<std::string> config_secrets(const AuthSettings& auth) {
  std::vector<std::string> out{auth.bearer_token, auth.password, auth.client_secret, auth.refresh_token,
                               auth.client_id};
  for (const auto& [name, value] : auth.api_keys) out.push_back(value);
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  return out;
}

}  // namespace tap_rest
