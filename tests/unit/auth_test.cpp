// tap-rest's request authentication.
#include "auth.hpp"

#include <catch2/catch.hpp>

TEST_CASE("basic authorization is base64 of user:password with padding", "[auth]") {
  CHECK(tap_rest::basic_authorization("ann", "p$ss") == "Basic YW5uOnAkc3M=");
  CHECK(tap_rest::basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(tap_rest::basic_authorization("a", "") == "Basic YTo=");
  CHECK(tap_rest::basic_authorization("ab", "c") == "Basic YWI6Yw==");
}

TEST_CASE("api keys go to headers or query parameters as configured", "[auth]") {
  tap_rest::AuthSettings s;
  s.method = "api_key";
  s.api_keys = {{"X-API-KEY", "k"}};
  singer::http::Client client;
  {
    tap_rest::Auth auth(s);
    singer::http::Headers headers;
    tap_rest::Params params;
    auth.apply(headers, params, client);
    CHECK(headers == singer::http::Headers{{"X-API-KEY", "k"}});
    CHECK(params.empty());
  }
  s.api_keys_in_params = true;
  tap_rest::Auth auth(s);
  singer::http::Headers headers;
  tap_rest::Params params;
  auth.apply(headers, params, client);
  CHECK(headers.empty());
  CHECK(params == tap_rest::Params{{"X-API-KEY", "k"}});
}

TEST_CASE("bearer tokens go to the Authorization header", "[auth]") {
  tap_rest::AuthSettings s;
  s.method = "bearer_token";
  s.bearer_token = "t0k";
  tap_rest::Auth auth(s);
  singer::http::Client client;
  singer::http::Headers headers;
  tap_rest::Params params;
  auth.apply(headers, params, client);
  CHECK(headers == singer::http::Headers{{"Authorization", "Bearer t0k"}});
}
