// Auth: request decoration and the OAuth2 token lifecycle.
#include "auth.hpp"

#include <algorithm>

#include "singer/error.hpp"
#include "singer/json.hpp"
#include "singer/log.hpp"

namespace tap_rest {

namespace http = singer::http;

std::string basic_authorization(std::string_view user, std::string_view password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = std::string(user) + ":" + std::string(password);
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

void Auth::apply(http::Headers& headers, Params& params, http::Client& client) {
  const std::string& m = settings_.method;
  if (m == "bearer_token") {
    headers.emplace_back("Authorization", "Bearer " + settings_.bearer_token);
  } else if (m == "basic") {
    headers.emplace_back("Authorization", basic_authorization(settings_.username, settings_.password));
  } else if (m == "api_key") {
    for (const auto& kv : settings_.api_keys) {
      if (settings_.api_keys_in_params) params.push_back(kv);
      else headers.push_back(kv);
    }
  } else if (m == "oauth") {
    if (access_token_.empty() || std::chrono::steady_clock::now() >= refresh_at_) fetch_token(client);
    headers.emplace_back("Authorization", "Bearer " + access_token_);
  }
}

void Auth::fetch_token(http::Client& client) {
  Params form{{"grant_type", settings_.grant_type}};
  if (settings_.grant_type == "refresh_token") form.emplace_back("refresh_token", settings_.refresh_token);
  if (!settings_.client_id.empty()) form.emplace_back("client_id", settings_.client_id);
  if (!settings_.client_secret.empty()) form.emplace_back("client_secret", settings_.client_secret);
  if (!settings_.scope.empty()) form.emplace_back("scope", settings_.scope);
  for (const auto& kv : settings_.oauth_extras) form.push_back(kv);
  std::string body = http::with_query("", form).substr(1);  // "a=1&b=2" without the '?'

  const singer::Location where{};
  const std::string shown = http::redact_url(settings_.access_token_url, client.options().secrets);
  http::Response r = client.send(
      http::Request{"POST", settings_.access_token_url,
                    {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
                    std::move(body)},
      where);
  singer::Json token;
  try {
    token = singer::Json::parse(r.body);
  } catch (const singer::Error&) {
    throw singer::Error(where, "POST {}: token response is not JSON: {}", shown,
                        http::redact(http::excerpt(r.body), client.options().secrets));
  }
  const singer::Json* access = token.find("access_token");
  if (!access || !access->is_string() || access->as_string().empty()) {
    throw singer::Error(where, "POST {}: token response has no access_token", shown);
  }
  access_token_ = access->as_string();
  client.add_secret(access_token_);
  if (const singer::Json* refresh = token.find("refresh_token"); refresh && refresh->is_string()) {
    // Rotating refresh tokens: the next refresh must use the new one.
    settings_.refresh_token = refresh->as_string();
    client.add_secret(settings_.refresh_token);
  }
  double lifetime = 3600;
  if (const singer::Json* e = token.find("expires_in"); e && e->is_number()) lifetime = e->as_double();
  else if (settings_.oauth_expiration_secs) lifetime = static_cast<double>(*settings_.oauth_expiration_secs);
  // Refresh ahead of expiry: a minute early, or at half the lifetime for short tokens.
  const double early = std::min(60.0, lifetime / 2);
  refresh_at_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(std::max(0.0, lifetime - early)));
  singer::log::info("oauth: access token fetched, valid for {:.0f}s", lifetime);
}

}  // namespace tap_rest
