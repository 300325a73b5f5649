// Authentication of tap-rest's requests: bearer token, basic, API keys (headers or query
// parameters) and OAuth2 (client_credentials or refresh_token grant), whose access token
// is fetched before the first request and again before it expires.
#pragma once

#include <chrono>
#include <string>

#include "rest_config.hpp"
#include "singer/http.hpp"

namespace tap_rest {

class Auth {
 public:
  explicit Auth(AuthSettings settings) : settings_(std::move(settings)) {}

  // Adds what the method needs to a request's headers and query parameters; fetches or
  // refreshes an OAuth2 token through client first when needed.
  void apply(singer::http::Headers& headers, Params& params, singer::http::Client& client);

 private:
  void fetch_token(singer::http::Client& client);

  AuthSettings settings_;
  std::string access_token_;
  std::chrono::steady_clock::time_point refresh_at_{};
};

// "Basic " + base64(user:password).
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace tap_rest
