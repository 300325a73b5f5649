// METRIC lines and record counts. Parsing is tolerant on purpose: a line that is not a
// well-formed record_count counter is just a log line.
#include "child_output.hpp"

#include <fmt/format.h>

#include "singer/json.hpp"

namespace singer_run {

std::optional<RecordCountMetric> parse_record_count(std::string_view line) {
  size_t at = line.find("METRIC:");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + 7);
  if (rest.find("record_count") == std::string_view::npos) return std::nullopt;
  try {
    singer::Json metric = singer::Json::parse(rest);
    const singer::Json* type = metric.find("type");
    const singer::Json* name = metric.find("metric");
    const singer::Json* value = metric.find("value");
    if (!type || !type->is_string() || type->as_string() != "counter") return std::nullopt;
    if (!name || !name->is_string() || name->as_string() != "record_count") return std::nullopt;
    if (!value || !value->as_int()) return std::nullopt;
    RecordCountMetric out;
    out.value = *value->as_int();
    if (const singer::Json* tags = metric.find("tags")) {
      const singer::Json* stream = tags->is_object() ? tags->find("stream") : nullptr;
      if (stream && stream->is_string()) out.stream = stream->as_string();
    }
    return out;
  } catch (const singer::Error&) {
    return std::nullopt;
  }
}

void RecordCounts::add(const RecordCountMetric& m) {
  total_ += m.value;
  for (auto& [stream, count] : streams_) {
    if (stream == m.stream) {
      count += m.value;
      return;
    }
  }
  streams_.emplace_back(m.stream, m.value);
}

std::string RecordCounts::to_string() const {
  std::string out;
  for (const auto& [stream, count] : streams_) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}: {}", stream.empty() ? "(no stream)" : stream, count);
  }
  return out;
}

}  // namespace singer_run
