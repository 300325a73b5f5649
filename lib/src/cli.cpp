// run_main() and --about: the one place errors become an stderr line and an exit code.
#include "singer/cli.hpp"

#include <algorithm>
#include <new>

#include "cli_args.hpp"
#include "singer/config.hpp"
#include "singer/error.hpp"
#include "singer/log.hpp"
#include "singer/message_writer.hpp"

namespace singer {

std::string_view version() noexcept { return SINGER_VERSION; }

Json about_json(const ProgramInfo& info) {
  Json out = Json::object();
  out.set("name", info.name);
  out.set("description", info.description);
  out.set("version", std::string(version()));
  out.set("sdk_version", std::string("singer-cpp ") + std::string(version()));
  Json caps = Json::array();
  for (const auto& c : info.capabilities) caps.push_back(c);
  out.set("capabilities", std::move(caps));
  out.set("settings", info.config_schema.empty() ? Json::object()
                                                 : Json::parse(info.config_schema, Location{"<embedded config schema>", 0, ""}));
  return out;
}

std::string about_markdown(const ProgramInfo& info) {
  std::string out = fmt::format("# `{}`\n\n{}\n\nBuilt with singer-cpp {}.\n\n## Capabilities\n\n",
                                info.name, info.description, version());
  for (const auto& c : info.capabilities) out += fmt::format("* `{}`\n", c);
  out += "\n## Settings\n\n| Setting | Required | Type | Default | Description |\n|:--|:--|:--|:--|:--|\n";
  if (!info.config_schema.empty()) {
    Json schema = Json::parse(info.config_schema, Location{"<embedded config schema>", 0, ""});
    std::vector<std::string> required;
    if (const Json* r = schema.find("required")) {
      for (const Json& k : r->items()) required.push_back(k.as_string());
    }
    if (const Json* props = schema.find("properties")) {
      for (size_t i = 0; i < props->size(); ++i) {
        const Json& p = props->items()[i];
        const Json* type = p.find("type");
        const Json* def = p.find("default");
        const Json* desc = p.find("description");
        bool req = std::find(required.begin(), required.end(), props->key(i)) != required.end();
        out += fmt::format("| {} | {} | {} | {} | {} |\n", props->key(i), req ? "True" : "False",
                           type ? (type->is_string() ? type->as_string() : type->dump()) : "",
                           def ? def->dump() : "None", desc ? desc->as_string() : "");
      }
    }
  }
  out += fmt::format("\nEach setting can also be given in the environment as {}<SETTING> "
                     "(upper case), which wins over --config files (`--config ENV`, as for "
                     "Meltano SDK plugins, gives no file); each one used is named on stderr.\n",
                     env_prefix(info.name));
  return out;
}

int run_main(std::string_view program, const std::function<int()>& body) {
  log::set_program(program);
  try {
    return body();
  } catch (const Error& e) {
    log::line("error", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    log::line("error", "out of memory");
    return 1;
  } catch (const std::exception& e) {
    log::line("error", e.what());
    return 1;
  }
}

}  // namespace singer

// ---- the shared command line (cli_args.hpp) --------------------------------------


namespace singer::detail {

void add_common_options(CLI::App& app, CommonArgs& args) {
  app.add_option("--config", args.config,
                 "Config JSON file; repeat to merge several, later files win. Settings can "
                 "also come from the environment, which wins (see --about); --config ENV "
                 "names no file, as for Meltano SDK plugins.")
      ->type_name("FILE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--about", args.about, "Print the program's capabilities and settings, then exit");
  app.add_option("--format", args.format, "Format for --about: json or markdown")
      ->check(CLI::IsMember({"json", "markdown"}));
  app.add_flag("--version", args.version, "Print the version, then exit");
}

bool parse_args(CLI::App& app, int argc, char** argv, int& exit_code) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    exit_code = app.exit(e);
    return false;
  } catch (const CLI::CallForAllHelp& e) {
    exit_code = app.exit(e);
    return false;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (!what.empty() && what.back() == '.') what.pop_back();
    for (auto& c : what) {
      if (c == '\n') c = ' ';
    }
    throw UsageError(Location{}, "{} (see --help)", what);
  }
  return true;
}

bool handle_info_flags(const CommonArgs& args, const ProgramInfo& info) {
  std::string text;
  if (args.version) {
    text = fmt::format("{} {}", info.name, version());
  } else if (args.about) {
    text = args.format == "json" ? about_json(info).dump_pretty() : about_markdown(info);
    if (!text.empty() && text.back() == '\n') text.pop_back();
  } else {
    return false;
  }
  // Asked-for output goes to stdout, so `--about --format json > about.json` works.
  MessageWriter out;
  out.write_line(text);
  out.flush();
  return true;
}

}  // namespace singer::detail
