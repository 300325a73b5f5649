// tap-csv's RFC 4180 reader and its type inference, tested through strings; every case
// also runs with tiny buffers so each byte of input lands on a refill boundary once.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "csv_reader.hpp"
#include "type_inference.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using tap_csv::ColumnType;
using tap_csv::CsvDialect;
using tap_csv::CsvReader;

namespace {

struct Row {
  std::int64_t line;
  std::vector<std::string> fields;
  bool operator==(const Row& o) const { return line == o.line && fields == o.fields; }
};

std::vector<Row> read_all(const std::string& text, std::size_t buffer_bytes = CsvReader::kBufferBytes,
                          CsvDialect dialect = {}) {
  CsvReader reader = CsvReader::from_string(text, "data/x.csv", dialect, buffer_bytes);
  std::vector<Row> rows;
  while (reader.next()) rows.push_back({reader.line(), {reader.fields().begin(), reader.fields().end()}});
  return rows;
}

// The same rows whatever the buffer size.
std::vector<Row> read_every_way(const std::string& text, CsvDialect dialect = {}) {
  std::vector<Row> rows = read_all(text, CsvReader::kBufferBytes, dialect);
  for (std::size_t size : {1, 2, 3, 4, 5, 7, 16}) {
    INFO("buffer of " << size << " bytes");
    CHECK(read_all(text, size, dialect) == rows);
  }
  return rows;
}

std::string error_of(const std::string& text, std::size_t buffer_bytes = CsvReader::kBufferBytes) {
  try {
    read_all(text, buffer_bytes);
  } catch (const singer::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("reader splits plain records on commas and line feeds", "[csv_reader]") {
  auto rows = read_every_way("id,name\n1,Ann\n2,Bob\n");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == Row{1, {"id", "name"}});
  CHECK(rows[1] == Row{2, {"1", "Ann"}});
  CHECK(rows[2] == Row{3, {"2", "Bob"}});
}

TEST_CASE("reader keeps delimiters, doubled quotes and line breaks inside quoted fields", "[csv_reader]") {
  auto rows = read_every_way("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\"\"\"\",\"\",z\n");
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] == Row{2, {"x,y", "say \"hi\"", "two\nlines"}});
  // The record after a quoted line break starts on physical line 4.
  CHECK(rows[2] == Row{4, {"\"", "", "z"}});
}

TEST_CASE("reader accepts CRLF, lone CR and a missing final line break", "[csv_reader]") {
  auto rows = read_every_way("a,b\r\n1,2\r3,4\r\n\"q\r\nr\",5");
  REQUIRE(rows.size() == 4);
  CHECK(rows[1] == Row{2, {"1", "2"}});
  CHECK(rows[2] == Row{3, {"3", "4"}});
  CHECK(rows[3] == Row{4, {"q\r\nr", "5"}});
}

TEST_CASE("reader skips a UTF-8 byte order mark", "[csv_reader]") {
  auto rows = read_every_way("\xEF\xBB\xBFid,caf\xC3\xA9\n1,2\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].fields == std::vector<std::string>{"id", "caf\xC3\xA9"});
}

TEST_CASE("reader keeps empty fields and skips blank lines", "[csv_reader]") {
  auto rows = read_every_way("\n\na,b,c\n\n,,\n\"\"\n1,\n\n");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == Row{3, {"a", "b", "c"}});
  CHECK(rows[1] == Row{5, {"", "", ""}});
  CHECK(rows[2] == Row{6, {""}});  // a quoted empty field is a value, not a blank line
  CHECK(rows[3] == Row{7, {"1", ""}});
}

TEST_CASE("reader treats a quote inside an unquoted field as a character", "[csv_reader]") {
  auto rows = read_every_way("height\n5'11\"\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].fields == std::vector<std::string>{"5'11\""});
}

TEST_CASE("reader honours another delimiter and quote character", "[csv_reader]") {
  auto rows = read_every_way("a;b\n'x;y';'it''s'\n", CsvDialect{';', '\''});
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].fields == std::vector<std::string>{"x;y", "it's"});
  auto tsv = read_every_way("a\tb\n1\t\"2\t3\"\n", CsvDialect{'\t', '"'});
  CHECK(tsv[1].fields == std::vector<std::string>{"1", "2\t3"});
}

TEST_CASE("reader grows its buffer for a field larger than the buffer", "[csv_reader]") {
  std::string big(100000, 'x');
  auto rows = read_all("a,b\n1,\"" + big + "\"\n2," + big + "\n", 64);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].fields[1] == big);
  CHECK(rows[2].fields[1] == big);
}

TEST_CASE("reader reports a NUL byte with its physical line", "[csv_reader]") {
  CHECK_THAT(error_of(std::string("a,b\n1,2\n3,\0\n", 12)), Equals("data/x.csv:3: NUL byte in input"));
  CHECK_THAT(error_of(std::string("a,b\n1,\"x\ny\0\"\n", 13), 2), Equals("data/x.csv:3: NUL byte in input"));
}

TEST_CASE("reader reports an unterminated quote with the line it starts on", "[csv_reader]") {
  CHECK_THAT(error_of("a,b\n1,2\n3,\"open\nmore\nstill\n"),
             Equals("data/x.csv:3: unterminated quoted field starting at line 3"));
  CHECK_THAT(error_of("a,b\n1,\"x\ny\",\"open", 3),
             Equals("data/x.csv:2: unterminated quoted field starting at line 3"));
}

TEST_CASE("reader rejects text after a closing quote", "[csv_reader]") {
  CHECK_THAT(error_of("a,b\n1,\"x\"y\n"), Contains("data/x.csv:2: field 2: text after the closing quote"));
}

TEST_CASE("reader reports invalid UTF-8 with the record's line and field", "[csv_reader]") {
  CHECK_THAT(error_of("a,b\n1,ok\n\"x\ny\",caf\xE9\n"), Equals("data/x.csv:3: invalid UTF-8 in field 2"));
  CHECK_THAT(error_of("a,b\n1,\xC3\n", 1), Equals("data/x.csv:2: invalid UTF-8 in field 2"));
}

TEST_CASE("reader names the stream in its errors and reports files it cannot open", "[csv_reader]") {
  CHECK_THROWS_WITH(CsvReader("/nonexistent/users.csv", {}, "users"),
                    Equals("/nonexistent/users.csv: cannot open: No such file or directory"));
  CHECK_THROWS_WITH(CsvReader("/", {}, "users"), Equals("/: cannot open: Is a directory"));
}

TEST_CASE("reader reads an empty input as no records", "[csv_reader]") {
  CHECK(read_every_way("").empty());
  CHECK(read_every_way("\xEF\xBB\xBF").empty());
  CHECK(read_every_way("\r\n\n").empty());
}

TEST_CASE("type inference picks the narrowest type that fits every value", "[csv_reader]") {
  auto infer = [](std::vector<std::string> values) {
    tap_csv::TypeGuess guess;
    for (const auto& v : values) guess.observe(v);
    return guess.result();
  };
  CHECK(infer({"1", "-20", "123456789012345678901234567890"}).type == ColumnType::Integer);
  CHECK(infer({"1", "2.5", "1e5"}).type == ColumnType::Number);
  CHECK(infer({"true", "FALSE", "True"}).type == ColumnType::Boolean);
  CHECK(infer({"2024-01-31T10:00:00Z", "2024-02-01T00:00:00+02:00"}).type == ColumnType::DateTime);
  CHECK(infer({"1", "x"}).type == ColumnType::String);
  CHECK(infer({"007"}).type == ColumnType::String);  // zip codes keep their zeros
  CHECK(infer({}).type == ColumnType::String);
  CHECK(infer({"", ""}).type == ColumnType::String);

  auto nullable = infer({"1", "", "3"});
  CHECK(nullable.type == ColumnType::Integer);
  CHECK(nullable.nullable);
  CHECK_FALSE(infer({"a", ""}).nullable);  // strings keep "" as ""
}

TEST_CASE("number checks follow the JSON grammar", "[csv_reader]") {
  for (const char* ok : {"0", "-0", "1e5", "1E+5", "-1.25e-3", "99999999999999999999999"}) {
    INFO(ok);
    CHECK(tap_csv::is_json_number(ok));
  }
  for (const char* bad : {"", "-", "1.", ".5", "+1", "01", "1e", "NaN", "inf", " 1", "1 ", "0x10"}) {
    INFO(bad);
    CHECK_FALSE(tap_csv::is_json_number(bad));
  }
  CHECK(tap_csv::is_json_integer("-12"));
  CHECK_FALSE(tap_csv::is_json_integer("1.0"));
  CHECK_FALSE(tap_csv::is_json_integer("007"));
}

TEST_CASE("property schemas declare null only for typed columns with empty values", "[csv_reader]") {
  CHECK(tap_csv::property_schema({ColumnType::String, false}).dump() == R"({"type":"string"})");
  CHECK(tap_csv::property_schema({ColumnType::Integer, true}).dump() == R"({"type":["integer","null"]})");
  CHECK(tap_csv::property_schema({ColumnType::DateTime, false}).dump() ==
        R"({"type":"string","format":"date-time"})");
}
