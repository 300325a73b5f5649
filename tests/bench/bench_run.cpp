// bench-run: runs one command and reports its wall time (monotonic clock) and peak RSS.
// The RSS comes from wait4(), which covers the command and every descendant it waited
// for: for `sh -c 'a | b'` it is the largest of a and b, not their sum.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string_view>

namespace {

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int usage() {
  std::fprintf(stderr,
               "usage: bench-run [-o RESULT] -- COMMAND [ARGS...]\n"
               "Writes \"<wall seconds> <peak RSS KiB>\" to RESULT (default stderr) and\n"
               "exits with the command's status (128+N when killed by signal N).\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* result_path = nullptr;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "-o" && i + 1 < argc) {
      result_path = argv[++i];
    } else {
      return usage();
    }
  }
  if (i >= argc) return usage();

  double start = now_seconds();
  pid_t pid = fork();
  if (pid < 0) {
    std::fprintf(stderr, "bench-run: fork failed: %s\n", std::strerror(errno));
    return 1;
  }
  if (pid == 0) {
    execvp(argv[i], argv + i);
    std::fprintf(stderr, "bench-run: %s: %s\n", argv[i], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  rusage usage_info{};
  while (wait4(pid, &status, 0, &usage_info) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "bench-run: wait failed: %s\n", std::strerror(errno));
      return 1;
    }
  }
  double seconds = now_seconds() - start;

  FILE* out = stderr;
  if (result_path && !(out = std::fopen(result_path, "w"))) {
    std::fprintf(stderr, "bench-run: %s: %s\n", result_path, std::strerror(errno));
    return 1;
  }
  std::fprintf(out, "%.6f %ld\n", seconds, usage_info.ru_maxrss);
  if (out != stderr) std::fclose(out);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
