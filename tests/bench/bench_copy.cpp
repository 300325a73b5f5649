// bench-copy: the raw-copy limit target-jsonl is measured against. Per line: one
// simdjson On-Demand pass that reads "type" and "stream" and copies the RECORD's own
// bytes (raw_json) into OUTPUT, written out before each STATE, fsynced once at the end.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "line_source.hpp"

namespace {

constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

void write_all(int fd, std::string& buf) {
  const char* p = buf.data();
  std::size_t left = buf.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("write failed: ") + std::strerror(errno));
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  buf.clear();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench-copy OUTPUT < singer-stream\n");
    return 2;
  }
  try {
    int fd = ::open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(std::string(argv[1]) + ": " + std::strerror(errno));
    LineSource source(STDIN_FILENO);
    simdjson::ondemand::parser parser;
    std::string out;
    out.reserve(kFlushBytes + (std::size_t{1} << 16));
    std::string_view line;
    std::uint64_t records = 0;
    while (source.next(line)) {
      if (line.empty()) continue;
      auto doc = parser.iterate(line.data(), line.size(), source.capacity_from(line.data()));
      std::string_view type = doc.find_field_unordered("type").get_string();
      if (type == "RECORD") {
        // Every target must at least route the record by its stream.
        std::string_view stream = doc.find_field_unordered("stream").get_string();
        if (stream.empty()) throw std::runtime_error("RECORD with an empty stream");
        simdjson::ondemand::object record = doc.find_field_unordered("record").get_object();
        std::string_view raw = record.raw_json();
        out.append(raw);
        out.push_back('\n');
        ++records;
        if (out.size() >= kFlushBytes) write_all(fd, out);
      } else if (type == "STATE") {
        write_all(fd, out);
      }
    }
    write_all(fd, out);
    // The least a target that keeps the durability promise can do: one fsync before its
    // last STATE. Without it the limit would leave all the disk work to the page cache.
    if (::fsync(fd) != 0) throw std::runtime_error(std::string("fsync failed: ") + std::strerror(errno));
    if (::close(fd) != 0) throw std::runtime_error(std::string("close failed: ") + std::strerror(errno));
    std::printf("%llu\n", static_cast<unsigned long long>(records));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-copy: error: %s\n", e.what());
    return 1;
  }
}
