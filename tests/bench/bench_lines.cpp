// bench-lines: the "cat through a pipe" limit. Reads stdin in 1 MiB blocks, counts
// lines and prints the count; nothing a Singer program does can be faster than this.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

int main() {
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  auto buf = std::make_unique<char[]>(kBlock);
  std::uint64_t lines = 0;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf.get(), kBlock);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "bench-lines: read failed: %s\n", std::strerror(errno));
      return 1;
    }
    if (n == 0) break;
    const char* p = buf.get();
    const char* end = p + n;
    while (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
      ++lines;
      p = static_cast<const char*>(nl) + 1;
    }
  }
  std::printf("%llu\n", static_cast<unsigned long long>(lines));
  return 0;
}
