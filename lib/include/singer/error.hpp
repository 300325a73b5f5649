// Errors that stop a program: where it happened (file, line, stream) and what.
// Only run_main() catches them; it prints one line and exits with exit_code().
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace singer {

// Where something went wrong, from the outside in.
struct Location {
  Location() = default;
  Location(std::string file_name, std::int64_t line_number = 0, std::string stream_name = {})
      : file(std::move(file_name)), line(line_number), stream(std::move(stream_name)) {}
  Location(const char* file_name) : file(file_name) {}

  std::string file;       // "<stdin>", "data/users.csv", "tap.json"; empty = none
  std::int64_t line = 0;  // 1-based; 0 = no line
  std::string stream;     // empty = no stream

  // "file:line: stream 'name'" with the absent parts left out; "" when all are absent.
  std::string to_string() const;
};

// A failure in data, source or destination: exit 1.
class Error : public std::runtime_error {
 public:
  template <typename... Args>
  Error(Location where, fmt::format_string<Args...> format, Args&&... args)
      : Error(std::move(where), fmt::format(format, std::forward<Args>(args)...), 0) {}

  const Location& location() const noexcept { return where_; }
  // The "what" part alone, without the location.
  const std::string& detail() const noexcept { return detail_; }
  int exit_code() const noexcept { return exit_code_; }

 protected:
  Error(Location where, std::string detail, int exit_code);

 private:
  Location where_;
  std::string detail_;
  int exit_code_;
};

// A usage or config error, found before any output: exit 2.
class UsageError : public Error {
 public:
  template <typename... Args>
  UsageError(Location where, fmt::format_string<Args...> format, Args&&... args)
      : Error(std::move(where), fmt::format(format, std::forward<Args>(args)...), 2) {}
};

}  // namespace singer
