// MessageWriter: the exact bytes of each message, buffering, STATE flushing, and
// round trips through MessageReader.
#include "singer/message_writer.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "singer/message_reader.hpp"

using namespace singer;
using Catch::Contains;

namespace {

// An in-memory file the writer writes to; contents() reads everything written so far.
struct MemFile {
  int fd = -1;
  MemFile() {
    fd = ::memfd_create("message_writer_test", 0);
    REQUIRE(fd >= 0);
  }
  ~MemFile() { ::close(fd); }
  std::string contents() const {
    std::string out;
    char buf[65536];
    off_t offset = 0;
    for (;;) {
      ssize_t n = ::pread(fd, buf, sizeof buf, offset);
      REQUIRE(n >= 0);
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
      offset += n;
    }
    return out;
  }
};

// A pipe whose read end never blocks: available() returns what is in it right now.
struct Pipe {
  int read_fd = -1, write_fd = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_fd = fds[0];
    write_fd = fds[1];
    REQUIRE(::fcntl(read_fd, F_SETFL, ::fcntl(read_fd, F_GETFL) | O_NONBLOCK) == 0);
  }
  ~Pipe() {
    ::close(read_fd);
    if (write_fd >= 0) ::close(write_fd);
  }
  std::string available() const {
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(read_fd, buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      REQUIRE((n == 0 || errno == EAGAIN || errno == EWOULDBLOCK));
      return out;
    }
  }
};

}  // namespace

TEST_CASE("writer writes a RECORD built through begin_record and end_record", "[message_writer]") {
  MemFile file;
  {
    MessageWriter writer(file.fd);
    JsonWriter& json = writer.begin_record("s");
    json.begin_object();
    json.key("id");
    json.integer(1);
    json.key("name");
    json.string("a\"b\n");
    json.key("tags");
    json.begin_array();
    json.string("x");
    json.number(0.5);
    json.end_array();
    json.key("n");
    json.null();
    json.end_object();
    writer.end_record("2024-01-02T03:04:05.000000Z");

    // The writer's comma tracking starts afresh for every record.
    JsonWriter& again = writer.begin_record("s");
    again.begin_object();
    again.key("id");
    again.integer(2);
    again.end_object();
    writer.end_record();

    JsonWriter& versioned = writer.begin_record("s");
    versioned.begin_object();
    versioned.end_object();
    writer.end_record("t", 7);
  }
  CHECK(file.contents() ==
        R"({"type":"RECORD","stream":"s","record":{"id":1,"name":"a\"b\n","tags":["x",0.5],"n":null},"time_extracted":"2024-01-02T03:04:05.000000Z"})"
        "\n"
        R"({"type":"RECORD","stream":"s","record":{"id":2}})"
        "\n"
        R"({"type":"RECORD","stream":"s","record":{},"time_extracted":"t","version":7})"
        "\n");
}

TEST_CASE("writer writes a RECORD from the record's own JSON text", "[message_writer]") {
  MemFile file;
  {
    MessageWriter writer(file.fd);
    writer.write_record("s", R"({ "n" : 12345678901234567890123456789 })");
    writer.write_record("s", R"({"a":1})", "2024-01-01T00:00:00Z");
  }
  CHECK(file.contents() ==
        R"({"type":"RECORD","stream":"s","record":{ "n" : 12345678901234567890123456789 }})"
        "\n"
        R"({"type":"RECORD","stream":"s","record":{"a":1},"time_extracted":"2024-01-01T00:00:00Z"})"
        "\n");
}

TEST_CASE("writer escapes stream names", "[message_writer]") {
  MemFile file;
  {
    MessageWriter writer(file.fd);
    writer.write_record("we\"ird\\name\n", "{}");
    SchemaMessage schema;
    schema.stream = "q\"s";
    schema.schema = Json::object();
    writer.write_schema(schema);
    writer.write_activate_version("a\"v", 1);
  }
  CHECK(file.contents() ==
        R"({"type":"RECORD","stream":"we\"ird\\name\n","record":{}})"
        "\n"
        R"({"type":"SCHEMA","stream":"q\"s","schema":{},"key_properties":[]})"
        "\n"
        R"({"type":"ACTIVATE_VERSION","stream":"a\"v","version":1})"
        "\n");

  auto reader = MessageReader::from_string(file.contents(), "<stdin>");
  REQUIRE(reader.next());
  CHECK(reader.record().stream == "we\"ird\\name\n");
  REQUIRE(reader.next());
  CHECK(reader.schema().stream == "q\"s");
  REQUIRE(reader.next());
  CHECK(reader.activate_version().stream == "a\"v");
}

TEST_CASE("writer writes a SCHEMA with key_properties and bookmark_properties", "[message_writer]") {
  MemFile file;
  SchemaMessage schema;
  schema.stream = "users";
  schema.schema = Json::parse(
      R"({"type":"object","properties":{"id":{"type":"integer"},"updated_at":{"type":["null","string"],"format":"date-time"}}})");
  schema.key_properties = {"id"};
  schema.has_key_properties = true;
  schema.bookmark_properties = {"updated_at"};
  SchemaMessage bare;
  bare.stream = "events";
  bare.schema = Json::parse(R"({"type":"object"})");
  {
    MessageWriter writer(file.fd);
    writer.write_schema(schema);
    writer.write_schema(bare);
  }
  CHECK(file.contents() ==
        R"({"type":"SCHEMA","stream":"users","schema":{"type":"object","properties":{"id":{"type":"integer"},"updated_at":{"type":["null","string"],"format":"date-time"}}},"key_properties":["id"],"bookmark_properties":["updated_at"]})"
        "\n"
        R"({"type":"SCHEMA","stream":"events","schema":{"type":"object"},"key_properties":[]})"
        "\n");

  auto reader = MessageReader::from_string(file.contents(), "<stdin>");
  REQUIRE(reader.next());
  CHECK(reader.schema().stream == "users");
  CHECK(reader.schema().schema == schema.schema);
  CHECK(reader.schema().key_properties == schema.key_properties);
  CHECK(reader.schema().bookmark_properties == schema.bookmark_properties);
  REQUIRE(reader.next());
  CHECK(reader.schema().has_key_properties);
  CHECK(reader.schema().key_properties.empty());
}

TEST_CASE("writer buffers records and flushes STATE with everything before it", "[message_writer]") {
  Pipe pipe;
  MessageWriter writer(pipe.write_fd);
  writer.write_record("s", R"({"id":1})");
  writer.write_activate_version("s", 5);
  CHECK(pipe.available().empty());  // still in the buffer

  writer.write_state(Json::parse(R"({"bookmarks":{"s":{"id":1}}})"));
  CHECK(pipe.available() ==
        R"({"type":"RECORD","stream":"s","record":{"id":1}})"
        "\n"
        R"({"type":"ACTIVATE_VERSION","stream":"s","version":5})"
        "\n"
        R"({"type":"STATE","value":{"bookmarks":{"s":{"id":1}}}})"
        "\n");

  writer.write_state(Json::parse(R"({"n":12345678901234567890123456789,"x":null})"));
  CHECK(pipe.available() == R"({"type":"STATE","value":{"n":12345678901234567890123456789,"x":null}})"
                            "\n");

  writer.write_line(R"({"bookmarks":{}})");
  CHECK(pipe.available().empty());
  writer.flush();
  CHECK(pipe.available() == "{\"bookmarks\":{}}\n");
}

TEST_CASE("writer writes raw lines with a newline added", "[message_writer]") {
  MemFile file;
  {
    MessageWriter writer(file.fd);
    writer.write_line(R"({"a":1})");
    writer.write_line("");
    writer.write_line("plain text");
    CHECK(writer.bytes_written() == 8 + 1 + 11);
  }
  CHECK(file.contents() == "{\"a\":1}\n\nplain text\n");
}

TEST_CASE("writer counts bytes written and buffered", "[message_writer]") {
  MemFile file;
  MessageWriter writer(file.fd);
  CHECK(writer.bytes_written() == 0);
  writer.write_record("s", "{}");
  const std::string line = R"({"type":"RECORD","stream":"s","record":{}})" "\n";
  CHECK(writer.bytes_written() == line.size());
  writer.flush();
  CHECK(writer.bytes_written() == line.size());
  CHECK(file.contents() == line);
  writer.write_state(Json::object());
  CHECK(writer.bytes_written() == line.size() + std::string(R"({"type":"STATE","value":{}})" "\n").size());
}

TEST_CASE("writer flushes by itself once its buffer is full", "[message_writer]") {
  MemFile file;
  MessageWriter writer(file.fd);
  const std::string record = R"({"pad":")" + std::string(1000, 'p') + R"("})";
  size_t lines = 0;
  while (file.contents().empty()) {
    writer.write_record("s", record);
    ++lines;
    REQUIRE(lines < 10 * MessageWriter::kBufferBytes / record.size());
  }
  std::string out = file.contents();
  CHECK(out.size() >= MessageWriter::kBufferBytes);
  CHECK(out.back() == '\n');  // whole lines only
  CHECK(static_cast<size_t>(std::count(out.begin(), out.end(), '\n')) == lines);
}

TEST_CASE("writer output reads back through MessageReader", "[message_writer]") {
  MemFile file;
  {
    MessageWriter writer(file.fd);
    SchemaMessage schema;
    schema.stream = "s";
    schema.schema = Json::parse(R"({"type":"object"})");
    schema.key_properties = {"id"};
    writer.write_schema(schema);
    for (int i = 0; i < 1000; ++i) {
      JsonWriter& json = writer.begin_record("s");
      json.begin_object();
      json.key("id");
      json.integer(i);
      json.key("text");
      json.string("line\n\u00e9\u2028");
      json.key("x");
      json.number(i / 8.0);
      json.end_object();
      writer.end_record("2024-01-01T00:00:00Z", i);
    }
    writer.write_state(Json::parse(R"({"bookmarks":{"s":{"id":999}}})"));
  }
  auto reader = MessageReader::from_string(file.contents(), "<stdin>");
  reader.set_record_fields(true);
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::Schema);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(reader.next());
    REQUIRE(reader.type() == MessageType::Record);
    const auto& nodes = reader.record().fields->nodes;
    REQUIRE(nodes.size() == 4);
    CHECK(nodes[1].text == std::to_string(i));
    CHECK(nodes[2].text == "line\n\u00e9\u2028");
    CHECK(reader.record().version == i);
    CHECK(reader.record().time_extracted == "2024-01-01T00:00:00Z");
  }
  REQUIRE(reader.next());
  CHECK(reader.type() == MessageType::State);
  CHECK(reader.state().raw_value == R"({"bookmarks":{"s":{"id":999}}})");
  CHECK_FALSE(reader.next());
}

TEST_CASE("writer reports a failed write", "[message_writer]") {
  int fd = ::open("/dev/full", O_WRONLY);
  if (fd < 0) {
    WARN("no /dev/full");
    return;
  }
  {
    MessageWriter writer(fd);
    writer.write_line("x");
    CHECK_THROWS_WITH(writer.flush(), Contains("<stdout>: write failed: "));
    // The failed bytes are dropped, so the destructor does not try again.
    CHECK_NOTHROW(writer.flush());
  }
  ::close(fd);
}

TEST_CASE("enlarge_pipe does nothing for files and bad descriptors", "[message_writer]") {
  MemFile file;
  enlarge_pipe(file.fd);
  enlarge_pipe(-1);
  Pipe pipe;
  enlarge_pipe(pipe.write_fd);
  SUCCEED();
}

TEST_CASE("writer drops a record left half-written by an error", "[message_writer]") {
  MemFile file;
  try {
    MessageWriter writer(file.fd);
    writer.write_record("s", R"({"a":1})");
    JsonWriter& w = writer.begin_record("s");
    w.begin_object();
    w.key("bad");
    w.string("\xFF");  // throws: invalid UTF-8
    FAIL("no exception");
  } catch (const singer::Error& e) {
    CHECK(std::string(e.what()) == "invalid UTF-8 in string");
  }
  CHECK(file.contents() == R"({"type":"RECORD","stream":"s","record":{"a":1}})" "\n");
}
