// MessageReader: every message type, the record's own bytes and its fields, line
// endings, skipped lines, errors with source:line, and reading from pipes across many
// buffer refills and very long lines.
#include "singer/message_reader.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

using namespace singer;
using Catch::Contains;

namespace {

MessageReader reader_of(std::string_view text, bool fields = false) {
  auto reader = MessageReader::from_string(text, "<stdin>");
  reader.set_record_fields(fields);
  return reader;
}

// Reads everything; returns the number of messages.
int drain(MessageReader& reader) {
  int n = 0;
  while (reader.next()) ++n;
  return n;
}
int drain(MessageReader&& reader) { return drain(reader); }

void write_all(int fd, std::string_view data, size_t chunk) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), std::min(chunk, data.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the reader went away (EPIPE)
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// A pipe fed by a thread in odd-sized chunks, so reads end mid-line.
struct PipeFeeder {
  int read_fd = -1;
  std::thread writer;

  explicit PipeFeeder(std::string data, size_t chunk = 7777) {
    ::signal(SIGPIPE, SIG_IGN);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_fd = fds[0];
    int write_fd = fds[1];
    writer = std::thread([write_fd, chunk, data = std::move(data)] {
      write_all(write_fd, data, chunk);
      ::close(write_fd);
    });
  }
  ~PipeFeeder() {
    ::close(read_fd);  // unblocks the writer if the test stopped early
    writer.join();
  }
};

// An in-memory file holding data, positioned at its start.
struct MemFile {
  int fd = -1;
  explicit MemFile(std::string_view data) {
    fd = ::memfd_create("message_reader_test", 0);
    REQUIRE(fd >= 0);
    write_all(fd, data, data.size());
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  }
  ~MemFile() { ::close(fd); }
};

std::string record_line(std::string_view stream, std::string_view record) {
  return std::string(R"({"type":"RECORD","stream":")") + std::string(stream) + R"(","record":)" +
         std::string(record) + "}";
}

void check_same_fields(const RecordFields& got, const RecordFields& want) {
  REQUIRE(got.nodes.size() == want.nodes.size());
  for (size_t i = 0; i < got.nodes.size(); ++i) {
    INFO("node " << i);
    CHECK(got.nodes[i].kind == want.nodes[i].kind);
    CHECK(got.nodes[i].key == want.nodes[i].key);
    // text is specified for strings and numbers only (the reader also spells booleans).
    if (want.nodes[i].kind == FieldNode::Kind::String || want.nodes[i].kind == FieldNode::Kind::Integer ||
        want.nodes[i].kind == FieldNode::Kind::Number) {
      CHECK(got.nodes[i].text == want.nodes[i].text);
    }
    CHECK(got.nodes[i].end == want.nodes[i].end);
    CHECK(got.nodes[i].boolean == want.nodes[i].boolean);
  }
}

struct RecordCase {
  const char* line;
  const char* record;
};

// Reads each line alone and checks the record's bytes (and fields, when on).
template <size_t N>
void check_record_bytes(const RecordCase (&cases)[N], bool fields) {
  for (const RecordCase& c : cases) {
    INFO("fields " << fields << ", line " << c.line);
    auto reader = reader_of(std::string(c.line) + "\n", fields);
    REQUIRE(reader.next());
    REQUIRE(reader.type() == MessageType::Record);
    CHECK(reader.record().stream == "s");
    CHECK(reader.record().record == c.record);
    CHECK(reader.line_text() == std::string_view(c.line));
    if (fields) {
      REQUIRE(reader.record().fields != nullptr);
      RecordFields want;
      Json parsed = Json::parse(c.record);
      flatten(parsed, want);
      check_same_fields(*reader.record().fields, want);
    }
  }
}

}  // namespace

// ---- message types -------------------------------------------------------------------

TEST_CASE("reader parses a SCHEMA with key_properties and bookmark_properties", "[message_reader]") {
  auto reader = reader_of(
      R"({"type":"SCHEMA","stream":"users","schema":{"type":"object","properties":{"id":{"type":"integer"},"updated_at":{"type":"string","format":"date-time"}}},"key_properties":["id","tenant"],"bookmark_properties":["updated_at"]})"
      "\n");
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::Schema);
  const SchemaMessage& schema = reader.schema();
  CHECK(schema.stream == "users");
  CHECK(schema.schema.is_object());
  CHECK(schema.schema.find("properties")->keys() == std::vector<std::string>{"id", "updated_at"});
  CHECK(schema.schema.dump() ==
        R"({"type":"object","properties":{"id":{"type":"integer"},"updated_at":{"type":"string","format":"date-time"}}})");
  CHECK(schema.has_key_properties);
  CHECK(schema.key_properties == std::vector<std::string>{"id", "tenant"});
  CHECK(schema.bookmark_properties == std::vector<std::string>{"updated_at"});
  CHECK(reader.line_number() == 1);
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader tells a SCHEMA without key_properties from one with none", "[message_reader]") {
  auto reader = reader_of(
      R"({"type":"SCHEMA","stream":"a","schema":{},"bookmark_properties":["x"]})"
      "\n"
      R"({"type":"SCHEMA","stream":"b","schema":{},"key_properties":[]})"
      "\n"
      R"({"type":"SCHEMA","stream":"c","schema":{},"key_properties":null,"bookmark_properties":null})"
      "\n");
  REQUIRE(reader.next());
  CHECK(reader.schema().stream == "a");
  CHECK_FALSE(reader.schema().has_key_properties);
  CHECK(reader.schema().key_properties.empty());
  CHECK(reader.schema().bookmark_properties == std::vector<std::string>{"x"});

  REQUIRE(reader.next());
  CHECK(reader.schema().stream == "b");
  CHECK(reader.schema().has_key_properties);
  CHECK(reader.schema().key_properties.empty());
  CHECK(reader.schema().bookmark_properties.empty());

  REQUIRE(reader.next());
  CHECK(reader.schema().stream == "c");
  CHECK_FALSE(reader.schema().has_key_properties);
  CHECK(reader.schema().bookmark_properties.empty());
}

TEST_CASE("reader parses a RECORD with its stream, time_extracted and version", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  auto reader = reader_of(
      R"({"type":"RECORD","stream":"orders","record":{"id":1},"time_extracted":"2024-01-02T03:04:05Z","version":1700000000000})"
      "\n"
      R"({"type":"RECORD","stream":"orders","record":{"id":2}})"
      "\n"
      R"({"type":"RECORD","stream":"a\"b","record":{"id":3},"time_extracted":null,"version":null,"sequence":5})"
      "\n",
      fields);
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::Record);
  CHECK(reader.record().stream == "orders");
  CHECK(reader.record().record == R"({"id":1})");
  CHECK(reader.record().time_extracted == "2024-01-02T03:04:05Z");
  CHECK(reader.record().version == std::optional<std::int64_t>(1700000000000));
  CHECK((reader.record().fields != nullptr) == fields);

  REQUIRE(reader.next());
  CHECK(reader.record().record == R"({"id":2})");
  CHECK(reader.record().time_extracted.empty());
  CHECK(reader.record().version == std::nullopt);

  REQUIRE(reader.next());
  CHECK(reader.record().stream == "a\"b");
  CHECK(reader.record().record == R"({"id":3})");
  CHECK(reader.record().time_extracted.empty());
  CHECK(reader.record().version == std::nullopt);
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader hands out a RECORD's object as its exact bytes", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  const RecordCase cases[] = {
      // record last, odd spacing, escapes, big numbers
      {R"({"type":"RECORD","stream":"s","record":{ "a" : 1 ,"b":"x\"y\u00e9\\","n":12345678901234567890123456789,"f":1.000000000000000000001,"z":-0,"e":1E+400}})",
       R"({ "a" : 1 ,"b":"x\"y\u00e9\\","n":12345678901234567890123456789,"f":1.000000000000000000001,"z":-0,"e":1E+400})"},
      {R"({ "type" : "RECORD" , "stream" : "s" , "record" : { "k" : [ ] }})", R"({ "k" : [ ] })"},
      // record first
      {R"({"record":{"id":1,"s":"},\"type\":"},"type":"RECORD","stream":"s"})", R"({"id":1,"s":"},\"type\":"})"},
      {R"({"record"  :  { "id" : 2 },  "type":"RECORD","stream":"s"})", R"({ "id" : 2 })"},
      // record in the middle
      {R"({"type":"RECORD","record":{"nested":{"deep":[[],[{}]]}},"stream":"s","time_extracted":"t"})",
       R"({"nested":{"deep":[[],[{}]]}})"},
      {R"({"stream":"s","record":{"u":"\ud83d\ude00 \u2028"},"type":"RECORD"})", R"({"u":"\ud83d\ude00 \u2028"})"},
      // empty records
      {R"({"type":"RECORD","stream":"s","record":{}})", R"({})"},
      {R"({"type":"RECORD","stream":"s","record":{ }})", R"({ })"},
      {R"({"record":{},"type":"RECORD","stream":"s"})", R"({})"},
      // a record whose last value is a string ending in braces
      {R"({"type":"RECORD","stream":"s","record":{"a":"}}"}})", R"({"a":"}}"})"},
      {R"({"type":"RECORD","stream":"s","record":{"a":"x"},"version":2})", R"({"a":"x"})"},
  };
  check_record_bytes(cases, fields);
}

TEST_CASE("reader leaves the whitespace after a RECORD's object out of its bytes",
          "[message_reader]") {
  // With fields off the record text runs on to the next ',' or '}' of the message.
  const bool fields = GENERATE(false, true);
  const RecordCase cases[] = {
      {R"({"type":"RECORD","stream":"s","record":{"a":[1,{"b":{}}]}   }   )", R"({"a":[1,{"b":{}}]})"},
      {R"({ "type" : "RECORD" , "stream" : "s" , "record" : { "k" : [ ] }	})", R"({ "k" : [ ] })"},
      {R"({"record":{"id":1,"s":"},\"type\":"} ,"type":"RECORD","stream":"s"})", R"({"id":1,"s":"},\"type\":"})"},
      {R"({"record"  :  { "id" : 2 }  ,  "type":"RECORD","stream":"s"})", R"({ "id" : 2 })"},
  };
  check_record_bytes(cases, fields);
}

TEST_CASE("reader walks a RECORD into fields with kinds, keys, texts and ends", "[message_reader]") {
  auto reader = reader_of(
      R"({"type":"RECORD","stream":"s","record":{"id":1,"name":"J\u00f6rg \"J\"","tags":["a",2.5,null],"addr":{"zip":"0123","geo":{"lat":1e2}},"ok":true,"none":null,"big":12345678901234567890123456789,"neg":-0,"no":false}})"
      "\n",
      true);
  REQUIRE(reader.next());
  REQUIRE(reader.record().fields != nullptr);
  const auto& n = reader.record().fields->nodes;
  using K = FieldNode::Kind;
  REQUIRE(n.size() == 16);

  CHECK(n[0].kind == K::Object);
  CHECK(n[0].key.empty());
  CHECK(n[0].end == 16);

  CHECK(n[1].kind == K::Integer);
  CHECK(n[1].key == "id");
  CHECK(n[1].text == "1");
  CHECK(n[1].end == 2);

  CHECK(n[2].kind == K::String);
  CHECK(n[2].key == "name");
  CHECK(n[2].text == "J\xC3\xB6rg \"J\"");
  CHECK(n[2].end == 3);

  CHECK(n[3].kind == K::Array);
  CHECK(n[3].key == "tags");
  CHECK(n[3].end == 7);
  CHECK(n[4].kind == K::String);
  CHECK(n[4].key.empty());
  CHECK(n[4].text == "a");
  CHECK(n[5].kind == K::Number);
  CHECK(n[5].text == "2.5");
  CHECK(n[5].key.empty());
  CHECK(n[6].kind == K::Null);
  CHECK(n[6].end == 7);

  CHECK(n[7].kind == K::Object);
  CHECK(n[7].key == "addr");
  CHECK(n[7].end == 11);
  CHECK(n[8].kind == K::String);
  CHECK(n[8].key == "zip");
  CHECK(n[8].text == "0123");
  CHECK(n[9].kind == K::Object);
  CHECK(n[9].key == "geo");
  CHECK(n[9].end == 11);
  CHECK(n[10].kind == K::Number);
  CHECK(n[10].key == "lat");
  CHECK(n[10].text == "1e2");

  CHECK(n[11].kind == K::Bool);
  CHECK(n[11].key == "ok");
  CHECK(n[11].boolean);
  CHECK(n[12].kind == K::Null);
  CHECK(n[12].key == "none");
  CHECK(n[13].kind == K::Integer);
  CHECK(n[13].text == "12345678901234567890123456789");
  CHECK(n[14].kind == K::Integer);
  CHECK(n[14].text == "-0");
  CHECK(n[15].kind == K::Bool);
  CHECK(n[15].key == "no");
  CHECK_FALSE(n[15].boolean);
  CHECK(n[15].end == 16);

  // The same layout flatten() gives for the parsed record.
  Json parsed = Json::parse(reader.record().record);
  RecordFields want;
  flatten(parsed, want);
  check_same_fields(*reader.record().fields, want);
}

TEST_CASE("reader refreshes fields for each RECORD", "[message_reader]") {
  auto reader = reader_of(record_line("s", R"({"a":1,"b":[1,2]})") + "\n" + record_line("s", R"({"c":"x"})") + "\n",
                          true);
  REQUIRE(reader.next());
  CHECK(reader.record().fields->nodes.size() == 5);
  REQUIRE(reader.next());
  const auto& n = reader.record().fields->nodes;
  REQUIRE(n.size() == 2);
  CHECK(n[1].key == "c");
  CHECK(n[1].text == "x");
  CHECK(n[0].end == 2);
}

TEST_CASE("reader gives nested objects and arrays their own JSON text", "[message_reader]") {
  auto reader = reader_of(
      record_line("s", R"({"o": {"k": [1, "]}\"{"], "e": {}} , "a":[ [], {"x":"\\"} ],"n":null})") + "\n", true);
  REQUIRE(reader.next());
  const auto& n = reader.record().fields->nodes;
  REQUIRE(n[1].key == "o");
  CHECK(n[1].text == R"({"k": [1, "]}\"{"], "e": {}})");
  CHECK(n[2].text == R"([1, "]}\"{"])");
  CHECK(n[5].key == "e");
  CHECK(n[5].text == "{}");
  REQUIRE(n[6].key == "a");
  CHECK(n[6].text == R"([ [], {"x":"\\"} ])");
  CHECK(n[0].text.empty());  // the record itself is RecordMessage::record
}

TEST_CASE("reader leaves nested text empty when set_nested_text is off", "[message_reader]") {
  auto reader = reader_of(record_line("s", R"({"o": {"k": [1]}, "s": "x"})") + "\n", true);
  reader.set_nested_text(false);
  REQUIRE(reader.next());
  const auto& n = reader.record().fields->nodes;
  REQUIRE(n.size() == 5);
  CHECK(n[1].kind == FieldNode::Kind::Object);
  CHECK(n[1].text.empty());
  CHECK(n[2].text.empty());
  CHECK(n[3].text == "1");
  CHECK(n[4].text == "x");
}

TEST_CASE("reader parses a STATE as a value and as its raw text", "[message_reader]") {
  auto reader = reader_of(
      R"({"type":"STATE","value": { "bookmarks" : {"users":{"updated_at":"2024-01-01T00:00:00Z","id":12345678901234567890}} , "n": 1.50 }})"
      "\n"
      R"({"value":{},"type":"STATE"})"
      "\n");
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);
  CHECK(reader.state().raw_value ==
        R"({ "bookmarks" : {"users":{"updated_at":"2024-01-01T00:00:00Z","id":12345678901234567890}} , "n": 1.50 })");
  const Json& value = reader.state().value;
  REQUIRE(value.is_object());
  CHECK(value.find("n")->number_text() == "1.50");
  CHECK(value.find("bookmarks")->find("users")->find("id")->number_text() == "12345678901234567890");
  CHECK(value.find("bookmarks")->find("users")->find("updated_at")->as_string() == "2024-01-01T00:00:00Z");

  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);
  CHECK(reader.state().raw_value == "{}");
  CHECK(reader.state().value == Json::object());
}

TEST_CASE("reader leaves the whitespace after a STATE value out of its raw text",
          "[message_reader]") {
  auto reader = reader_of(R"({"type":"STATE","value":{"a":1} })"
                          "\n"
                          R"({"value": [1, 2]  , "type":"STATE"})"
                          "\n");
  REQUIRE(reader.next());
  CHECK(reader.state().raw_value == R"({"a":1})");
  REQUIRE(reader.next());
  CHECK(reader.state().raw_value == R"([1, 2])");
}

TEST_CASE("reader parses ACTIVATE_VERSION and BATCH", "[message_reader]") {
  auto reader = reader_of(
      R"({"type":"ACTIVATE_VERSION","stream":"users","version":1700000000000})"
      "\n"
      R"({"type":"BATCH","stream":"orders","encoding":{"format":"jsonl","compression":"gzip"},"manifest":["file:///tmp/a.jsonl.gz","file:///tmp/b.jsonl.gz"]})"
      "\n");
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::ActivateVersion);
  CHECK(reader.activate_version().stream == "users");
  CHECK(reader.activate_version().version == 1700000000000);

  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::Batch);
  CHECK(reader.batch().stream == "orders");
  CHECK(reader.batch().encoding.find("format")->as_string() == "jsonl");
  CHECK(reader.batch().encoding.find("compression")->as_string() == "gzip");
  CHECK(reader.batch().manifest == std::vector<std::string>{"file:///tmp/a.jsonl.gz", "file:///tmp/b.jsonl.gz"});
  CHECK_FALSE(reader.next());
}

// ---- lines ---------------------------------------------------------------------------

TEST_CASE("reader accepts CRLF line endings", "[message_reader]") {
  auto reader = reader_of(
      "{\"type\":\"STATE\",\"value\":{\"a\":1}}\r\n" +
      record_line("s", R"({"x":"y"})") + "\r\n" + record_line("s", R"({"z":1})") + "\r\n");
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);
  CHECK(reader.line_text() == R"({"type":"STATE","value":{"a":1}})");
  CHECK(reader.state().raw_value == R"({"a":1})");
  REQUIRE(reader.next());
  CHECK(reader.record().record == R"({"x":"y"})");
  CHECK(reader.line_number() == 2);
  REQUIRE(reader.next());
  CHECK(reader.record().record == R"({"z":1})");
  CHECK(reader.line_text().back() == '}');
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader skips blank lines but counts them", "[message_reader]") {
  auto reader = reader_of("\n   \n\t\r\n" + record_line("s", "{}") + "\n\n\n" + record_line("t", "{}") + "\n \n");
  REQUIRE(reader.next());
  CHECK(reader.record().stream == "s");
  CHECK(reader.line_number() == 4);
  REQUIRE(reader.next());
  CHECK(reader.record().stream == "t");
  CHECK(reader.line_number() == 7);
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader reads a last line without a newline", "[message_reader]") {
  auto reader = reader_of(record_line("s", R"({"a":1})") + "\n" + record_line("s", R"({"b":2})"));
  REQUIRE(reader.next());
  REQUIRE(reader.next());
  CHECK(reader.record().record == R"({"b":2})");
  CHECK(reader.line_number() == 2);
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader of empty input has no messages", "[message_reader]") {
  auto reader = reader_of("");
  CHECK_FALSE(reader.next());
  auto blank = reader_of("\n\n");
  CHECK_FALSE(blank.next());
}

TEST_CASE("reader skips messages of unknown type and continues with the next", "[message_reader]") {
  auto reader = reader_of(record_line("s", R"({"a":1})") +
                          "\n"
                          R"({"type":"FUTURE_THING","stream":"s","whatever":[1,2,{}]})"
                          "\n"
                          R"({"type":"record","stream":"s","record":{}})"
                          "\n"
                          R"({"type":"STATE","value":{"done":true}})"
                          "\n");
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::Record);
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);
  CHECK(reader.line_number() == 4);
  CHECK(reader.state().raw_value == R"({"done":true})");
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader names its source and line in location", "[message_reader]") {
  auto reader = reader_of("\n" + record_line("users", "{}") + "\n");
  REQUIRE(reader.next());
  CHECK(reader.source_name() == "<stdin>");
  CHECK(reader.location().to_string() == "<stdin>:2");
  CHECK(reader.location("users").to_string() == "<stdin>:2: stream 'users'");
  auto unnamed = MessageReader::from_string("[]");
  CHECK(unnamed.source_name() == "<string>");
  CHECK_THROWS_WITH(unnamed.next(), "<string>:1: message is not a JSON object");
}

// ---- errors --------------------------------------------------------------------------

TEST_CASE("reader reports the line of a malformed message", "[message_reader]") {
  auto reader = reader_of(record_line("s", R"({"a":1})") +
                          "\n"
                          R"({"type":"STATE","value":{}})"
                          "\n"
                          R"({"type":"RECORD","stream":"s","record":{"a":"b}})"
                          "\n" +
                          record_line("s", "{}") + "\n");
  REQUIRE(reader.next());
  REQUIRE(reader.next());
  CHECK_THROWS_WITH(reader.next(), "<stdin>:3: invalid JSON: unclosed string at byte 45");
}

TEST_CASE("reader says where invalid JSON is, never what the line holds", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  // The bytes before the error may be personal data: only their count is shown.
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"email":"ann@example.com","n":01})"), fields)),
                    "<stdin>:1: invalid JSON: invalid number (leading zero) at byte 71");
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"email":"ann@example.com" "n":1})"), fields)),
                    "<stdin>:1: invalid JSON: expected ',' or '}' at byte 67");
  CHECK_THROWS_WITH(drain(reader_of("  ann@example.com,42\n", fields)),
                    "<stdin>:1: invalid JSON: expected a value at byte 3");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"STATE","value":{"a":[1,}})", fields)),
                    "<stdin>:1: invalid JSON: expected a value at byte 33");
}

TEST_CASE("reader names NaN and Infinity, which Python taps write", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"x":NaN})"), fields)),
                    "<stdin>:1: invalid JSON: NaN is not a JSON number at byte 45");
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"x":[1,Infinity]})"), fields)),
                    "<stdin>:1: invalid JSON: Infinity is not a JSON number at byte 48");
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"x":-Infinity})"), fields)),
                    "<stdin>:1: invalid JSON: -Infinity is not a JSON number at byte 45");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"STATE","value":{"x":NaN}})", fields)),
                    "<stdin>:1: invalid JSON: NaN is not a JSON number at byte 30");
}

TEST_CASE("reader reports invalid JSON inside a record", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a" 1})"), fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", "{\"a\":\"\xFF\"}"), fields)),
                    Contains("<stdin>:1: invalid JSON: invalid UTF-8"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", "{\"a\":\"x\ty\"}"), fields)),
                    Contains("<stdin>:1: invalid JSON"));
}

TEST_CASE("reader with fields on reports invalid values inside a record", "[message_reader]") {
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":01})"), true)),
                    "<stdin>:1: invalid JSON: invalid number (leading zero) at byte 45");
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":tru})"), true)), Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":[1,]})"), true)), Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":{"b":nul}})"), true)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":1 "b":2})"), true)),
                    Contains("<stdin>:1: invalid JSON"));
}

TEST_CASE("reader with fields off reports invalid values inside a record", "[message_reader]") {
  // The record's bytes go straight to JSON destinations, so they must be valid JSON.
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":01})"), false)), Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":tru})"), false)), Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":[1,]})"), false)), Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":{"b":nul}})"), false)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":1 "b":2})"), false)),
                    Contains("<stdin>:1: invalid JSON"));
}

TEST_CASE("reader reports invalid JSON in members it does not use", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":"s","record":{},"other":[1,]})", fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":"s","record":{},"other":{"x":tru}})", fields)),
                    Contains("<stdin>:1: invalid JSON"));
}

TEST_CASE("reader reports a message without a type", "[message_reader]") {
  CHECK_THROWS_WITH(drain(reader_of("\n" R"({"stream":"s","record":{}})" "\n")),
                    "<stdin>:2: message has no 'type'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":1,"stream":"s"})")),
                    "<stdin>:1: message 'type' is not a string");
}

TEST_CASE("reader reports messages missing their required keys", "[message_reader]") {
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","record":{}})")),
                    "<stdin>:1: RECORD message has no 'stream'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":"s"})")),
                    "<stdin>:1: stream 's': RECORD message has no 'record'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":"s","record":[1]})")),
                    "<stdin>:1: 'record' is not an object");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"SCHEMA","schema":{}})")),
                    "<stdin>:1: SCHEMA message has no 'stream'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"SCHEMA","stream":"s","key_properties":[]})")),
                    "<stdin>:1: stream 's': SCHEMA message has no 'schema'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"STATE"})")), "<stdin>:1: STATE message has no 'value'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"ACTIVATE_VERSION","stream":"s"})")),
                    "<stdin>:1: stream 's': ACTIVATE_VERSION message has no 'version'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"BATCH","stream":"s","manifest":[]})")),
                    "<stdin>:1: stream 's': BATCH message has no 'encoding'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"BATCH","stream":"s","encoding":{}})")),
                    "<stdin>:1: stream 's': BATCH message has no 'manifest'");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":1,"record":{}})")),
                    "<stdin>:1: message 'stream' is not a string");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"SCHEMA","stream":"s","schema":{},"key_properties":"id"})")),
                    "<stdin>:1: 'key_properties' is not an array of strings");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"SCHEMA","stream":"s","schema":{},"key_properties":[1]})")),
                    "<stdin>:1: 'key_properties' is not an array of strings");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":"s","record":{},"time_extracted":5})")),
                    "<stdin>:1: 'time_extracted' is not a string");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"ACTIVATE_VERSION","stream":"s","version":"1"})")),
                    "<stdin>:1: 'version' is not a number");
}

TEST_CASE("reader reports a SCHEMA whose schema is not an object", "[message_reader]") {
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"SCHEMA","stream":"s","schema":[],"key_properties":[]})")),
                    "<stdin>:1: stream 's': schema is not an object");
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"SCHEMA","stream":"s","schema":true,"key_properties":[]})")),
                    "<stdin>:1: stream 's': schema is not an object");
}

TEST_CASE("reader reports a NUL byte in its input", "[message_reader]") {
  std::string text = record_line("s", "{}") + "\n" + record_line("s", R"({"a":"x)") + std::string(1, '\0') +
                     R"("})" + "\n";
  auto reader = reader_of(text);
  REQUIRE(reader.next());
  CHECK_THROWS_WITH(reader.next(), "<stdin>:2: NUL byte in input");
  CHECK_THROWS_WITH(drain(reader_of(std::string("\0", 1))), "<stdin>:1: NUL byte in input");
}

TEST_CASE("reader reports a line that is not a JSON object", "[message_reader]") {
  CHECK_THROWS_WITH(drain(reader_of(R"([{"type":"STATE","value":{}}])")), "<stdin>:1: message is not a JSON object");
  CHECK_THROWS_WITH(drain(reader_of("\n  [1]\n")), "<stdin>:2: message is not a JSON object");
  CHECK_THROWS_WITH(drain(reader_of(R"("STATE")")), "<stdin>:1: message is not a JSON object");
  CHECK_THROWS_WITH(drain(reader_of("null")), "<stdin>:1: message is not a JSON object");
  CHECK_THROWS_WITH(drain(reader_of("INFO METRIC: {}")), "<stdin>:1: invalid JSON: expected a value at byte 1");
}

TEST_CASE("reader reports a truncated last line as invalid JSON on that line", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  const std::string first = record_line("s", R"({"a":1})") + "\n";
  for (const char* last : {
           R"({"type":"RECORD","stream":"s","record":{"a":"tru)",
           R"({"type":"RECORD","stream":"s","record":{"a":1)",
           R"({"type":"RECORD","stream":"s","record":{"a":1})",
           R"({"type":"RECORD","stream":"s","rec)",
           R"({"type":"RECORD","stream":"s",)",
           R"({"type":"STATE","value":{"a":1})",
           R"({"type":"STATE","value":{"a":{}})",
           R"({"type":"STATE","value":)",
           R"({)",
       }) {
    INFO(last);
    auto reader = reader_of(first + last, fields);
    REQUIRE(reader.next());
    CHECK_THROWS_WITH(reader.next(), Contains("<stdin>:2: invalid JSON"));
  }
}

TEST_CASE("reader reports content after the message object", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"STATE","value":{}} x)", fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":1})") + " 1", fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":1})") + " x\n", fields)),
                    Contains("<stdin>:1: invalid JSON"));
}

TEST_CASE("reader reports a message followed by another object or brace on its line",
          "[message_reader]") {
  // Two documents on one line, or a stray '}', must not pass as one message.
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"STATE","value":{}}})", fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"STATE","value":{}} {})", fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(drain(reader_of(record_line("s", R"({"a":1})") + "}", fields)),
                    Contains("<stdin>:1: invalid JSON"));
  CHECK_THROWS_WITH(
      drain(reader_of(record_line("s", R"({"a":1})") + R"({"type":"RECORD","stream":"s","record":{}})", fields)),
      Contains("<stdin>:1: invalid JSON"));
}

// ---- file descriptors ----------------------------------------------------------------

TEST_CASE("reader reads a 20 MiB record from a pipe", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  const std::string big(size_t{20} << 20, 'x');
  const std::string record = R"({"id":1,"s":")" + big + R"(","after":true})";
  PipeFeeder feeder(R"({"type":"STATE","value":{"n":0}})"
                    "\n" +
                        record_line("big", record) + "\n" + R"({"type":"STATE","value":{"n":1}})" + "\n" +
                        record_line("big", R"({"id":2,"s":")" + big + R"("})"),  // last line, no newline
                    size_t{1} << 16);
  MessageReader reader(feeder.read_fd, "<stdin>");
  reader.set_record_fields(fields);

  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);

  REQUIRE(reader.next());
  REQUIRE(reader.type() == MessageType::Record);
  CHECK(reader.line_number() == 2);
  CHECK(reader.record().stream == "big");
  CHECK(reader.record().record.size() == record.size());
  CHECK(reader.record().record == record);
  if (fields) {
    const auto& n = reader.record().fields->nodes;
    REQUIRE(n.size() == 4);
    CHECK(n[2].key == "s");
    CHECK(n[2].text.size() == big.size());
    CHECK(n[3].key == "after");
  }

  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);
  CHECK(reader.state().raw_value == R"({"n":1})");
  CHECK(reader.line_number() == 3);

  REQUIRE(reader.next());
  CHECK(reader.line_number() == 4);
  CHECK(reader.record().record.size() == big.size() + 15);
  CHECK(reader.record().record.substr(reader.record().record.size() - 4) == R"(xx"})");
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader reads a very long line from a file", "[message_reader]") {
  const std::string big(size_t{9} << 20, 'y');
  MemFile file(record_line("s", R"({"a":")" + big + R"("})") + "\n" + record_line("s", R"({"b":2})"));
  MessageReader reader(file.fd, "big.jsonl");
  REQUIRE(reader.next());
  CHECK(reader.record().record.size() == big.size() + 8);
  REQUIRE(reader.next());
  CHECK(reader.record().record == R"({"b":2})");
  CHECK(reader.location().to_string() == "big.jsonl:2");
  CHECK_FALSE(reader.next());
}

TEST_CASE("reader reads 100k lines through a pipe across buffer refills", "[message_reader]") {
  const bool fields = GENERATE(false, true);
  INFO("fields " << fields);
  constexpr int kLines = 100000;
  auto record_of = [](int i) {
    return R"({"i":)" + std::to_string(i) + R"(,"pad":")" + std::string(static_cast<size_t>(i % 97), 'p') +
           R"(","n":)" + std::to_string(i) + ".5}";
  };
  std::string text;
  for (int i = 0; i < kLines; ++i) {
    text += record_line("s", record_of(i));
    text += i % 3 == 0 ? "\r\n" : "\n";
  }
  REQUIRE(text.size() > (size_t{8} << 20));  // more than the reader's first buffer
  PipeFeeder feeder(std::move(text), 65521);
  MessageReader reader(feeder.read_fd, "<stdin>");
  reader.set_record_fields(fields);

  int seen = 0;
  int wrong = 0;
  while (reader.next()) {
    const std::string want = record_of(seen);
    const bool ok = reader.type() == MessageType::Record && reader.record().record == want &&
                    reader.line_number() == seen + 1 && reader.record().stream == "s" &&
                    (!fields || (reader.record().fields->nodes.size() == 4 &&
                                 reader.record().fields->nodes[1].text == std::to_string(seen)));
    if (!ok && wrong++ < 5) {
      FAIL_CHECK("line " << reader.line_number() << ": " << reader.line_text());
    }
    ++seen;
  }
  CHECK(seen == kLines);
  CHECK(wrong == 0);
}

TEST_CASE("reader reports the line of a malformed message read from a pipe", "[message_reader]") {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += record_line("s", R"({"i":)" + std::to_string(i) + "}") + "\n";
  text += R"({"type":"RECORD","stream":"s","record":{"i":"unclosed}})" "\n";
  text += record_line("s", "{}") + "\n";
  PipeFeeder feeder(std::move(text));
  MessageReader reader(feeder.read_fd, "<stdin>");
  int n = 0;
  CHECK_THROWS_WITH(
      [&] {
        while (reader.next()) ++n;
      }(),
      "<stdin>:50001: invalid JSON: unclosed string at byte 45");
  CHECK(n == 50000);
}

TEST_CASE("reader reports a version that does not fit in 64 bits", "[message_reader]") {
  // Casting 1e30 to int64 is undefined behaviour (UBSan: float-cast-overflow).
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"ACTIVATE_VERSION","stream":"s","version":1e30})")),
                    Contains("<stdin>:1: "));
  CHECK_THROWS_WITH(drain(reader_of(R"({"type":"RECORD","stream":"s","record":{},"version":12345678901234567890})")),
                    Contains("<stdin>:1: "));
}
