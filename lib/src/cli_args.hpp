// The command line every tap and target shares (CLI11 stays inside lib/src).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "singer/cli.hpp"

namespace singer::detail {

struct CommonArgs {
  std::vector<std::string> config;
  bool about = false;
  std::string format = "markdown";
  bool version = false;
};

// Adds --config (repeatable), --about, --format, --version to app.
void add_common_options(CLI::App& app, CommonArgs& args);

// Parses; --help prints and returns 0 through `exit_code`. A parse error becomes
// UsageError (exit 2) in the project's one-line form. Returns false when the program
// should stop with exit_code.
bool parse_args(CLI::App& app, int argc, char** argv, int& exit_code);

// Handles --version and --about; returns true when one of them ran.
bool handle_info_flags(const CommonArgs& args, const ProgramInfo& info);

}  // namespace singer::detail
