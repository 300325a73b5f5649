// Config files merged left to right, the Meltano-SDK-style environment overlay
// (TAP_CSV_DELIMITER), validation against the program's config schema, and defaults.
#include "file_text.hpp"
#include "singer/config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "json_number.hpp"
#include "singer/error.hpp"
#include "singer/log.hpp"
#include "singer/schema.hpp"

namespace singer {

namespace {

constexpr std::string_view kEnvironment = "environment";
constexpr std::string_view kEnvConfig = "ENV";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "delimiter" -> "TAP_CSV_DELIMITER"; anything not alphanumeric becomes '_'.
std::string env_name(std::string_view prefix, std::string_view property) {
  std::string out(prefix);
  for (char c : property) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_');
  }
  return out;
}

// The first non-null type a property schema names ("string" for ["string", "null"]).
std::string declared_type(const Json& property) {
  const Json* type = property.find("type");
  if (!type) return {};
  if (type->is_string()) return type->as_string();
  if (type->is_array()) {
    for (const Json& t : type->items()) {
      if (t.is_string() && t.as_string() != "null") return t.as_string();
    }
  }
  return {};
}

// Turns an environment variable's text into the JSON value its property's type asks for.
Json parse_env_value(const std::string& var, std::string_view text, const Json& property) {
  const std::string type = declared_type(property);
  const Location where{std::string(kEnvironment), 0, {}};
  if (type == "integer" || type == "number") {
    std::string_view t = trim(text);
    bool fraction = false;
    if (!detail::scan_json_number(t, fraction) || (type == "integer" && fraction)) {
      throw UsageError(where, "{}: expected {}", var, type);
    }
    return Json::number_literal(t);
  }
  if (type == "boolean") {
    std::string t = lower(trim(text));
    if (t == "true" || t == "1" || t == "yes") return Json(true);
    if (t == "false" || t == "0" || t == "no") return Json(false);
    throw UsageError(where, "{}: expected boolean (true/false, yes/no, 1/0)", var);
  }
  if (type == "array" || type == "object") {
    Json value;
    try {
      value = Json::parse(text, where);
    } catch (const Error& e) {
      throw UsageError(where, "{}: {}", var, e.detail());
    }
    if ((type == "array" && !value.is_array()) || (type == "object" && !value.is_object())) {
      throw UsageError(where, "{}: expected a JSON {}", var, type);
    }
    return value;
  }
  return Json(std::string(text));
}

// Names that by convention hold credentials; "keys" (key_properties lists) does not.
bool secret_name(std::string_view name) {
  const std::string n = lower(name);
  for (std::string_view word : {"password", "token", "secret"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  for (size_t at = n.find("key"); at != std::string::npos; at = n.find("key", at + 1)) {
    if (at + 3 >= n.size() || n[at + 3] != 's') return true;
  }
  return false;
}

// The names in a validation path: "files[0].path" -> files, path.
std::vector<std::string> path_names(std::string_view path) {
  std::vector<std::string> out;
  std::string current;
  bool in_index = false;
  for (char c : path) {
    if (in_index) {
      in_index = c != ']';
    } else if (c == '.' || c == '[') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      in_index = c == '[';
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// The top-level config key a validation path starts with, or "" for the root.
std::string top_level_key(const Json& config, std::string_view path) {
  std::string best;
  for (const std::string& key : config.keys()) {
    if (key.size() <= best.size() || path.substr(0, key.size()) != key) continue;
    if (path.size() == key.size() || path[key.size()] == '.' || path[key.size()] == '[') {
      best = key;
    }
  }
  return best;
}

// Schema messages that never show the value they judge.
constexpr std::string_view kValueFree[] = {
    "expected ",
    "string shorter",
    "string longer",
    "array has",
    "missing required",
    "unexpected ",
    "does not match any",
    "value matches a schema",
    "value is not allowed",
};
// Phrases that follow a shown value in schema messages; what follows them comes from the
// schema, not the config.
constexpr std::string_view kAfterValue[] = {
    " is not one of the allowed values",
    " is not the allowed value ",
    " is not a valid ",
    " does not match the pattern ",
    " is less than the minimum ",
    " is greater than the maximum ",
    " is not greater than ",
    " is not less than ",
    " is not a multiple of ",
};

// A validation message for a secret (a "secret": true property, or a name like
// password or api_key anywhere on the path) with the value it may show cut out.
std::string redact(const std::string& message, const Json* property, std::string_view path) {
  bool secret = false;
  if (property) {
    const Json* flag = property->find("secret");
    secret = flag && flag->is_bool() && flag->as_bool();
  }
  for (const std::string& name : path_names(path)) secret = secret || secret_name(name);
  if (!secret) return message;
  for (std::string_view prefix : kValueFree) {
    if (message.starts_with(prefix)) return message;
  }
  // The last match: an earlier one could sit inside the shown value itself.
  size_t best = std::string::npos;
  for (std::string_view marker : kAfterValue) {
    size_t at = message.rfind(marker);
    if (at != std::string::npos && (best == std::string::npos || at > best)) best = at;
  }
  if (best == std::string::npos) return "invalid value (secret, not shown)";
  return "value" + message.substr(best);
}

}  // namespace

std::string env_prefix(std::string_view program) { return env_name("", program) + "_"; }

Json load_config(const std::vector<std::string>& paths, std::string_view program,
                 std::string_view schema_text) {
  Json config = Json::object();
  // Which source set each top-level key, so an error can name the file to fix.
  struct Origin {
    std::string source;  // the file, or the environment variable
    bool from_environment = false;
  };
  std::map<std::string, Origin, std::less<>> origin;

  std::string last_file;
  for (const std::string& path : paths) {
    // `--config ENV` (Meltano SDK) asks for settings from the environment, which is
    // read in any case; it names no file.
    if (path == kEnvConfig) continue;
    last_file = path;
    std::string text;
    if (!detail::read_whole_file(path, text)) {
      throw UsageError(Location{path, 0, {}}, "cannot read config file: {}", std::strerror(errno));
    }
    Json file;
    try {
      file = Json::parse(text, Location{path, 0, {}});
    } catch (const Error& e) {
      // Bad config is a usage error (exit 2), whatever the parser's own class.
      throw UsageError(e.location(), "{}", e.detail());
    }
    if (!file.is_object()) throw UsageError(Location{path, 0, {}}, "config is not a JSON object");
    // Later files replace whole top-level values; nested objects are not merged.
    for (size_t i = 0; i < file.size(); ++i) {
      config.set(file.key(i), file.items()[i]);
      origin[file.key(i)] = Origin{path, false};
    }
  }

  if (trim(schema_text).empty()) return config;
  const Json schema_json = Json::parse(schema_text, Location{"<embedded config schema>", 0, {}});
  const Json* properties = schema_json.find("properties");
  if (properties && !properties->is_object()) properties = nullptr;

  if (properties) {
    const std::string prefix = env_prefix(program);
    for (size_t i = 0; i < properties->size(); ++i) {
      const std::string& name = properties->key(i);
      const std::string var = env_name(prefix, name);
      const char* text = std::getenv(var.c_str());
      if (!text) continue;
      config.set(name, parse_env_value(var, text, properties->items()[i]));
      // By name only, never the value: a stale `export` shows up in every run's log.
      if (auto previous = origin.find(name); previous != origin.end()) {
        log::info("setting '{}' taken from the environment ({}), over {}", name, var,
                  previous->second.source);
      } else {
        log::info("setting '{}' taken from the environment ({})", name, var);
      }
      origin[name] = Origin{var, true};
    }
  }

  const Schema schema = Schema::compile(schema_json, Location{"<embedded config schema>", 0, {}});
  if (auto error = schema.validate(config, "key")) {
    const std::string key = top_level_key(config, error->path);
    const Json* property = properties && !key.empty() ? properties->find(key) : nullptr;
    std::string message = redact(error->message, property, error->path);

    Location where{last_file.empty() ? std::string("config") : last_file, 0, {}};
    std::string shown_path = error->path;
    if (auto it = origin.find(key); !key.empty() && it != origin.end()) {
      if (it->second.from_environment) {
        // Name the variable the user has to change, and where inside it.
        where = Location{std::string(kEnvironment), 0, {}};
        shown_path = error->path == key ? it->second.source
                                        : it->second.source + " (" + error->path + ")";
      } else {
        where = Location{it->second.source, 0, {}};
      }
    }
    if (shown_path.empty()) throw UsageError(std::move(where), "{}", message);
    throw UsageError(std::move(where), "{}: {}", shown_path, message);
  }

  // Defaults fill only what no file or variable gave, after validation, so a default
  // never hides a required key that is missing.
  if (properties) {
    for (size_t i = 0; i < properties->size(); ++i) {
      const Json* def = properties->items()[i].find("default");
      if (def && !config.find(properties->key(i))) config.set(properties->key(i), *def);
    }
  }
  return config;
}

}  // namespace singer
