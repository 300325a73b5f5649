// Turning flags and a pipeline file into a RunPlan. Options on the command line win
// over the file, so `singer-run --full-refresh orders.json` does what it says.
#include "run_plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "command_line.hpp"
#include "pipeline_file.hpp"
#include "singer/error.hpp"
#include "singer/log.hpp"
#include "state_store.hpp"
#include "postgres_state_store.hpp"

namespace singer_run {

using singer::UsageError;

std::string ChildCommand::label() const { return fmt::format("{} '{}'", role, name); }

namespace {

ChildCommand child(std::string role, std::vector<std::string> argv, const std::string& workdir,
                   const std::string& where) {
  ChildCommand c;
  c.role = std::move(role);
  c.argv = std::move(argv);
  c.path = find_program(c.argv[0], workdir, where);
  c.name = program_name(c.argv[0]);
  return c;
}

bool has_flag(const std::vector<std::string>& argv, std::string_view flag) {
  return std::any_of(argv.begin() + 1, argv.end(), [&](const std::string& a) {
    return a == flag || (a.size() > flag.size() && a.compare(0, flag.size(), flag) == 0 &&
                         a[flag.size()] == '=');
  });
}

// Paths we read ourselves stay relative to our cwd; the tap runs in workdir, so it
// gets them absolute.
std::string arg_for_children(const std::string& path, const std::string& workdir) {
  if (workdir.empty()) return path;
  return std::filesystem::absolute(path).lexically_normal().string();
}

}  // namespace

RunPlan make_plan(const Options& options) {
  RunPlan plan;
  std::optional<std::string> catalog = options.catalog;
  std::optional<std::string> timeout_text = options.timeout;
  std::optional<std::string> grace_text = options.grace;

  if (options.commands.size() == 1) {
    PipelineFile file = read_pipeline_file(options.commands[0]);
    plan.pipeline_file = file.path;
    plan.workdir = file.dir;
    plan.tap = child("tap", file.tap, plan.workdir, file.path + ": tap");
    plan.target = child("target", file.target, plan.workdir, file.path + ": target");
    plan.state_path = options.state.value_or(file.state);
    if (!catalog) catalog = file.catalog;
    plan.log_runs = options.log_runs ? options.log_runs : file.log_runs;
    plan.timeout = file.timeout;
    if (file.grace) plan.grace = *file.grace;
    plan.full_refresh = options.full_refresh || file.full_refresh;
    plan.wait = options.wait || file.wait;
  } else if (options.commands.size() == 2) {
    plan.tap = child("tap", split_command(options.commands[0], "tap command"), "", "tap command");
    plan.target = child("target", split_command(options.commands[1], "target command"), "",
                        "target command");
    if (!options.state) {
      throw UsageError({}, "--state is required with TAP TARGET (the file singer-run keeps the "
                       "state in); see --help");
    }
    plan.state_path = *options.state;
    plan.log_runs = options.log_runs;
    plan.full_refresh = options.full_refresh;
    plan.wait = options.wait;
  } else {
    throw UsageError({}, "expected PIPELINE_FILE, or TAP and TARGET commands (each quoted as one "
                     "argument), got {}; see --help",
                     singer::log::counted(static_cast<std::int64_t>(options.commands.size()), "argument"));
  }
  if (timeout_text) plan.timeout = parse_duration(*timeout_text, "--timeout");
  if (grace_text) plan.grace = parse_duration(*grace_text, "--grace");
  if (plan.timeout && plan.timeout->count() == 0) plan.timeout.reset();  // 0 = none, as timeout(1)

  std::string tap_where = plan.pipeline_file.empty() ? "tap command" : plan.pipeline_file + ": tap";
  if (has_flag(plan.tap.argv, "--state")) {
    throw UsageError({tap_where}, "remove '--state': singer-run passes the state file to the tap");
  }
  if (catalog) {
    if (has_flag(plan.tap.argv, "--catalog") || has_flag(plan.tap.argv, "--properties")) {
      throw UsageError({tap_where}, "the catalog is given twice: remove '--catalog' from the "
                       "command or the catalog option");
    }
    if (::access(catalog->c_str(), R_OK) != 0) {
      throw UsageError({*catalog}, "cannot read the catalog: {}", std::strerror(errno));
    }
    plan.catalog_arg = arg_for_children(*catalog, plan.workdir);
  }
  if (is_postgres_uri(plan.state_path)) {
    parse_postgres_location(plan.state_path, /*need_id=*/true);  // a bad URI is a usage error
  } else {
    if (std::filesystem::is_directory(plan.state_path)) {
      throw UsageError({plan.state_path}, "the state file is a directory");
    }
    plan.state_arg = arg_for_children(plan.state_path, plan.workdir);
  }
  plan.progress = ::isatty(2) == 1;
  return plan;
}

}  // namespace singer_run
