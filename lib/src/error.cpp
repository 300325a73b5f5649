// Error locations rendered the way every message in the project shows them.
#include "singer/error.hpp"

namespace singer {

std::string Location::to_string() const {
  std::string out = file;
  if (line > 0) {
    if (out.empty()) out = "line";
    out += fmt::format(":{}", line);
  }
  if (!stream.empty()) {
    if (!out.empty()) out += ": ";
    out += fmt::format("stream '{}'", stream);
  }
  return out;
}

static std::string join(const Location& where, const std::string& detail) {
  std::string at = where.to_string();
  return at.empty() ? detail : at + ": " + detail;
}

Error::Error(Location where, std::string detail, int exit_code)
    : std::runtime_error(join(where, detail)),
      where_(std::move(where)),
      detail_(std::move(detail)),
      exit_code_(exit_code == 0 ? 1 : exit_code) {}

}  // namespace singer
