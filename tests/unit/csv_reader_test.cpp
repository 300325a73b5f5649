// tap-csv's RFC 4180 reader and its type inference, tested through strings; every case
// also runs with tiny buffers so each byte of input lands on a refill boundary once.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "csv_reader.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using tap_csv::CsvDialect;
using tap_csv::CsvReader;
using tap_csv::Encoding;

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

TEST_CASE("reader reports invalid UTF-8 with the record's line, field and byte offset", "[csv_reader]") {
  const std::string hint = " (set 'encoding' in the config if the file is not UTF-8, e.g. \"windows-1252\")";
  CHECK_THAT(error_of("a,b\n1,ok\n\"x\ny\",caf\xE9\n"), Equals("data/x.csv:3: field 2: invalid UTF-8 at byte 18" + hint));
  CHECK_THAT(error_of("a,b\n1,\xC3\n", 1), Equals("data/x.csv:2: field 2: invalid UTF-8 at byte 6" + hint));
  // The offset is the file's: after a BOM, doubled quotes and a refill.
  CHECK_THAT(error_of("\xEF\xBB\xBF" "a,b\n\"\"\"q\"\"\xC3\xA9\xFF\",2\n", 4),
             Equals("data/x.csv:2: field 1: invalid UTF-8 at byte 15" + hint));
}

TEST_CASE("reader names fields by the column names it is given", "[csv_reader]") {
  const std::vector<std::string> names{"id", "city"};
  CsvReader reader = CsvReader::from_string("1,Oslo\n2,Mal\xE9\n", "data/x.csv");
  reader.set_field_names(&names);
  REQUIRE(reader.next());
  CHECK_THROWS_WITH(reader.next(), Contains("data/x.csv:2: field 'city': invalid UTF-8 at byte 12"));
}

TEST_CASE("reader decodes Windows-1252 and the ISO-8859 encodings into UTF-8", "[csv_reader]") {
  auto cp1252 = read_every_way("id,name\n1,Caf\xE9 \x80\x93 \"\x84x\x93\"\n", CsvDialect{',', '"', Encoding::Windows1252});
  REQUIRE(cp1252.size() == 2);
  CHECK(cp1252[1] == Row{2, {"1", "Caf\xC3\xA9 \xE2\x82\xAC\xE2\x80\x9C \"\xE2\x80\x9Ex\xE2\x80\x9C\""}});
  auto latin1 = read_every_way("a\n\xE9\xA4\n", CsvDialect{',', '"', Encoding::Latin1});
  CHECK(latin1[1].fields == std::vector<std::string>{"\xC3\xA9\xC2\xA4"});
  auto latin9 = read_every_way("a\n\xE9\xA4\n", CsvDialect{',', '"', Encoding::Latin9});
  CHECK(latin9[1].fields == std::vector<std::string>{"\xC3\xA9\xE2\x82\xAC"});
}

TEST_CASE("reader detects UTF-16 and UTF-8 byte order marks whatever the encoding", "[csv_reader]") {
  const std::string le("\xFF\xFE" "i\0d\0,\0n\0\n\0" "1\0,\0\xE9\0\x3D\xD8\x00\xDE\n\0", 24);
  const std::vector<Row> want{{1, {"id", "n"}}, {2, {"1", "\xC3\xA9\xF0\x9F\x98\x80"}}};
  CHECK(read_every_way(le) == want);
  const std::string be("\xFE\xFF" "\0i\0d\0,\0n\0\n" "\0" "1\0,\0\xE9\xD8\x3D\xDE\x00\0\n", 24);
  CHECK(read_every_way(be) == want);
  // utf-16 without a BOM is little-endian, as Windows writes it.
  CHECK(read_every_way(le.substr(2), CsvDialect{',', '"', Encoding::Utf16Le}) == want);
  // A UTF-8 BOM wins over a configured single-byte encoding.
  auto utf8 = read_every_way("\xEF\xBB\xBFid\n\xC3\xA9\n", CsvDialect{',', '"', Encoding::Windows1252});
  CHECK(utf8[1].fields == std::vector<std::string>{"\xC3\xA9"});
}

TEST_CASE("reader reports a byte invalid in the encoding with its file offset", "[csv_reader]") {
  auto error_in = [](const std::string& text, Encoding encoding, std::size_t buffer_bytes) {
    try {
      read_all(text, buffer_bytes, CsvDialect{',', '"', encoding});
    } catch (const singer::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  for (std::size_t size : {1, 3, 1 << 20}) {
    INFO("buffer of " << size << " bytes");
    // 0x81 is one of the five bytes Windows-1252 leaves undefined.
    CHECK_THAT(error_in("a,b\n1,\xE9\n2,x\x81\n", Encoding::Windows1252, size),
               Equals("data/x.csv:3: field 2: invalid windows-1252 at byte 11 (check 'encoding' in the config)"));
    // A lone surrogate, found through the BOM: no hint, the file said what it is.
    CHECK_THAT(error_in(std::string("\xFF\xFE" "a\0\n\0\x00\xD8\n\0", 10), Encoding::Utf8, size),
               Equals("data/x.csv:2: field 1: invalid UTF-16LE at byte 6"));
    // An odd last byte.
    CHECK_THAT(error_in(std::string("\xFF\xFE" "a\0\n\0b\0c", 9), Encoding::Utf8, size),
               Equals("data/x.csv:2: field 1: invalid UTF-16LE at byte 8"));
  }
}

TEST_CASE("reader hints at UTF-16 for a NUL byte on the first line", "[csv_reader]") {
  CHECK_THAT(error_of(std::string("i\0d\0\n\0", 6)),
             Equals("data/x.csv:1: NUL byte in input (if the file is UTF-16 without a byte order mark, set "
                    "'encoding' to \"utf-16le\" or \"utf-16be\" in the config)"));
}

TEST_CASE("encoding names follow Python's codec names", "[csv_reader]") {
  CHECK(tap_csv::parse_encoding("UTF-8") == Encoding::Utf8);
  CHECK(tap_csv::parse_encoding("utf_8_sig") == Encoding::Utf8);
  CHECK(tap_csv::parse_encoding("utf-16") == Encoding::Utf16Le);
  CHECK(tap_csv::parse_encoding("UTF-16BE") == Encoding::Utf16Be);
  CHECK(tap_csv::parse_encoding("cp1252") == Encoding::Windows1252);
  CHECK(tap_csv::parse_encoding("Windows-1252") == Encoding::Windows1252);
  CHECK(tap_csv::parse_encoding("latin1") == Encoding::Latin1);
  CHECK(tap_csv::parse_encoding("ISO-8859-1") == Encoding::Latin1);
  CHECK(tap_csv::parse_encoding("latin-9") == Encoding::Latin9);
  CHECK(tap_csv::parse_encoding("iso8859_15") == Encoding::Latin9);
  CHECK_FALSE(tap_csv::parse_encoding("ebcdic"));
  CHECK_FALSE(tap_csv::parse_encoding("utf-32"));
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
