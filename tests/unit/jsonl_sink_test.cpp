// JsonlSink: record bytes as received, the _sdc_* metadata columns (each key once, the
// record's own _sdc_deleted_at), and file names for streams.
#include "jsonl_sink.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include <fstream>
#include <sstream>

using namespace target_jsonl;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

singer::RecordContext context(std::int64_t sequence) {
  singer::RecordContext c;
  c.sequence = sequence;
  c.received_at = "R";
  c.batched_at = "B";
  c.sync_started_at = 1700000000000;
  return c;
}

// Writes one record with add_record_metadata on; returns the line written.
std::string with_metadata(std::string_view record, std::string_view time_extracted = {},
                          std::optional<std::int64_t> version = {}) {
  TempDir dir;
  JsonlOptions options;
  options.destination_path = dir.path.string();
  options.add_record_metadata = true;
  JsonlSink sink("s", options);
  singer::RecordMessage message;
  message.stream = "s";
  message.record = record;
  message.time_extracted = time_extracted;
  singer::RecordContext c = context(42);
  c.table_version = version;
  sink.write(message, c);
  sink.flush();
  return read_file(sink.path());
}

}  // namespace

TEST_CASE("record metadata follows the record's members in the Meltano SDK's order", "[jsonl_sink]") {
  CHECK(with_metadata(R"({"id":1})", "2024-01-01T00:00:00Z", 7) ==
        R"({"id":1,"_sdc_extracted_at":"2024-01-01T00:00:00Z","_sdc_received_at":"R","_sdc_batched_at":"B",)"
        R"("_sdc_deleted_at":null,"_sdc_sequence":42,"_sdc_table_version":7,"_sdc_sync_started_at":1700000000000})"
        "\n");
  // The record's own bytes stay as they are, up to its closing brace.
  CHECK(with_metadata("{ }") ==
        R"({ "_sdc_extracted_at":null,"_sdc_received_at":"R","_sdc_batched_at":"B",)"
        R"("_sdc_deleted_at":null,"_sdc_sequence":42,"_sdc_table_version":null,"_sdc_sync_started_at":1700000000000})"
        "\n");
}

TEST_CASE("record metadata replaces a record's own _sdc_ members instead of repeating them",
          "[jsonl_sink]") {
  CHECK(with_metadata(R"({"_sdc_sequence":1, "id":1 ,"_sdc_extracted_at":"x","_sdc_batched_at":{"a":[1,"}"]}})") ==
        R"({"id":1,"_sdc_extracted_at":null,"_sdc_received_at":"R","_sdc_batched_at":"B",)"
        R"("_sdc_deleted_at":null,"_sdc_sequence":42,"_sdc_table_version":null,"_sdc_sync_started_at":1700000000000})"
        "\n");
  // Only the metadata keys themselves: other _sdc_ names and nested ones stay.
  CHECK(with_metadata(R"({"_sdc_source_file":"a.csv","n":{"_sdc_sequence":5}})") ==
        R"({"_sdc_source_file":"a.csv","n":{"_sdc_sequence":5},"_sdc_extracted_at":null,"_sdc_received_at":"R",)"
        R"("_sdc_batched_at":"B","_sdc_deleted_at":null,"_sdc_sequence":42,"_sdc_table_version":null,)"
        R"("_sdc_sync_started_at":1700000000000})"
        "\n");
}

TEST_CASE("record metadata takes _sdc_deleted_at from the record", "[jsonl_sink]") {
  CHECK(with_metadata(R"({"id":1,"_sdc_deleted_at":"2024-05-01T00:00:00Z"})") ==
        R"({"id":1,"_sdc_extracted_at":null,"_sdc_received_at":"R","_sdc_batched_at":"B",)"
        R"("_sdc_deleted_at":"2024-05-01T00:00:00Z","_sdc_sequence":42,"_sdc_table_version":null,)"
        R"("_sdc_sync_started_at":1700000000000})"
        "\n");
}

TEST_CASE("stream file names escape every byte outside [A-Za-z0-9._-] and a leading dot",
          "[jsonl_sink]") {
  CHECK(file_name_for_stream("users") == "users.jsonl");
  CHECK(file_name_for_stream("a.b-c_D9") == "a.b-c_D9.jsonl");
  CHECK(file_name_for_stream("../../etc/passwd") == "%2E.%2F..%2Fetc%2Fpasswd.jsonl");
  CHECK(file_name_for_stream(".x") == "%2Ex.jsonl");
  CHECK(file_name_for_stream("x y/é") == "x%20y%2F%C3%A9.jsonl");
}
