// singer::http against an in-process cpp-httplib server on 127.0.0.1 (a port the kernel
// picks), started and stopped by each test; backoff in milliseconds so tests stay fast.
#include "singer/http.hpp"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <catch2/catch.hpp>
#include <thread>

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;
using namespace singer;

namespace {

class TestServer {
 public:
  TestServer() {
    port_ = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TestServer() {
    server.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  httplib::Server server;

 private:
  int port_ = 0;
  std::thread thread_;
};

http::Options fast() {
  http::Options o;
  o.backoff_initial_seconds = 0.001;
  o.backoff_max_seconds = 0.01;
  o.max_retries = 3;
  o.timeout_seconds = 5;
  o.deadline_seconds = 10;
  return o;
}

}  // namespace

TEST_CASE("client returns the body and headers of a 200", "[http]") {
  TestServer s;
  s.server.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Thing", "1");
    res.set_content("{\"a\": 1}", "application/json");
  });
  http::Client client(fast());
  auto r = client.get(s.url("/ok"));
  CHECK(r.status == 200);
  CHECK(r.body == "{\"a\": 1}");
  CHECK(r.header("x-thing") == std::optional<std::string>("1"));
  CHECK_THAT(r.content_type, Contains("application/json"));
}

TEST_CASE("client retries a 503 and then succeeds", "[http]") {
  TestServer s;
  std::atomic<int> calls{0};
  s.server.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ < 2) {
      res.status = 503;
      return;
    }
    res.set_content("ok", "text/plain");
  });
  http::Client client(fast());
  auto r = client.get(s.url("/flaky"));
  CHECK(r.body == "ok");
  CHECK(calls == 3);
  CHECK(client.attempts() == 3);
}

TEST_CASE("client gives up after max_retries with the last status", "[http]") {
  TestServer s;
  s.server.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  http::Client client(fast());
  CHECK_THROWS_WITH(client.get(s.url("/down")),
                    Equals("GET " + s.url("/down") + ": HTTP 500 (gave up after 4 attempts)"));
}

TEST_CASE("client honours Retry-After seconds on 429", "[http]") {
  TestServer s;
  std::atomic<int> calls{0};
  s.server.Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  http::Client client(fast());
  const auto start = std::chrono::steady_clock::now();
  auto r = client.get(s.url("/limited"));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.body == "ok");
  CHECK(waited >= 0.9);
}

TEST_CASE("client stops when Retry-After is more than the limit", "[http]") {
  TestServer s;
  s.server.Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "3600");
  });
  http::Options o = fast();
  o.retry_after_max_seconds = 60;
  http::Client client(o);
  CHECK_THROWS_WITH(client.get(s.url("/limited")),
                    Equals("GET " + s.url("/limited") +
                           ": HTTP 429 with Retry-After 3600s, more than retry_after_max_seconds (60s)"));
}

TEST_CASE("client reports a 4xx with the status and an excerpt of the body, secrets hidden", "[http]") {
  TestServer s;
  s.server.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("{\"error\":   \"no such thing\",\n \"echo\": \"s3cr3t\"}", "application/json");
  });
  http::Options o = fast();
  o.secrets = {"s3cr3t"};
  http::Client client(o);
  CHECK_THROWS_WITH(client.get(s.url("/missing?api_key=s3cr3t&page=2")),
                    Equals("GET " + s.url("/missing?api_key=***&page=2") +
                           ": HTTP 404: {\"error\": \"no such thing\", \"echo\": \"***\"}"));
}

TEST_CASE("client times out a slow response and retries it", "[http]") {
  TestServer s;
  std::atomic<int> calls{0};
  s.server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(4000));
    res.set_content("late but fine", "text/plain");
  });
  http::Options o = fast();
  o.timeout_seconds = 1.5;  // the second attempt has 1.5 s to answer, even on a loaded machine
  http::Client client(o);
  CHECK(client.get(s.url("/slow")).body == "late but fine");
  CHECK(client.attempts() == 2);
}

TEST_CASE("client names the timeout when every attempt is too slow", "[http]") {
  TestServer s;
  s.server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    res.set_content("late", "text/plain");
  });
  http::Options o = fast();
  o.timeout_seconds = 0.1;
  o.max_retries = 1;
  http::Client client(o);
  CHECK_THROWS_WITH(client.get(s.url("/slow")),
                    Equals("GET " + s.url("/slow") + ": no response within 0.1s (gave up after 2 attempts)"));
}

TEST_CASE("client stops at the request deadline", "[http]") {
  TestServer s;
  s.server.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  http::Options o = fast();
  o.max_retries = 100;
  o.backoff_initial_seconds = 0.4;
  o.backoff_max_seconds = 0.4;
  o.deadline_seconds = 1.0;
  http::Client client(o);
  CHECK_THROWS_WITH(client.get(s.url("/down")), Contains(": HTTP 503 (deadline of 1s reached after"));
}

TEST_CASE("client reports what the server last said when the deadline cuts an attempt short", "[http]") {
  TestServer s;
  std::atomic<int> calls{0};
  s.server.Get("/down-then-slow", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 503;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  http::Options o = fast();
  o.timeout_seconds = 30;
  o.max_retries = 5;
  o.backoff_initial_seconds = 0.05;
  o.backoff_max_seconds = 0.05;
  o.deadline_seconds = 0.6;
  http::Client client(o);
  // 2 attempts, unless a loaded machine took the whole deadline for the first and its backoff.
  CHECK_THROWS_WITH(client.get(s.url("/down-then-slow")),
                    StartsWith("GET " + s.url("/down-then-slow") + ": HTTP 503 (deadline of 0.6s reached after "));
}

TEST_CASE("client names the deadline when the only attempt outlives it", "[http]") {
  TestServer s;
  s.server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  http::Options o = fast();
  o.timeout_seconds = 30;
  o.deadline_seconds = 0.3;
  http::Client client(o);
  CHECK_THROWS_WITH(client.get(s.url("/slow")),
                    Equals("GET " + s.url("/slow") + ": no response (deadline of 0.3s reached after 1 attempt)"));
}

TEST_CASE("client reports a refused connection after retrying it", "[http]") {
  int port = 0;
  {
    TestServer s;  // a port that was just free: nothing listens there any more
    port = std::stoi(s.url("").substr(std::string("http://127.0.0.1:").size()));
  }
  http::Options o = fast();
  o.max_retries = 1;
  http::Client client(o);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  CHECK_THROWS_WITH(client.get(url), Equals("GET " + url + ": couldn't connect to server (gave up after 2 attempts)"));
}

TEST_CASE("client accepts gzip and decodes it", "[http]") {
  TestServer s;
  std::string accepted;
  s.server.Get("/big", [&](const httplib::Request& req, httplib::Response& res) {
    accepted = req.get_header_value("Accept-Encoding");
    res.set_content(std::string(10000, 'a'), "application/json");
  });
  http::Client client(fast());
  auto r = client.get(s.url("/big"), {{"Accept-Encoding", "gzip"}});
  CHECK(accepted == "gzip");
  CHECK(r.header("Content-Encoding") == std::optional<std::string>("gzip"));
  CHECK(r.body == std::string(10000, 'a'));
  // Without the override libcurl offers every encoding it decodes, gzip among them.
  client.get(s.url("/big"));
  CHECK_THAT(accepted, Contains("gzip"));
}

TEST_CASE("client follows a redirect and reports the final URL", "[http]") {
  TestServer s;
  s.server.Get("/old", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect("/new"); });
  s.server.Get("/new", [](const httplib::Request&, httplib::Response& res) { res.set_content("moved", "text/plain"); });
  http::Client client(fast());
  auto r = client.get(s.url("/old"));
  CHECK(r.body == "moved");
  CHECK(r.url == s.url("/new"));
}

TEST_CASE("client reuses its connection", "[http]") {
  TestServer s;
  std::set<int> ports;
  std::mutex m;
  s.server.Get("/x", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(m);
    ports.insert(req.remote_port);
    res.set_content("x", "text/plain");
  });
  http::Client client(fast());
  for (int i = 0; i < 3; ++i) client.get(s.url("/x"));
  CHECK(ports.size() == 1);
}

TEST_CASE("client sends POST bodies and headers", "[http]") {
  TestServer s;
  std::string body, auth;
  s.server.Post("/token", [&](const httplib::Request& req, httplib::Response& res) {
    body = req.body;
    auth = req.get_header_value("Authorization");
    res.set_content("{}", "application/json");
  });
  http::Client client(fast());
  client.send(http::Request{"POST", s.url("/token"), {{"Authorization", "Basic abc"}}, "grant_type=x"});
  CHECK(body == "grant_type=x");
  CHECK(auth == "Basic abc");
}

TEST_CASE("max_requests_per_second spaces requests out", "[http]") {
  TestServer s;
  s.server.Get("/x", [](const httplib::Request&, httplib::Response& res) { res.set_content("x", "text/plain"); });
  http::Options o = fast();
  o.max_requests_per_second = 20;
  http::Client client(o);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) client.get(s.url("/x"));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= 0.19);
}

TEST_CASE("Retry-After reads delta seconds and HTTP dates", "[http]") {
  using namespace std::chrono;
  const auto now = system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(http::parse_retry_after("120", now) == std::optional<double>(120));
  CHECK(http::parse_retry_after(" 0 ", now) == std::optional<double>(0));
  CHECK(http::parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now) == std::optional<double>(30));
  CHECK(http::parse_retry_after("Sunday, 06-Nov-94 08:50:07 GMT", now) == std::optional<double>(30));
  CHECK(http::parse_retry_after("Sun Nov  6 08:50:07 1994", now) == std::optional<double>(30));
  CHECK(http::parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == std::optional<double>(0));
  CHECK_FALSE(http::parse_retry_after("soon", now));
  CHECK_FALSE(http::parse_retry_after("-5", now));
}

TEST_CASE("backoff doubles per retry, is capped, and is jittered into [half, full]", "[http]") {
  CHECK(http::backoff_seconds(1, 1, 60, 1.0) == 1);
  CHECK(http::backoff_seconds(3, 1, 60, 1.0) == 4);
  CHECK(http::backoff_seconds(3, 1, 60, 0.0) == 2);
  CHECK(http::backoff_seconds(10, 1, 60, 1.0) == 60);
  CHECK(http::backoff_seconds(10, 1, 60, 0.0) == 30);
}

TEST_CASE("redact hides secrets and their URL-encoded forms", "[http]") {
  CHECK(http::redact("token a/b+c in a%2Fb%2Bc", {"a/b+c"}) == "token *** in ***");
  CHECK(http::redact("abcdef and abc", {"abc", "abcdef"}) == "*** and ***");
  CHECK(http::redact("nothing here", {""}) == "nothing here");
}

TEST_CASE("redact_url hides passwords and secret-looking query values", "[http]") {
  CHECK(http::redact_url("https://user:pw@host/x?a=1", {}) == "https://user:***@host/x?a=1");
  CHECK(http::redact_url("https://host/x?access_token=abc&page=2&apiKey=z#f", {}) ==
        "https://host/x?access_token=***&page=2&apiKey=***#f");
  CHECK(http::redact_url("https://host/p/SECRETVALUE/x", {"SECRETVALUE"}) == "https://host/p/***/x");
  CHECK(http::redact_url("https://host/x?page=", {}) == "https://host/x?page=");
}

TEST_CASE("excerpt keeps one short line", "[http]") {
  CHECK(http::excerpt("<html>\n  <body>Bad\tGateway</body>\n</html>\n") == "<html> <body>Bad Gateway</body> </html>");
  CHECK(http::excerpt(std::string(300, 'a'), 10) == "aaaaaaaaaa...");
  CHECK(http::excerpt("") == "");
}

TEST_CASE("link_next finds rel=next in a Link header", "[http]") {
  CHECK(http::link_next("<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\"") ==
        std::optional<std::string>("https://api.github.com/x?page=2"));
  CHECK(http::link_next("<https://a/1>; rel=\"prev\", <https://a/3>; rel=\"next last\"") ==
        std::optional<std::string>("https://a/3"));
  CHECK(http::link_next("<https://a/1>; rel=next") == std::optional<std::string>("https://a/1"));
  CHECK_FALSE(http::link_next("<https://a/1>; rel=\"last\""));
  CHECK_FALSE(http::link_next(""));
}

TEST_CASE("with_query and url_encode build query strings", "[http]") {
  CHECK(http::with_query("http://h/x", {{"a", "1"}, {"b c", "d&e"}}) == "http://h/x?a=1&b%20c=d%26e");
  CHECK(http::with_query("http://h/x?z=0", {{"a", "2024-01-01T00:00:00+02:00"}}) ==
        "http://h/x?z=0&a=2024-01-01T00%3A00%3A00%2B02%3A00");
  CHECK(http::with_query("http://h/x", {}) == "http://h/x");
}

TEST_CASE("resolve_url resolves next links against the request URL", "[http]") {
  CHECK(http::resolve_url("http://h:1/api/users?page=1", "https://o/x") == "https://o/x");
  CHECK(http::resolve_url("http://h:1/api/users?page=1", "/api/users?page=2") == "http://h:1/api/users?page=2");
  CHECK(http::resolve_url("http://h:1/api/users?page=1", "?page=2") == "http://h:1/api/users?page=2");
  CHECK(http::resolve_url("http://h:1/api/users?page=1", "orders") == "http://h:1/api/orders");
  CHECK(http::resolve_url("http://h:1", "x") == "http://h:1/x");
}
