// bench-http: the limit for tap-rest. Fetches URL?page=1,2,... over one libcurl handle
// (connection reused) until a page has no records, and visits every key and value of
// every record with simdjson On-Demand. No output but the record count.
//
//   bench-http URL
#include <curl/curl.h>
#include <simdjson.h>

#include <cstdio>
#include <string>

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Touches every scalar, as a tap that writes each field must.
std::size_t visit(simdjson::ondemand::value v) {
  std::size_t n = 0;
  switch (v.type()) {
    case simdjson::ondemand::json_type::object:
      for (auto field : v.get_object()) {
        n += field.unescaped_key().value().size();
        n += visit(field.value());
      }
      break;
    case simdjson::ondemand::json_type::array:
      for (auto item : v.get_array()) n += visit(item.value());
      break;
    case simdjson::ondemand::json_type::string: n += std::string_view(v.get_string()).size(); break;
    default: n += v.raw_json_token().size(); break;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench-http URL\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* h = curl_easy_init();
  std::string body;
  simdjson::ondemand::parser parser;
  long records = 0;
  std::size_t bytes = 0;
  for (long page = 1;; ++page) {
    const std::string url = std::string(argv[1]) + "?page=" + std::to_string(page);
    body.clear();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    if (curl_easy_perform(h) != CURLE_OK) {
      std::fprintf(stderr, "bench-http: request failed: %s\n", url.c_str());
      return 1;
    }
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    auto doc = parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
    long on_page = 0;
    for (auto record : doc["data"].get_array()) {
      bytes += visit(record.value());
      ++on_page;
    }
    if (on_page == 0) break;
    records += on_page;
  }
  curl_easy_cleanup(h);
  std::printf("%ld %zu\n", records, bytes);
  return 0;
}
