// tap-rest's config as typed settings: the HTTP client options, the auth settings and
// one StreamSettings per streams[] entry with the top-level defaults applied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json_path.hpp"
#include "singer/http.hpp"
#include "singer/json.hpp"

namespace tap_rest {

enum class PagingStyle { None, PageNumber, Offset, Cursor, NextUrl, LinkHeader };

struct Paging {
  PagingStyle style = PagingStyle::None;
  std::string next_param;    // page, offset or cursor parameter
  std::string limit_param;   // carries page_size; empty: not sent
  std::int64_t page_size = 0;  // 0: unknown
  std::int64_t first_page = 1;
  std::vector<PathStep> token_path;
  std::int64_t max_pages = 0;  // 0: no limit
};

using Params = std::vector<std::pair<std::string, std::string>>;

struct StreamSettings {
  std::string name;
  std::string path;
  std::string parent;
  std::vector<std::string> placeholders;  // {field} names in path, in order
  Params params;
  singer::http::Headers headers;
  std::vector<PathStep> records_path;
  std::vector<std::string> primary_keys;
  std::optional<std::string> replication_key;
  bool records_sorted = false;
  std::optional<singer::Json> schema;
  std::int64_t num_inference_records = 50;
  std::optional<singer::Json> start_date;
  std::string search_parameter, search_prefix;
  Paging paging;
};

struct AuthSettings {
  std::string method = "no_auth";
  std::string bearer_token, username, password;
  Params api_keys;
  bool api_keys_in_params = false;
  std::string client_id, client_secret, refresh_token, grant_type = "client_credentials", scope,
      access_token_url;
  Params oauth_extras;
  std::optional<std::int64_t> oauth_expiration_secs;
};

struct RestConfig {
  std::string api_url;
  singer::http::Options http;
  AuthSettings auth;
  std::vector<StreamSettings> streams;
};

// Reads a config already validated against schemas/config/tap-rest.json. Throws
// UsageError for what the schema cannot say (a child whose parent is missing, a path
// placeholder without a parent, an unreadable schema file, a bad JSONPath).
RestConfig read_config(const singer::Json& config);

// Every secret value of the config (tokens, passwords, client secrets, API keys).
std::vector<std::string> config_secrets(const AuthSettings& auth);

}  // namespace tap_rest
