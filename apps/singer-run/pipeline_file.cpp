// Reading the pipeline file. Unknown keys are errors: a misspelt "timout" in a cron job
// must not silently run without a timeout.
#include "pipeline_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "command_line.hpp"
#include "singer/json.hpp"
#include "state_store.hpp"

namespace singer_run {

using singer::Json;
using singer::UsageError;

std::string join_path(const std::string& dir, const std::string& relative) {
  std::filesystem::path p(relative);
  if (p.is_relative() && !dir.empty() && dir != ".") p = std::filesystem::path(dir) / p;
  return p.lexically_normal().string();
}

namespace {

std::vector<std::string> command_value(const Json& value, const std::string& file,
                                       const std::string& key) {
  std::string where = fmt::format("{}: {}", file, key);
  if (value.is_string()) return split_command(value.as_string(), where);
  if (value.is_array() && value.size() > 0) {
    std::vector<std::string> argv;
    for (const Json& item : value.items()) {
      if (!item.is_string()) throw UsageError({file}, "'{}': expected only strings in the array", key);
      argv.push_back(item.as_string());
    }
    return argv;
  }
  throw UsageError({file}, "'{}': expected a command string or a non-empty array of arguments", key);
}

const std::string& string_value(const Json& value, const std::string& file, const std::string& key) {
  if (!value.is_string() || value.as_string().empty()) {
    throw UsageError({file}, "'{}': expected a non-empty string", key);
  }
  return value.as_string();
}

Millis duration_value(const Json& value, const std::string& file, const std::string& key) {
  std::string where = fmt::format("{}: {}", file, key);
  if (value.is_number()) return parse_duration(value.number_text(), where);
  if (value.is_string()) return parse_duration(value.as_string(), where);
  throw UsageError({file}, "'{}': expected a duration such as \"30m\"", key);
}

bool bool_value(const Json& value, const std::string& file, const std::string& key) {
  if (!value.is_bool()) throw UsageError({file}, "'{}': expected true or false", key);
  return value.as_bool();
}

}  // namespace

PipelineFile read_pipeline_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError({path}, "cannot read the pipeline file: {}", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();

  Json doc;
  try {
    doc = Json::parse(text.str(), {path});
  } catch (const singer::Error& e) {
    throw UsageError(e.location(), "{}", e.detail());
  }
  if (!doc.is_object()) throw UsageError({path}, "expected a JSON object");

  PipelineFile out;
  out.path = path;
  out.dir = std::filesystem::path(path).parent_path().string();
  if (out.dir.empty()) out.dir = ".";
  bool has_tap = false, has_target = false, has_state = false;
  for (size_t i = 0; i < doc.size(); ++i) {
    const std::string& key = doc.key(i);
    const Json& value = doc.items()[i];
    if (key == "tap") {
      out.tap = command_value(value, path, key);
      has_tap = true;
    } else if (key == "target") {
      out.target = command_value(value, path, key);
      has_target = true;
    } else if (key == "state") {
      const std::string& state = string_value(value, path, key);
      out.state = is_postgres_uri(state) ? state : join_path(out.dir, state);
      has_state = true;
    } else if (key == "catalog") {
      out.catalog = join_path(out.dir, string_value(value, path, key));
    } else if (key == "log_runs") {
      out.log_runs = join_path(out.dir, string_value(value, path, key));
    } else if (key == "timeout") {
      out.timeout = duration_value(value, path, key);
    } else if (key == "grace") {
      out.grace = duration_value(value, path, key);
    } else if (key == "full_refresh") {
      out.full_refresh = bool_value(value, path, key);
    } else if (key == "wait") {
      out.wait = bool_value(value, path, key);
    } else if (key != "description") {
      throw UsageError({path}, "unknown key '{}' (expected tap, target, state, catalog, timeout, "
                       "grace, log_runs, full_refresh, wait, description)", key);
    }
  }
  if (!has_tap) throw UsageError({path}, "missing required key 'tap'");
  if (!has_target) throw UsageError({path}, "missing required key 'target'");
  if (!has_state) throw UsageError({path}, "missing required key 'state'");
  return out;
}

}  // namespace singer_run
