// Whole small files (config, state, catalog) read into a string; private to lib/src.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

namespace singer::detail {

// Reads a whole file; on failure returns false with errno set.
inline bool read_whole_file(const std::string& path, std::string& out) {
  struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return false;
  char buf[1 << 16];
  for (;;) {
    size_t n = std::fread(buf, 1, sizeof buf, file.get());
    out.append(buf, n);
    if (n < sizeof buf) return !std::ferror(file.get());
  }
}

}  // namespace singer::detail
