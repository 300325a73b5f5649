// http_fixture: a scripted HTTP server for the `http` tests, on 127.0.0.1 and a port the
// kernel picks, written to --port-file once the server listens.
//
//   http_fixture --routes routes.txt --port-file port [--log requests.log]
//
// routes.txt, one response per line ('#' starts a comment):
//   METHOD TARGET STATUS [option...] [-- BODY]
// TARGET is the request target as sent (path and query); '*' matches any characters.
// Lines with the same METHOD and TARGET answer the 1st, 2nd, ... request; the last one
// repeats. Options (values percent-decoded):
//   body=FILE            body from a file          type=TEXT   Content-Type (default JSON)
//   header=NAME:VALUE    a response header         delay_ms=N  wait before answering
//   require=NAME:VALUE   401 unless the request has that header value
//   records=N            body {"data":[N records]}; record_bytes=M pads each with M chars
// "@HOST@" in bodies and header values becomes 127.0.0.1:PORT. Each request is logged as
// "METHOD TARGET" (and " BODY" for a POST) to --log.
#include <fnmatch.h>
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Reply {
  int status = 200;
  std::string type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> required;
  int delay_ms = 0;
};

struct Route {
  std::string method, target;
  std::vector<Reply> replies;
  std::size_t served = 0;
};

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string generated_records(long n, long pad) {
  std::string out = "{\"data\":[";
  const std::string text(static_cast<std::size_t>(pad), 'x');
  for (long i = 1; i <= n; ++i) {
    if (i > 1) out.push_back(',');
    out += "{\"id\":" + std::to_string(i) + ",\"name\":\"record " + std::to_string(i) + "\"";
    if (pad > 0) out += ",\"text\":\"" + text + "\"";
    out += "}";
  }
  out += "]}";
  return out;
}

std::vector<Route> load_routes(const std::string& path) {
  std::vector<Route> routes;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string body;
    bool has_body = false;
    if (auto sep = line.find(" -- "); sep != std::string::npos) {
      body = line.substr(sep + 4);
      has_body = true;
      line = line.substr(0, sep);
    }
    std::istringstream words(line);
    std::string method, target, status;
    if (!(words >> method >> target >> status)) continue;
    Reply r;
    r.status = std::stoi(status);
    long records = -1, pad = 0;
    std::string word;
    while (words >> word) {
      const auto eq = word.find('=');
      const std::string key = word.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : percent_decode(word.substr(eq + 1));
      const auto colon = value.find(':');
      if (key == "body") {
        body = read_file(value);
        has_body = true;
      } else if (key == "type") {
        r.type = value;
      } else if (key == "header") {
        r.headers.emplace_back(value.substr(0, colon), value.substr(colon + 1));
      } else if (key == "require") {
        r.required.emplace_back(value.substr(0, colon), value.substr(colon + 1));
      } else if (key == "delay_ms") {
        r.delay_ms = std::stoi(value);
      } else if (key == "records") {
        records = std::stol(value);
      } else if (key == "record_bytes") {
        pad = std::stol(value);
      } else {
        throw std::runtime_error("unknown option " + key);
      }
    }
    if (records >= 0) {
      body = generated_records(records, pad);
      has_body = true;
    }
    if (has_body) r.body = body;
    Route* route = nullptr;
    for (auto& existing : routes) {
      if (existing.method == method && existing.target == target) route = &existing;
    }
    if (!route) {
      routes.push_back(Route{method, target, {}, 0});
      route = &routes.back();
    }
    route->replies.push_back(std::move(r));
  }
  return routes;
}

// Shell-style: '*' matches any run of characters ('?' in a query string matches itself).
bool matches(const std::string& pattern, const std::string& target) {
  return pattern == target || fnmatch(pattern.c_str(), target.c_str(), FNM_NOESCAPE) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string routes_path, port_file, log_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--routes") routes_path = argv[i + 1];
    else if (flag == "--port-file") port_file = argv[i + 1];
    else if (flag == "--log") log_path = argv[i + 1];
  }
  if (routes_path.empty() || port_file.empty()) {
    std::cerr << "usage: http_fixture --routes FILE --port-file FILE [--log FILE]\n";
    return 2;
  }
  std::vector<Route> routes;
  try {
    routes = load_routes(routes_path);
  } catch (const std::exception& e) {
    std::cerr << "http_fixture: " << e.what() << "\n";
    return 2;
  }
  std::mutex mutex;
  std::ofstream log;
  if (!log_path.empty()) log.open(log_path, std::ios::app);
  std::string host;

  httplib::Server server;
  auto handle = [&](const httplib::Request& req, httplib::Response& res) {
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (log.is_open()) {
        log << req.method << " " << req.target;
        if (req.method == "POST") log << " " << req.body;
        log << "\n" << std::flush;
      }
      Route* route = nullptr;
      for (auto& r : routes) {
        if (r.method == req.method && matches(r.target, req.target)) {
          route = &r;
          break;
        }
      }
      if (!route) {
        res.status = 404;
        res.set_content("{\"error\": \"no route for " + req.method + " " + req.target + "\"}", "application/json");
        return;
      }
      reply = route->replies[std::min(route->served, route->replies.size() - 1)];
      ++route->served;
    }
    if (reply.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
    for (const auto& [name, value] : reply.required) {
      if (req.get_header_value(name.c_str()) != value) {
        res.status = 401;
        res.set_content("{\"error\": \"unauthorized\"}", "application/json");
        return;
      }
    }
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), replace_all(value, "@HOST@", host));
    if (reply.status == 302 || reply.status == 301) return;
    res.set_content(replace_all(reply.body, "@HOST@", host), reply.type.c_str());
  };
  server.Get(".*", handle);
  server.Post(".*", handle);
  server.set_payload_max_length(1 << 20);

  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "http_fixture: cannot bind to 127.0.0.1\n";
    return 1;
  }
  host = "127.0.0.1:" + std::to_string(port);
  {
    const std::string tmp = port_file + ".tmp";
    std::ofstream out(tmp);
    out << port << "\n";
    out.close();
    std::rename(tmp.c_str(), port_file.c_str());
  }
  server.listen_after_bind();
  return 0;
}
