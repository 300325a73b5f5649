// singer::http: the libcurl easy handle behind Client, the retry loop around it, and
// the helpers every API tap needs (redaction, Retry-After, Link, query strings).
#include "singer/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "singer/log.hpp"

namespace singer::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool looks_secret(std::string_view name) {
  const std::string n = lower(name);
  if (n == "sig" || n == "code") return true;
  for (std::string_view word : {"token", "secret", "passw", "key", "signature", "auth", "credential"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

// libcurl wants curl_global_init once, before any handle, from one thread.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<Response*>(user)->body.append(data, size * count);
  return size * count;
}

// Each response of a redirect chain starts with a status line: keep the last one's headers.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    // Room for the whole body at once (and for a JSON parser's padding), not a chain
    // of reallocations; a compressed body may still grow past it.
    if (lower(name) == "content-length" && value.size() < 11) {
      const unsigned long long length = std::strtoull(value.c_str(), nullptr, 10);
      if (length < (1ULL << 31)) response->body.reserve(static_cast<std::size_t>(length) + 64);
    }
    response->headers.emplace_back(std::move(name), std::move(value));
  }
  return size * count;
}

// Network failures worth another attempt; TLS verification and bad URLs are not.
bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
      return true;
    default:
      return false;
  }
}

std::string seconds_text(double s) {
  if (s == std::floor(s) && s < 1e9) return fmt::format("{}s", static_cast<long long>(s));
  return fmt::format("{:g}s", s);
}

}  // namespace

std::optional<std::string> Response::header(std::string_view name) const {
  const std::string want = lower(name);
  for (const auto& [key, value] : headers) {
    if (lower(key) == want) return value;
  }
  return std::nullopt;
}

struct Client::Impl {
  Options options;
  std::unique_ptr<CURL, CurlDeleter> handle;
  std::mt19937_64 random{std::random_device{}()};
  std::chrono::steady_clock::time_point next_allowed{};
  std::int64_t attempts = 0;

  struct Attempt {
    CURLcode code = CURLE_OK;
    Response response;
  };

  void throttle() {
    if (options.max_requests_per_second <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (next_allowed > now) std::this_thread::sleep_for(next_allowed - now);
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / options.max_requests_per_second));
    next_allowed = std::max(next_allowed, now) + interval;
  }

  Attempt perform(const Request& request, double timeout_seconds) {
    CURL* h = handle.get();
    // Reset keeps the connection cache: the next request reuses the connection.
    curl_easy_reset(h);
    Attempt a;
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, options.max_redirects);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
    const long timeout_ms = std::max(1L, static_cast<long>(std::ceil(timeout_seconds * 1000)));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.response);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.response);
    std::unique_ptr<curl_slist, SlistDeleter> list;
    for (const auto& [name, value] : request.headers) {
      const std::string line = name + ": " + value;
      curl_slist* grown = curl_slist_append(list.get(), line.c_str());
      if (!grown) throw std::bad_alloc();
      (void)list.release();
      list.reset(grown);
    }
    if (list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    }
    a.code = curl_easy_perform(h);
    ++attempts;
    if (a.code == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.response.status);
      const char* url = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url) a.response.url = url;
      const char* type = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type) a.response.content_type = type;
    }
    // The handle must not keep pointers into this frame.
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    return a;
  }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  // Durations become integer clock ticks: keep them far from overflow (about 115 days).
  Options& o = impl_->options;
  for (double* seconds : {&o.timeout_seconds, &o.deadline_seconds, &o.backoff_initial_seconds,
                          &o.backoff_max_seconds, &o.retry_after_max_seconds}) {
    *seconds = std::clamp(*seconds, 0.0, 1e7);
  }
  impl_->handle.reset(curl_easy_init());
  if (!impl_->handle) throw Error(Location{}, "cannot initialise libcurl");
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const Options& Client::options() const noexcept { return impl_->options; }
std::int64_t Client::attempts() const noexcept { return impl_->attempts; }

void Client::add_secret(std::string value) {
  if (!value.empty()) impl_->options.secrets.push_back(std::move(value));
}

Response Client::send(const Request& request, const Location& where) {
  Impl& impl = *impl_;
  const Options& o = impl.options;
  const std::string shown = redact_url(request.url, o.secrets);
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration_cast<clock::duration>(
                                           std::chrono::duration<double>(o.deadline_seconds));
  std::string last_problem;  // what the server said before the deadline cut an attempt short
  for (int retry = 0;; ++retry) {
    impl.throttle();
    const double remaining = std::chrono::duration<double>(deadline - clock::now()).count();
    const double timeout = std::min(o.timeout_seconds, std::max(remaining, 0.001));
    Impl::Attempt a = impl.perform(request, timeout);

    std::string problem;
    std::optional<double> retry_after;
    if (a.code != CURLE_OK) {
      if (a.code == CURLE_OPERATION_TIMEDOUT) {
        if (timeout < o.timeout_seconds) {
          // The deadline, not the server, ended this attempt: report what the server last said.
          throw Error(where, "{} {}: {} (deadline of {} reached after {})", request.method, shown,
                      last_problem.empty() ? std::string("no response") : last_problem,
                      seconds_text(o.deadline_seconds), log::counted(retry + 1, "attempt"));
        }
        problem = "no response within " + seconds_text(o.timeout_seconds);
      } else {
        problem = curl_easy_strerror(a.code);
        if (!problem.empty()) problem[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(problem[0])));
      }
      if (!retryable(a.code)) throw Error(where, "{} {}: {}", request.method, shown, problem);
    } else if (a.response.status == 429 || a.response.status >= 500) {
      problem = fmt::format("HTTP {}", a.response.status);
      if (auto value = a.response.header("Retry-After")) retry_after = parse_retry_after(*value);
    } else if (a.response.status >= 400) {
      const std::string body = redact(excerpt(a.response.body), o.secrets);
      if (body.empty()) throw Error(where, "{} {}: HTTP {}", request.method, shown, a.response.status);
      throw Error(where, "{} {}: HTTP {}: {}", request.method, shown, a.response.status, body);
    } else {
      return std::move(a.response);
    }

    if (retry >= o.max_retries) {
      const std::string body = redact(excerpt(a.response.body), o.secrets);
      throw Error(where, "{} {}: {} (gave up after {}){}{}", request.method, shown, problem,
                  log::counted(retry + 1, "attempt"), body.empty() ? "" : ": ", body);
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double wait = backoff_seconds(retry + 1, o.backoff_initial_seconds, o.backoff_max_seconds, unit(impl.random));
    if (retry_after) {
      if (*retry_after > o.retry_after_max_seconds) {
        throw Error(where, "{} {}: {} with Retry-After {}, more than retry_after_max_seconds ({})",
                    request.method, shown, problem, seconds_text(*retry_after),
                    seconds_text(o.retry_after_max_seconds));
      }
      wait = *retry_after;
    }
    last_problem = problem;
    const double left = std::chrono::duration<double>(deadline - clock::now()).count();
    if (wait >= left) {
      throw Error(where, "{} {}: {} (deadline of {} reached after {})", request.method, shown, problem,
                  seconds_text(o.deadline_seconds), log::counted(retry + 1, "attempt"));
    }
    log::warning("{} {}: {}; retry {} of {} in {:.1f}s", request.method, shown, problem, retry + 1,
                 o.max_retries, wait);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::string> forms;
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    forms.push_back(s);
    std::string encoded = url_encode(s);
    if (encoded != s) forms.push_back(std::move(encoded));
  }
  // Longest first: a secret that contains another is hidden whole.
  std::sort(forms.begin(), forms.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::string out(text);
  for (const std::string& f : forms) {
    for (std::size_t at = out.find(f); at != std::string::npos; at = out.find(f, at + 3)) {
      out.replace(at, f.size(), "***");
    }
  }
  return out;
}

std::string redact_url(std::string_view url, const std::vector<std::string>& secrets) {
  std::string out(url);
  const std::size_t scheme = out.find("://");
  const std::size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
  std::size_t authority_end = out.find_first_of("/?#", authority);
  if (authority_end == std::string::npos) authority_end = out.size();
  const std::size_t at = out.rfind('@', authority_end - 1);
  if (scheme != std::string::npos && at != std::string::npos && at >= authority) {
    const std::size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
      authority_end -= at - colon - 1 - 3;
    }
  }
  std::size_t query = out.find('?', authority_end);
  if (query != std::string::npos) {
    std::size_t end = out.find('#', query);
    if (end == std::string::npos) end = out.size();
    std::size_t pos = query + 1;
    while (pos < end) {
      std::size_t amp = out.find('&', pos);
      if (amp == std::string::npos || amp > end) amp = end;
      const std::size_t eq = out.find('=', pos);
      if (eq != std::string::npos && eq < amp && eq + 1 < amp && looks_secret(out.substr(pos, eq - pos))) {
        const std::size_t removed = amp - eq - 1;
        out.replace(eq + 1, removed, "***");
        end = end - removed + 3;
        amp = eq + 4;
      }
      pos = amp + 1;
    }
  }
  return redact(out, secrets);
}

std::string excerpt(std::string_view body, std::size_t max_bytes) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (c < 0x20 || c == 0x7f) continue;
    if (space) out.push_back(' ');
    space = false;
    if (out.size() >= max_bytes) {
      // Cut on a UTF-8 boundary.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      return out + "...";
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::optional<double> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return 1e9;
    return static_cast<double>(std::stoll(std::string(value)));
  }
  std::tm tm{};
  const std::string text(value);
  // IMF-fixdate, then the two obsolete forms RFC 9110 still asks recipients to accept.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    tm = std::tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end && *end == '\0') {
      const std::time_t when = timegm(&tm);
      const double secs = std::difftime(when, std::chrono::system_clock::to_time_t(now));
      return std::max(0.0, secs);
    }
  }
  return std::nullopt;
}

double backoff_seconds(int retry, double initial, double max, double unit) {
  double d = initial * std::pow(2.0, std::max(0, retry - 1));
  d = std::min(d, max);
  return d * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0));
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string with_query(std::string_view url, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(url);
  if (params.empty()) return out;
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  if (sep == '&' && (out.back() == '?' || out.back() == '&')) sep = '\0';
  for (const auto& [name, value] : params) {
    if (sep) out.push_back(sep);
    sep = '&';
    out += url_encode(name);
    out.push_back('=');
    out += url_encode(value);
  }
  return out;
}

std::optional<std::string> link_next(std::string_view header) {
  std::size_t pos = 0;
  while ((pos = header.find('<', pos)) != std::string_view::npos) {
    const std::size_t close = header.find('>', pos);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(pos + 1, close - pos - 1);
    std::size_t next = header.find('<', close);
    std::string params = lower(header.substr(close + 1, next == std::string_view::npos ? std::string_view::npos : next - close - 1));
    for (std::size_t rel = params.find("rel"); rel != std::string::npos; rel = params.find("rel", rel + 3)) {
      std::size_t eq = params.find('=', rel);
      if (eq == std::string::npos) break;
      std::string_view rest = trim(std::string_view(params).substr(eq + 1));
      std::string_view value;
      if (!rest.empty() && rest.front() == '"') {
        value = rest.substr(1, rest.find('"', 1) - 1);
      } else {
        value = rest.substr(0, rest.find_first_of(";, "));
      }
      // rel may hold several space-separated types: rel="next last"
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t sp = value.find(' ', start);
        if (value.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start) == "next") {
          return std::string(trim(target));
        }
        if (sp == std::string_view::npos) break;
        start = sp + 1;
      }
    }
    if (next == std::string_view::npos) break;
    pos = next;
  }
  return std::nullopt;
}

std::string resolve_url(std::string_view base, std::string_view ref) {
  if (ref.find("://") != std::string_view::npos) return std::string(ref);
  const std::size_t scheme = base.find("://");
  const std::size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  std::size_t path = base.find_first_of("/?#", authority);
  if (path == std::string_view::npos) path = base.size();
  if (ref.starts_with("//")) return std::string(base.substr(0, scheme == std::string_view::npos ? 0 : scheme + 1)) + std::string(ref);
  if (ref.starts_with("/")) return std::string(base.substr(0, path)) + std::string(ref);
  std::size_t query = base.find_first_of("?#", path);
  if (query == std::string_view::npos) query = base.size();
  if (ref.starts_with("?")) return std::string(base.substr(0, query)) + std::string(ref);
  const std::size_t slash = base.rfind('/', query == 0 ? 0 : query - 1);
  if (slash == std::string_view::npos || slash < path) return std::string(base.substr(0, path)) + "/" + std::string(ref);
  return std::string(base.substr(0, slash + 1)) + std::string(ref);
}

}  // namespace singer::http
