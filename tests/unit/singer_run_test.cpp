// singer-run's pure parts: command splitting and redaction, durations, METRIC lines,
// the line splitter, the pipeline file, the atomic state save and the state stores.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "child_output.hpp"
#include "command_line.hpp"
#include "duration.hpp"
#include "file_state_store.hpp"
#include "pipeline_file.hpp"
#include "postgres_state_store.hpp"
#include "run_log.hpp"
#include "state_file.hpp"

using namespace singer_run;
using Catch::Contains;
using Strings = std::vector<std::string>;

namespace {

Strings split(std::string_view text) { return split_command(text, "tap command"); }

// A fresh directory under the temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "singer-run-test.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& text) const {
    std::string p = (path / name).string();
    std::ofstream(p) << text;
    return p;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("commands split into words like sh splits a simple command", "[singer_run]") {
  CHECK(split("tap-csv --config tap.json") == Strings{"tap-csv", "--config", "tap.json"});
  CHECK(split("  a\t b \n c ") == Strings{"a", "b", "c"});
  CHECK(split("a 'b c' \"d e\"") == Strings{"a", "b c", "d e"});
  CHECK(split("a 'it'\\''s'") == Strings{"a", "it's"});
  CHECK(split(R"(a "say \"hi\" \$5 \\ \n")") == Strings{"a", R"(say "hi" $5 \ \n)"});
  CHECK(split(R"(a b\ c)") == Strings{"a", "b c"});
  CHECK(split("a ''") == Strings{"a", ""});
  CHECK(split("a x=#1 y~z") == Strings{"a", "x=#1", "y~z"});
  CHECK(split("a '$HOME|*' \"*;\"") == Strings{"a", "$HOME|*", "*;"});
}

TEST_CASE("commands that need a shell are refused, not misread", "[singer_run]") {
  for (const char* text : {"a | b", "a > f", "a; b", "a && b", "a $HOME", "a `x`", "a *.csv",
                           "a ~/x", "a # note", "a (b)", "a \"$HOME\"", "a file?"}) {
    CAPTURE(text);
    CHECK_THROWS_WITH(split(text), Contains("tap command: '") && Contains("needs a shell"));
  }
  CHECK_THROWS_WITH(split("a 'b"), "tap command: unclosed single quote");
  CHECK_THROWS_WITH(split("a \"b"), "tap command: unclosed double quote");
  CHECK_THROWS_WITH(split("   "), "tap command: empty command");
  CHECK_THROWS_WITH(split("a \\"), Contains("at the end of the command"));
}

TEST_CASE("a program is found in PATH or by its path, or named in the error", "[singer_run]") {
  CHECK(find_program("sh", "", "tap command").find("/sh") != std::string::npos);
  CHECK(find_program("/bin/sh", "", "tap command") == "/bin/sh");
  CHECK_THROWS_WITH(find_program("no-such-program-x", "", "tap command"),
                    "tap command: 'no-such-program-x': command not found in PATH");
  CHECK_THROWS_WITH(find_program("./nope", "/", "target command"),
                    "target command: './nope': no such file");
  CHECK(program_name("/usr/local/bin/tap-csv") == "tap-csv");
  CHECK(program_name("tap-csv") == "tap-csv");
}

TEST_CASE("secret values never appear in a logged command", "[singer_run]") {
  CHECK(redact_arguments({"tap", "--password", "hunter2", "--user", "bob"}) ==
        Strings{"tap", "--password", "***", "--user", "bob"});
  CHECK(redact_arguments({"tap", "--api-key=abc", "--API_TOKEN", "x", "--client-secret", "y"}) ==
        Strings{"tap", "--api-key=***", "--API_TOKEN", "***", "--client-secret", "***"});
  CHECK(redact_arguments({"tap", "password=pw", "host=db password=pw2 user=u"}) ==
        Strings{"tap", "password=***", "host=db password=*** user=u"});
  CHECK(redact_arguments({"tap", "https://u:p4ss@example.com/x?page=2&access_token=t&x=1"}) ==
        Strings{"tap", "https://u:***@example.com/x?page=2&access_token=***&x=1"});
  CHECK(redact_arguments({"tap", "--url=postgres://bob:pw@db/x"}) ==
        Strings{"tap", "--url=postgres://bob:***@db/x"});
  // A flag after a secret-looking flag is a flag, not its value.
  CHECK(redact_arguments({"tap", "--no-auth", "--config", "c.json"}) ==
        Strings{"tap", "--no-auth", "--config", "c.json"});
  CHECK(redact_arguments({"tap", "--config", "tap.json", "--state", "s.json"}) ==
        Strings{"tap", "--config", "tap.json", "--state", "s.json"});
  CHECK(looks_secret("--Private_Key"));
  CHECK(looks_secret("pwd"));
  CHECK_FALSE(looks_secret("--keys"));
  CHECK_FALSE(looks_secret("--config"));
}

TEST_CASE("commands are displayed quoted for sh", "[singer_run]") {
  CHECK(display_command({"tap-csv", "--config", "tap.json"}) == "tap-csv --config tap.json");
  CHECK(display_command({"a", "b c", "it's", ""}) == R"(a 'b c' 'it'\''s' '')");
  CHECK(split(display_command({"a", "b c", "it's", "$x", ""})) == Strings{"a", "b c", "it's", "$x", ""});
}

TEST_CASE("durations read as people write them", "[singer_run]") {
  CHECK(parse_duration("90s", "--timeout") == Millis(90'000));
  CHECK(parse_duration("30m", "--timeout") == Millis(1'800'000));
  CHECK(parse_duration("1h30m", "--timeout") == Millis(5'400'000));
  CHECK(parse_duration("500ms", "--timeout") == Millis(500));
  CHECK(parse_duration("1.5s", "--timeout") == Millis(1'500));
  CHECK(parse_duration("2d", "--timeout") == Millis(172'800'000));
  CHECK(parse_duration("45", "--timeout") == Millis(45'000));
  for (const char* bad : {"", "s", "5 m", "5x", "1h30", "-5s", "m5"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH(parse_duration(bad, "--timeout"), Contains("--timeout: invalid duration"));
  }
  CHECK(format_duration(Millis(1'800'000)) == "30m");
  CHECK(format_duration(Millis(5'400'000)) == "1h30m");
  CHECK(format_duration(Millis(1'500)) == "1.5s");
  CHECK(format_duration(Millis(61'000)) == "1m1s");
}

TEST_CASE("record_count METRIC lines are parsed from singer-python and SDK forms", "[singer_run]") {
  auto m = parse_record_count(
      R"(INFO METRIC: {"type": "counter", "metric": "record_count", "value": 1234, "tags": {"stream": "users"}})");
  REQUIRE(m);
  CHECK(m->stream == "users");
  CHECK(m->value == 1234);
  auto sdk = parse_record_count(
      R"(2026-11-20 23:10:00,123 | INFO     | singer_sdk.metrics   | METRIC: {"type": "counter", "metric": "record_count", "value": 5, "tags": {"stream": "orders", "context": {}}})");
  REQUIRE(sdk);
  CHECK(sdk->stream == "orders");
  CHECK_FALSE(parse_record_count(R"(INFO METRIC: {"type": "timer", "metric": "record_count", "value": 1})"));
  CHECK_FALSE(parse_record_count(R"(INFO METRIC: {"type": "counter", "metric": "http_request_count", "value": 1})"));
  CHECK_FALSE(parse_record_count("INFO METRIC: {record_count broken"));
  CHECK_FALSE(parse_record_count("tap-csv: info: 3 records in 1 stream"));
}

TEST_CASE("record counts add each METRIC value per stream, in order of appearance", "[singer_run]") {
  RecordCounts counts;
  counts.add({"users", 2});
  counts.add({"orders", 1});
  counts.add({"users", 3});
  CHECK(counts.total() == 6);
  CHECK(counts.to_string() == "users: 5, orders: 1");
}

TEST_CASE("the line splitter keeps partial lines until their end", "[singer_run]") {
  LineSplitter splitter(8);
  std::vector<std::pair<std::string, bool>> got;
  auto emit = [&](std::string_view line, bool complete) { got.emplace_back(line, complete); };
  splitter.feed("ab", emit);
  splitter.feed("c\nde", emit);
  splitter.feed("f\n\ng", emit);
  splitter.feed("0123456789abcdefgh", emit);  // no end in sight: handed on in pieces
  splitter.feed("XY\nz", emit);
  splitter.finish(emit);
  using P = std::pair<std::string, bool>;
  CHECK(got == std::vector<P>{P{"abc", true}, P{"def", true}, P{"", true}, P{"g0123456", false},
                              P{"789abcde", false}, P{"fghXY", true}, P{"z", true}});
}

TEST_CASE("a pipeline file's paths are relative to the file", "[singer_run]") {
  TempDir dir;
  std::string path = dir.file("orders.json", R"({"tap": "sh -c 'exit 0'", "target": ["sh", "-c", "cat"],
      "state": "state/orders.json", "catalog": "/abs/catalog.json", "log_runs": "runs.jsonl",
      "timeout": "30m", "grace": 2, "full_refresh": true, "wait": true, "description": "x"})");
  PipelineFile file = read_pipeline_file(path);
  CHECK(file.tap == Strings{"sh", "-c", "exit 0"});
  CHECK(file.target == Strings{"sh", "-c", "cat"});
  CHECK(file.state == (dir.path / "state/orders.json").string());
  CHECK(file.catalog == "/abs/catalog.json");
  CHECK(file.log_runs == (dir.path / "runs.jsonl").string());
  CHECK(file.timeout == Millis(1'800'000));
  CHECK(file.grace == Millis(2'000));
  CHECK(file.full_refresh);
  CHECK(file.wait);
  CHECK(join_path(".", "state.json") == "state.json");
}

TEST_CASE("a pipeline file with a mistake names the file and the key", "[singer_run]") {
  TempDir dir;
  auto bad = [&](const std::string& text) { return read_pipeline_file(dir.file("p.json", text)); };
  CHECK_THROWS_WITH(bad(R"({"tap": "a", "target": "b"})"), Contains("p.json: missing required key 'state'"));
  CHECK_THROWS_WITH(bad(R"({"tap": "a", "target": "b", "state": "s", "timout": "1m"})"),
                    Contains("p.json: unknown key 'timout'"));
  CHECK_THROWS_WITH(bad(R"({"tap": "a | b", "target": "b", "state": "s"})"),
                    Contains("p.json: tap: '|' needs a shell"));
  CHECK_THROWS_WITH(bad(R"({"tap": 5, "target": "b", "state": "s"})"),
                    Contains("p.json: 'tap': expected a command string"));
  CHECK_THROWS_WITH(bad(R"({"tap": "a", "target": "b", "state": "s", "timeout": "soon"})"),
                    Contains("p.json: timeout: invalid duration 'soon'"));
  CHECK_THROWS_WITH(bad("[1]"), Contains("p.json: expected a JSON object"));
  CHECK_THROWS_WITH(read_pipeline_file((dir.path / "none.json").string()),
                    Contains("none.json: cannot read the pipeline file: No such file or directory"));
}

TEST_CASE("the state file is replaced whole and a broken one is refused", "[singer_run]") {
  TempDir dir;
  std::string path = (dir.path / "state.json").string();
  CHECK_FALSE(read_state_file(path));
  StateWriter writer(path);
  writer.save(R"({"bookmarks":{"users":{"replication_key_value":1}}})");
  writer.save(R"({"bookmarks":{"users":{"replication_key_value":2}}})");
  CHECK(slurp(path) == "{\"bookmarks\":{\"users\":{\"replication_key_value\":2}}}\n");
  auto state = read_state_file(path);
  REQUIRE(state);
  CHECK(state->find("bookmarks") != nullptr);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);  // no temp left

  dir.file("state.json", "{\"bookmarks\": ");
  CHECK_THROWS_WITH(read_state_file(path), Contains("state.json: invalid JSON"));
  dir.file("state.json", "");
  CHECK_THROWS_WITH(read_state_file(path), Contains("state.json: invalid JSON"));
  dir.file("state.json", "[]");
  CHECK_THROWS_WITH(read_state_file(path), Contains("must hold a JSON object"));

  dir.file("state.json.tmp.4242", "left by a killed run");
  dir.file("state.json.tmp.notapid", "someone else's");
  writer.remove_stale_temp_files();
  CHECK_FALSE(std::filesystem::exists(dir.path / "state.json.tmp.4242"));
  CHECK(std::filesystem::exists(dir.path / "state.json.tmp.notapid"));
}

TEST_CASE("the lock is exclusive and names its holder", "[singer_run]") {
  TempDir dir;
  std::string state = (dir.path / "state.json").string();
  StateLock first(state);
  REQUIRE(first.try_lock());
  first.record_owner("2026-11-20T23:10:00Z");
  StateLock second(state);  // a second open file description, as another run has
  CHECK_FALSE(second.try_lock());
  CHECK(second.holder() == fmt::format("pid {}, started 2026-11-20T23:10:00Z", ::getpid()));
}

TEST_CASE("the file store locks, saves, reads and clears the state file", "[singer_run]") {
  TempDir dir;
  std::string path = (dir.path / "state.json").string();
  auto store = open_state_store({path, path, "/abs/state.json"});
  CHECK(store->name() == path);
  RunIdentity me = this_run("2026-11-20T23:10:00Z");
  REQUIRE(store->try_lock(me));
  FileStateStore other(path, path);
  CHECK_FALSE(other.try_lock(me));
  CHECK(other.holder() == fmt::format("pid {}, started 2026-11-20T23:10:00Z", ::getpid()));
  CHECK_FALSE(store->read());
  store->save(R"({"n":1})");
  CHECK(store->read() == singer::Json::parse(R"({"n":1})"));
  CHECK(store->tap_state_file(*store->read()) == "/abs/state.json");
  REQUIRE(store->list().size() == 1);
  CHECK(store->list()[0].id == path);
  CHECK_THROWS_WITH(store->history(), Contains("a state file keeps no history"));
  store->clear();
  CHECK_FALSE(store->read());
  CHECK(store->list().empty());
}

TEST_CASE("a run identity names host, pid and start", "[singer_run]") {
  RunIdentity me{"web-3", 1234, "2026-11-20T23:10:00Z", ""};
  CHECK(me.to_string() == "web-3 pid 1234 started 2026-11-20T23:10:00Z");
  me.role = "state set";
  CHECK(me.to_string() == "web-3 pid 1234 started 2026-11-20T23:10:00Z (state set)");
}

TEST_CASE("a PostgreSQL state URI splits into libpq's part and singer-run's", "[singer_run]") {
  CHECK(is_postgres_uri("postgres://h/db#x"));
  CHECK(is_postgres_uri("postgresql://h/db#x"));
  CHECK_FALSE(is_postgres_uri("state/postgres://x"));
  CHECK_FALSE(is_postgres_uri("state.json"));

  auto a = parse_postgres_location("postgres://runner@db.internal:5433/ops#orders", true);
  CHECK(a.conninfo == "postgres://runner@db.internal:5433/ops");
  CHECK(a.pipeline_id == "orders");
  CHECK(a.schema == "singer_run");
  CHECK(a.history == kDefaultHistory);

  auto b = parse_postgres_location(
      "postgresql://runner@db/ops?sslmode=require&schema=etl_state&history=0&connect_timeout=3#team/orders-v2", true);
  CHECK(b.conninfo == "postgresql://runner@db/ops?sslmode=require&connect_timeout=3");
  CHECK(b.pipeline_id == "team/orders-v2");
  CHECK(b.schema == "etl_state");
  CHECK(b.history == 0);

  auto c = parse_postgres_location("postgres://db/ops?schema=x", false);
  CHECK(c.pipeline_id.empty());
  CHECK(c.conninfo == "postgres://db/ops");
}

TEST_CASE("a PostgreSQL state URI with a mistake is a usage error that hides its password", "[singer_run]") {
  auto bad = [](const std::string& uri) { parse_postgres_location(uri, true); };
  CHECK_THROWS_AS(bad("postgres://db/ops"), singer::UsageError);
  CHECK_THROWS_WITH(bad("postgres://db/ops"), Contains("name the pipeline after '#'"));
  CHECK_THROWS_WITH(bad("postgres://bob:s3cret@db/ops#x"),
                    Contains("postgres://bob:***@db/ops#x: a password in the URI"));
  CHECK_THROWS_WITH(bad("postgres://bob:s3cret@db/ops#x"), !Contains("s3cret"));
  CHECK_THROWS_WITH(bad("postgres://bob@db/ops?password=s3cret#x"), !Contains("s3cret"));
  CHECK_THROWS_WITH(bad("postgres://db/ops?schema=Bad#x"), Contains("schema 'Bad'"));
  CHECK_THROWS_WITH(bad("postgres://db/ops?schema=#x"), Contains("schema ''"));
  CHECK_THROWS_WITH(bad("postgres://db/ops?history=1e3#x"), Contains("history '1e3'"));
  CHECK_THROWS_WITH(bad("postgres://db/ops?nonsense=1#x"), Contains("invalid PostgreSQL URI"));
  CHECK_THROWS_WITH(bad("postgres://db/ops#a b"), Contains("the pipeline id after '#'"));
  CHECK_THROWS_WITH(bad("postgres://db/ops#"), Contains("the pipeline id after '#'"));
}

TEST_CASE("a run record is one line of JSON with the commands redacted", "[singer_run]") {
  RunRecord r;
  r.started = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'216'200));
  r.ended = r.started + std::chrono::milliseconds(1500);
  r.state_path = "state.json";
  r.tap.argv = {"tap-csv", "--config", "tap.json", "--token", "t0p"};
  r.tap.started = true;
  r.tap.exit_code = 0;
  r.target.argv = {"target-jsonl"};
  r.target.started = true;
  r.target.signal = 9;
  r.records.add({"users", 3});
  r.state_saves = 1;
  r.state_advanced = true;
  r.result = "failed";
  r.exit_code = 1;
  r.error = "target 'target-jsonl': killed by SIGKILL";
  CHECK(run_record_json(r) ==
        R"({"started":"2026-11-20T23:10:00Z","ended":"2026-11-20T23:10:01Z","duration_s":1.5,)"
        R"("pipeline":null,"state":"state.json","full_refresh":false,)"
        R"("tap":{"command":"tap-csv --config tap.json --token '***'","started":true,"exit_code":0,"signal":null},)"
        R"("target":{"command":"target-jsonl","started":true,"exit_code":null,"signal":"SIGKILL"},)"
        R"("records":{"users":3},"records_total":3,"state_saves":1,"state_advanced":true,)"
        R"("result":"failed","exit_code":1,"error":"target 'target-jsonl': killed by SIGKILL"})");
}
