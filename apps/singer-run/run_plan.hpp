// What one run will do, settled before anything starts: the flags merged over the
// pipeline file, both commands split and found, every path checked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "duration.hpp"

namespace singer_run {

// The command line as main.cpp parsed it.
struct Options {
  std::vector<std::string> commands;  // PIPELINE_FILE, or TAP TARGET
  std::optional<std::string> state;
  std::optional<std::string> catalog;
  std::optional<std::string> log_runs;
  std::optional<std::string> timeout;
  std::optional<std::string> grace;
  bool full_refresh = false;
  bool wait = false;
};

struct ChildCommand {
  std::string role;               // "tap" or "target"
  std::vector<std::string> argv;  // as the user wrote it (singer-run appends --state later)
  std::string path;               // the file execv() runs
  std::string name;               // "tap-csv": prefixes its log lines
  // "tap 'tap-csv'", as messages name it.
  std::string label() const;
};

inline constexpr Millis kDefaultGrace{10'000};

struct RunPlan {
  std::string pipeline_file;  // empty in the two-command form
  std::string workdir;        // the children's working directory; empty = ours
  ChildCommand tap;
  ChildCommand target;
  std::string state_path;     // for our own reads and writes (relative to our cwd)
  std::string state_arg;      // what the tap gets after --state (valid in workdir)
  std::optional<std::string> catalog_arg;
  std::optional<std::string> log_runs;
  std::optional<Millis> timeout;
  Millis grace = kDefaultGrace;
  bool full_refresh = false;
  bool wait = false;
  bool progress = false;      // stderr is a terminal
};

// Throws UsageError for anything that would make the run fail before it starts.
RunPlan make_plan(const Options& options);

}  // namespace singer_run
