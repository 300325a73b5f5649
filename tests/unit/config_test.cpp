// Config: files merged left to right, the environment overlay, validation errors that
// name the file and key (and never a secret's value), and schema defaults.
#include "singer/config.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "singer/error.hpp"

using namespace singer;
using Catch::Contains;

namespace {

// The prefix the tests' program name gives: TAP_UNIT_.
constexpr std::string_view kProgram = "tap-unit";

const char* kSchema = R"({
  "type": "object",
  "properties": {
    "files": {"type": "array", "items": {"type": "object",
              "properties": {"path": {"type": "string"}}, "required": ["path"]}},
    "delimiter": {"type": "string", "default": ","},
    "batch_size": {"type": ["integer", "null"]},
    "ratio": {"type": "number"},
    "strict": {"type": "boolean"},
    "options": {"type": "object"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "mode": {"type": "string", "enum": ["fast", "slow"]},
    "api_key": {"type": "string", "enum": ["alpha", "beta"]},
    "auth": {"type": "string", "secret": true, "pattern": "^[a-z]+$"},
    "start-date": {"type": "string", "format": "date-time"}
  },
  "required": ["files"]
})";

// Sets an environment variable for the length of a test.
struct EnvVar {
  std::string name;
  EnvVar(std::string n, const char* value) : name(std::move(n)) {
    ::setenv(name.c_str(), value, 1);
  }
  ~EnvVar() { ::unsetenv(name.c_str()); }
};

std::string usage_error_text(const std::vector<std::string>& paths) {
  try {
    load_config(paths, kProgram, kSchema);
  } catch (const UsageError& e) {
    CHECK(e.exit_code() == 2);
    return e.what();
  }
  FAIL("load_config did not throw a UsageError");
  return {};
}

}  // namespace

TEST_CASE("the environment prefix is the program name in upper case", "[config]") {
  CHECK(env_prefix("tap-csv") == "TAP_CSV_");
  CHECK(env_prefix("target-jsonl") == "TARGET_JSONL_");
  CHECK(env_prefix("tap.weird name") == "TAP_WEIRD_NAME_");
}

TEST_CASE("a config file is read and validated", "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"files": [{"path": "a.csv"}], "delimiter": ";"})");
  Json config = load_config({tap}, kProgram, kSchema);
  CHECK(config.dump() == R"({"files":[{"path":"a.csv"}],"delimiter":";"})");
}

TEST_CASE("config files merge left to right, later top-level keys replacing earlier ones",
          "[config]") {
  TempDir dir;
  auto base = dir.write("base.json", R"({"files": [{"path": "a.csv"}], "delimiter": ";",
                                         "options": {"a": 1, "b": 2}})");
  auto over = dir.write("over.json", R"({"delimiter": "|", "options": {"b": 3}})");
  Json config = load_config({base, over}, kProgram, kSchema);
  CHECK(config.find("delimiter")->as_string() == "|");
  CHECK(config.find("files")->dump() == R"([{"path":"a.csv"}])");
  // Objects are replaced whole, not merged.
  CHECK(config.find("options")->dump() == R"({"b":3})");
}

TEST_CASE("schema defaults fill keys no file gave", "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"files": []})");
  Json config = load_config({tap}, kProgram, kSchema);
  CHECK(config.find("delimiter")->as_string() == ",");
  auto with = dir.write("with.json", R"({"files": [], "delimiter": "\t"})");
  CHECK(load_config({with}, kProgram, kSchema).find("delimiter")->as_string() == "\t");
}

TEST_CASE("an unreadable config file is a usage error naming the file", "[config]") {
  TempDir dir;
  auto missing = (dir.path / "nope.json").string();
  CHECK_THROWS_AS(load_config({missing}, kProgram, kSchema), UsageError);
  CHECK_THROWS_WITH(load_config({missing}, kProgram, kSchema),
                    Contains(missing + ": cannot read config file: No such file or directory"));
}

TEST_CASE("a config file with bad JSON is a usage error naming the file", "[config]") {
  TempDir dir;
  auto bad = dir.write("tap.json", R"({"files": )");
  CHECK_THAT(usage_error_text({bad}), Contains(bad + ": invalid JSON"));
}

TEST_CASE("a config file that is not an object is a usage error", "[config]") {
  TempDir dir;
  auto bad = dir.write("tap.json", "[1, 2]");
  CHECK_THAT(usage_error_text({bad}), Contains(bad + ": config is not a JSON object"));
}

TEST_CASE("a missing required key at the root names the last file", "[config]") {
  TempDir dir;
  auto first = dir.write("first.json", R"({"delimiter": ","})");
  auto tap = dir.write("tap.json", R"({"mode": "fast"})");
  CHECK(usage_error_text({first, tap}) == tap + ": missing required key 'files'");
}

TEST_CASE("with no files and no environment the empty config is still validated", "[config]") {
  CHECK(usage_error_text({}) == "config: missing required key 'files'");
  Json config = load_config({}, kProgram, R"({"type": "object", "properties": {
      "delimiter": {"type": "string", "default": ","}}})");
  CHECK(config.dump() == R"({"delimiter":","})");
}

TEST_CASE("a nested validation error names the file that set the key and the path",
          "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"files": [{"name": "x"}], "delimiter": ";"})");
  auto target = dir.write("target.json", R"({"delimiter": 5})");
  CHECK(usage_error_text({tap}) == tap + ": files[0]: missing required key 'path'");
  // The delimiter came from target.json, files from tap.json.
  auto fixed = dir.write("fixed.json", R"({"files": [{"path": "a.csv"}]})");
  CHECK(usage_error_text({fixed, target}) == target + ": delimiter: expected string, got integer");
  CHECK(usage_error_text({tap, target}) == tap + ": files[0]: missing required key 'path'");
}

TEST_CASE("the environment overrides files for every top-level property", "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"files": [{"path": "a.csv"}], "delimiter": ";"})");
  EnvVar delimiter("TAP_UNIT_DELIMITER", "|");
  EnvVar batch("TAP_UNIT_BATCH_SIZE", "123456789012345678901234");
  EnvVar ratio("TAP_UNIT_RATIO", " -1.5e3 ");
  EnvVar strict("TAP_UNIT_STRICT", "Yes");
  EnvVar options("TAP_UNIT_OPTIONS", R"({"quote": "'"})");
  EnvVar tags("TAP_UNIT_TAGS", R"(["a", "b"])");
  EnvVar start("TAP_UNIT_START_DATE", "2024-01-01T00:00:00Z");
  EnvVar unrelated("TAP_UNIT_NOT_A_SETTING", "x");
  Json config = load_config({tap}, kProgram, kSchema);
  CHECK(config.find("delimiter")->as_string() == "|");
  CHECK(config.find("batch_size")->number_text() == "123456789012345678901234");
  CHECK(config.find("ratio")->number_text() == "-1.5e3");
  CHECK(config.find("strict")->as_bool());
  CHECK(config.find("options")->dump() == R"({"quote":"'"})");
  CHECK(config.find("tags")->dump() == R"(["a","b"])");
  CHECK(config.find("start-date")->as_string() == "2024-01-01T00:00:00Z");
  CHECK(config.find("not_a_setting") == nullptr);
}

TEST_CASE("the environment alone can make a valid config", "[config]") {
  EnvVar files("TAP_UNIT_FILES", R"([{"path": "env.csv"}])");
  Json config = load_config({}, kProgram, kSchema);
  CHECK(config.find("files")->dump() == R"([{"path":"env.csv"}])");
}

TEST_CASE("--config ENV names no file: settings come from the environment, as in the Meltano SDK",
          "[config]") {
  TempDir dir;
  EnvVar files("TAP_UNIT_FILES", R"([{"path": "env.csv"}])");
  CHECK(load_config({"ENV"}, kProgram, kSchema).find("files")->dump() == R"([{"path":"env.csv"}])");
  // The environment wins over files wherever ENV stands, as it does without ENV.
  auto tap = dir.write("tap.json", R"({"files": [], "delimiter": ";"})");
  Json config = load_config({"ENV", tap}, kProgram, kSchema);
  CHECK(config.find("files")->dump() == R"([{"path":"env.csv"}])");
  CHECK(config.find("delimiter")->as_string() == ";");
}

TEST_CASE("a validation error after --config ENV names the last real file", "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"delimiter": ";"})");
  CHECK(usage_error_text({tap, "ENV"}) == tap + ": missing required key 'files'");
  CHECK(usage_error_text({"ENV"}) == "config: missing required key 'files'");
}

TEST_CASE("a config file with bad JSON gives its line and column", "[config]") {
  TempDir dir;
  auto bad = dir.write("tap.json", "{\n  \"files\": [],\n  \"delimiter\": \";\",\n}\n");
  CHECK(usage_error_text({bad}) == bad + ": invalid JSON: expected a string key at line 4, column 1");
}

TEST_CASE("booleans from the environment accept true/false, yes/no and 1/0", "[config]") {
  EnvVar files("TAP_UNIT_FILES", "[]");
  for (auto [text, want] : {std::pair{"true", true}, {"FALSE", false}, {"1", true}, {"0", false},
                            {"yes", true}, {"No", false}}) {
    EnvVar strict("TAP_UNIT_STRICT", text);
    INFO(text);
    CHECK(load_config({}, kProgram, kSchema).find("strict")->as_bool() == want);
  }
}

TEST_CASE("environment values of the wrong type are usage errors naming the variable",
          "[config]") {
  EnvVar files("TAP_UNIT_FILES", "[]");
  SECTION("integer") {
    EnvVar v("TAP_UNIT_BATCH_SIZE", "12.5");
    CHECK(usage_error_text({}) == "environment: TAP_UNIT_BATCH_SIZE: expected integer");
  }
  SECTION("number") {
    EnvVar v("TAP_UNIT_RATIO", "lots");
    CHECK(usage_error_text({}) == "environment: TAP_UNIT_RATIO: expected number");
  }
  SECTION("boolean") {
    EnvVar v("TAP_UNIT_STRICT", "maybe");
    CHECK_THAT(usage_error_text({}), Contains("environment: TAP_UNIT_STRICT: expected boolean"));
  }
  SECTION("object that is not JSON") {
    EnvVar v("TAP_UNIT_OPTIONS", "{");
    CHECK_THAT(usage_error_text({}), Contains("environment: TAP_UNIT_OPTIONS: invalid JSON"));
  }
  SECTION("array that is an object") {
    EnvVar v("TAP_UNIT_TAGS", "{}");
    CHECK(usage_error_text({}) == "environment: TAP_UNIT_TAGS: expected a JSON array");
  }
}

TEST_CASE("a validation error in a key set by the environment names the variable",
          "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"files": []})");
  SECTION("the key itself") {
    EnvVar v("TAP_UNIT_MODE", "medium");
    CHECK(usage_error_text({tap}) ==
          "environment: TAP_UNIT_MODE: value 'medium' is not one of the allowed values");
  }
  SECTION("inside the key") {
    EnvVar v("TAP_UNIT_FILES", R"([{"name": "x"}])");
    CHECK(usage_error_text({tap}) ==
          "environment: TAP_UNIT_FILES (files[0]): missing required key 'path'");
  }
}

TEST_CASE("validation errors never show the value of a secret", "[config]") {
  TempDir dir;
  SECTION("a key named like a credential") {
    auto tap = dir.write("tap.json", R"({"files": [], "api_key": "hunter2-very-secret"})");
    std::string text = usage_error_text({tap});
    CHECK(text == tap + ": api_key: value is not one of the allowed values");
    CHECK_THAT(text, !Contains("hunter2"));
  }
  SECTION("a property marked secret in the schema") {
    auto tap = dir.write("tap.json", R"({"files": [], "auth": "Hunter2"})");
    std::string text = usage_error_text({tap});
    CHECK(text == tap + ": auth: value does not match the pattern '^[a-z]+$'");
    CHECK_THAT(text, !Contains("Hunter2"));
  }
  SECTION("a secret set in the environment") {
    auto tap = dir.write("tap.json", R"({"files": []})");
    EnvVar v("TAP_UNIT_API_KEY", "s3cr3t");
    std::string text = usage_error_text({tap});
    CHECK(text == "environment: TAP_UNIT_API_KEY: value is not one of the allowed values");
    CHECK_THAT(text, !Contains("s3cr3t"));
  }
  SECTION("a type error, which shows no value anyway") {
    auto tap = dir.write("tap.json", R"({"files": [], "api_key": 12345})");
    CHECK(usage_error_text({tap}) == tap + ": api_key: expected string, got integer");
  }
}

TEST_CASE("values of ordinary keys are shown in validation errors", "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"files": [], "mode": "medium"})");
  CHECK(usage_error_text({tap}) == tap + ": mode: value 'medium' is not one of the allowed values");
}

TEST_CASE("an empty schema accepts any config object", "[config]") {
  TempDir dir;
  auto tap = dir.write("tap.json", R"({"anything": [1, 2]})");
  CHECK(load_config({tap}, kProgram, "").dump() == R"({"anything":[1,2]})");
}
