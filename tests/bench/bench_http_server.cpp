// bench-http-server: the API both tap-rest and its limit (bench-http) read in `make bench`:
// GET /records?page=N on 127.0.0.1 (a port the kernel picks, written to PORT_FILE) answers
// {"data": [PAGE_SIZE records]} until RECORDS are served, then {"data": []}. One thread,
// keep-alive, identity encoding: the server costs both clients the same.
//
//   bench-http-server PORT_FILE RECORDS PAGE_SIZE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Record i: the mix an API sends (integers, decimals, booleans, null, a date-time,
// an escaped string, an array, an object).
void append_record(std::string& out, long i) {
  char buf[512];
  const int n = std::snprintf(
      buf, sizeof buf,
      "{\"id\":%ld,\"name\":\"user %ld\",\"email\":\"user%ld@example.com\",\"amount\":%ld.%02ld,"
      "\"active\":%s,\"created_at\":\"2024-%02ld-%02ldT%02ld:%02ld:00Z\",\"note\":%s,"
      "\"tags\":[\"t%ld\",\"x\"],\"address\":{\"city\":\"Oslo \\\"%ld\\\"\",\"zip\":\"%04ld\"}}",
      i, i, i, i % 10000, i % 100, (i % 3) ? "true" : "false", 1 + i % 12, 1 + i % 28, i % 24, i % 60,
      (i % 5) ? "null" : "\"n\"", i % 7, i % 1000, i % 10000);
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench-http-server PORT_FILE RECORDS PAGE_SIZE\n");
    return 2;
  }
  const long records = std::atol(argv[2]);
  const long page_size = std::atol(argv[3]);
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(server, 16) != 0 ||
      ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("bench-http-server");
    return 1;
  }
  {
    const std::string tmp = std::string(argv[1]) + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return 1;
    std::fprintf(f, "%d\n", ntohs(addr.sin_port));
    std::fclose(f);
    std::rename(tmp.c_str(), argv[1]);
  }
  std::string request, body, head;
  char buf[65536];
  for (;;) {
    const int client = ::accept(server, nullptr, nullptr);
    if (client < 0) continue;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    request.clear();
    for (;;) {
      const std::size_t end = request.find("\r\n\r\n");
      if (end == std::string::npos) {
        const ssize_t r = ::read(client, buf, sizeof buf);
        if (r <= 0) break;
        request.append(buf, static_cast<std::size_t>(r));
        continue;
      }
      long page = 1;
      if (const std::size_t at = request.find("page="); at != std::string::npos && at < end) {
        page = std::atol(request.c_str() + at + 5);
      }
      request.erase(0, end + 4);
      body = "{\"data\":[";
      const long first = (page - 1) * page_size + 1;
      for (long i = first; i < first + page_size && i <= records; ++i) {
        if (i > first) body.push_back(',');
        append_record(body, i);
      }
      body += "]}";
      head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n";
      if (!write_all(client, head.data(), head.size()) || !write_all(client, body.data(), body.size())) break;
    }
    ::close(client);
  }
}
