// bench-parse: the parse limit. One simdjson On-Demand pass per line that visits every
// key and value (strings unescaped, numbers converted), the least any validator must do.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "line_source.hpp"

namespace {

namespace od = simdjson::ondemand;

// Returns a checksum of what it saw so the compiler cannot drop any of the work.
std::uint64_t visit(od::value value) {
  std::uint64_t sum = 0;
  switch (value.type()) {
    case od::json_type::object:
      for (auto field : value.get_object()) {
        sum += std::string_view(field.unescaped_key()).size();
        sum += visit(field.value());
      }
      break;
    case od::json_type::array:
      for (auto item : value.get_array()) sum += visit(item.value());
      break;
    case od::json_type::number: {
      od::number n = value.get_number();
      if (n.is_double()) {
        double d = n.get_double();
        std::uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        sum += bits;
      } else {
        sum += n.is_int64() ? static_cast<std::uint64_t>(n.get_int64()) : n.get_uint64();
      }
      break;
    }
    case od::json_type::string:
      sum += std::string_view(value.get_string()).size();
      break;
    case od::json_type::boolean:
      sum += bool(value.get_bool());
      break;
    case od::json_type::null:
      sum += bool(value.is_null());
      break;
  }
  return sum;
}

}  // namespace

int main() {
  try {
    LineSource source(STDIN_FILENO);
    od::parser parser;
    std::string_view line;
    std::uint64_t lines = 0, sum = 0;
    while (source.next(line)) {
      if (line.empty()) continue;
      auto doc = parser.iterate(line.data(), line.size(), source.capacity_from(line.data()));
      for (auto field : doc.get_object()) {
        sum += std::string_view(field.unescaped_key()).size();
        sum += visit(field.value());
      }
      ++lines;
    }
    std::printf("%llu %llx\n", static_cast<unsigned long long>(lines), static_cast<unsigned long long>(sum));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-parse: error: %s\n", e.what());
    return 1;
  }
}
