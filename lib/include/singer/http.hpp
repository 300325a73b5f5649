// HTTP for API taps: one RAII libcurl handle per Client (connections reused, gzip
// accepted, TLS verified, proxy environment variables honoured), retries with
// exponential backoff and jitter, Retry-After, a deadline per request, a request-rate
// throttle, and redaction of secrets in everything it reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "singer/error.hpp"

namespace singer::http {

struct Options {
  double timeout_seconds = 300;        // one attempt, connect to last byte
  double deadline_seconds = 900;       // all attempts and waits of one request together
  int max_retries = 5;                 // attempts after the first
  double backoff_initial_seconds = 1;  // the first wait; doubles per retry, with jitter
  double backoff_max_seconds = 60;     // no single wait is longer
  // A Retry-After asking for more than this stops the request instead of waiting.
  double retry_after_max_seconds = 300;
  double max_requests_per_second = 0;  // 0: no throttle
  std::string user_agent = "singer-cpp";
  std::string ca_file;                 // empty: the system's CA store
  long max_redirects = 10;
  // Values never shown in an error or log line (tokens, passwords, API keys); their
  // URL-encoded forms are hidden too.
  std::vector<std::string> secrets;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;  // sent when not empty (POST)
};

struct Response {
  long status = 0;
  std::string body;
  Headers headers;          // of the last response after redirects, names as sent
  std::string url;          // the effective URL after redirects
  std::string content_type;
  // The first header of that name (case-insensitive), or nothing.
  std::optional<std::string> header(std::string_view name) const;
};

class Client {
 public:
  explicit Client(Options options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request, retrying network errors, timeouts, 429 and 5xx. Returns a 2xx
  // (or 3xx that was not followed) response. Throws Error(where, ...) naming the
  // method, the redacted URL, the status and a short excerpt of the body for any other
  // status, and when the retries or the deadline run out.
  Response send(const Request& request, const Location& where = {});
  Response get(const std::string& url, const Headers& headers = {}, const Location& where = {}) {
    return send(Request{"GET", url, headers, {}}, where);
  }

  // Adds a value to hide (e.g. an OAuth access token fetched at run time).
  void add_secret(std::string value);
  const Options& options() const noexcept;
  // Requests sent, attempts included.
  std::int64_t attempts() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// text with every secret (and its URL-encoded form) replaced by "***".
std::string redact(std::string_view text, const std::vector<std::string>& secrets);
// A URL fit for a message: the password of user:password@ and the values of query
// parameters whose names look secret (token, key, secret, password, signature, ...)
// become "***", then redact(secrets).
std::string redact_url(std::string_view url, const std::vector<std::string>& secrets);
// At most max_bytes of a body on one line: whitespace runs become one space, control
// bytes are dropped, "..." marks a cut.
std::string excerpt(std::string_view body, std::size_t max_bytes = 200);

// Seconds to wait from a Retry-After value: delta-seconds or an HTTP-date (RFC 9110),
// relative to now; nothing when the value is neither.
std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now =
                                            std::chrono::system_clock::now());
// The wait before retry number `retry` (1-based): initial * 2^(retry-1), capped at max,
// then scaled by a jitter factor in [0.5, 1] (unit in [0, 1)).
double backoff_seconds(int retry, double initial, double max, double unit);

// Percent-encoding of a query component (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);
// url plus "?a=1&b=2" (or "&..." when url already has a query), names and values encoded.
std::string with_query(std::string_view url, const std::vector<std::pair<std::string, std::string>>& params);
// The target of rel="next" in an RFC 8288 Link header, or nothing.
std::optional<std::string> link_next(std::string_view link_header);
// ref resolved against base: absolute URLs as they are, "/x" against base's origin,
// "?q" against base's path, anything else against base's directory.
std::string resolve_url(std::string_view base, std::string_view ref);

}  // namespace singer::http
