// The pipeline file: one small JSON document naming the tap and target commands, the
// state file and the options of a run, so a crontab line is `singer-run orders.json`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "duration.hpp"

namespace singer_run {

struct PipelineFile {
  std::string path;  // as given on the command line
  std::string dir;   // its directory: the children's working directory; "." if none
  std::vector<std::string> tap;     // argv
  std::vector<std::string> target;  // argv
  // Paths below are already joined with dir when they were relative.
  std::string state;
  std::optional<std::string> catalog;
  std::optional<std::string> log_runs;
  std::optional<Millis> timeout;
  std::optional<Millis> grace;
  bool full_refresh = false;
  bool wait = false;
};

// Reads and checks the file. Keys: tap, target, state (required); catalog, timeout,
// grace, log_runs, full_refresh, wait, description. tap and target are a command
// string or an array of arguments. Throws UsageError naming the file and key.
PipelineFile read_pipeline_file(const std::string& path);

// `relative` joined to `dir` unless it is absolute; "a/./b" tidied to "a/b".
std::string join_path(const std::string& dir, const std::string& relative);

}  // namespace singer_run
