// The libpq wrapper against a real server (run by tests/pipeline/lib/pg_server.sh, which
// exports PGHOST/PGPORT/PGUSER/PGDATABASE): queries with parameters, COPY, transactions,
// and failures as one line that names host:port/database and never the password.
#include "singer/postgres.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

#include "singer/error.hpp"

using namespace singer;
using namespace singer::postgres;
using Catch::Contains;

namespace {

ConnectOptions from_environment() {
  REQUIRE(std::getenv("PGPORT") != nullptr);  // run through pg_server.sh
  return {};
}

std::string error_of(const ConnectOptions& options) {
  try {
    Connection c(options);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("libpq's environment is enough to connect", "[postgres]") {
  Connection c(from_environment());
  CHECK(c.server_version() >= 150000);
  CHECK_THAT(c.where(), Contains("127.0.0.1:") && Contains("/postgres"));
  CHECK(c.query_value("SELECT 1 + 1") == "2");
  CHECK_FALSE(c.query_value("SELECT NULL").has_value());
}

TEST_CASE("parameters travel as text, NULL as NULL", "[postgres]") {
  Connection c(from_environment());
  Result r = c.query("SELECT $1::text, $2::bigint, $3::text IS NULL", {"a'b\"c", "9223372036854775807", std::nullopt});
  REQUIRE(r.rows() == 1);
  CHECK(r.text(0, 0) == "a'b\"c");
  CHECK(r.int64(0, 1) == 9223372036854775807);
  CHECK(r.text(0, 2) == "t");
  CHECK_THROWS_WITH(r.int64(0, 0), Contains("expected an integer"));
}

TEST_CASE("COPY FROM STDIN stores rows in any chunking", "[postgres]") {
  Connection c(from_environment());
  c.exec("CREATE TEMP TABLE t (a text, b numeric)");
  c.copy_begin("COPY t (a, b) FROM STDIN");
  c.copy_put("x\\ty\t1.50");
  c.copy_put("00000000000000000001\n\\N\t\\N\n");
  c.copy_end();
  Result r = c.query("SELECT a, b::text FROM t ORDER BY a NULLS LAST");
  REQUIRE(r.rows() == 2);
  CHECK(r.text(0, 0) == "x\ty");
  CHECK(r.text(0, 1) == "1.5000000000000000000001");
  CHECK(r.is_null(1, 0));
}

TEST_CASE("a failed COPY names the line and column", "[postgres]") {
  Connection c(from_environment());
  c.exec("CREATE TEMP TABLE t (a bigint)");
  c.copy_begin("COPY t (a) FROM STDIN");
  c.copy_put("1\nnope\n");
  CHECK_THROWS_WITH(c.copy_end(), Contains("COPY: invalid input syntax for type bigint") && Contains("line 2"));
  CHECK(c.query_value("SELECT 1") == "1");
}

TEST_CASE("a transaction rolls back unless committed", "[postgres]") {
  Connection c(from_environment());
  c.exec("CREATE TEMP TABLE t (a int)");
  {
    Transaction tx(c);
    CHECK(c.in_transaction());
    c.exec("INSERT INTO t VALUES (1)");
  }
  CHECK_FALSE(c.in_transaction());
  CHECK(c.query_value("SELECT count(*) FROM t") == "0");
  {
    Transaction tx(c);
    c.exec("INSERT INTO t VALUES (2)");
    tx.commit();
  }
  CHECK(c.query_value("SELECT count(*) FROM t") == "1");
  {
    Transaction tx(c);
    CHECK_THROWS_WITH(c.exec("INSERT INTO t VALUES ('x')"), Contains("INSERT: invalid input syntax"));
  }
  CHECK(c.query_value("SELECT sum(a) FROM t") == "2");
}

TEST_CASE("a refused login is one line without the password", "[postgres]") {
  ConnectOptions options = from_environment();
  options.database = "no_such_database";
  options.password = "s3cret-pw";
  std::string message = error_of(options);
  CHECK_THAT(message, Contains("/no_such_database: cannot connect:") && Contains("does not exist"));
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find("s3cret-pw") == std::string::npos);

  ConnectOptions bad_uri;
  bad_uri.uri = "postgresql://loader:hunter2%zz@127.0.0.1:1/x";
  message = error_of(bad_uri);
  CHECK_THAT(message, Contains("invalid connection URI"));
  CHECK(message.find("hunter2") == std::string::npos);
}

TEST_CASE("a SQLAlchemy URL with a driver connects, and its password never shows", "[postgres]") {
  ConnectOptions options;
  options.uri = std::string("postgresql+psycopg2://postgres:pw-in-url@127.0.0.1:") + std::getenv("PGPORT") + "/postgres";
  Connection c(options);
  CHECK(c.query_value("SELECT current_user") == "postgres");
  options.uri = "postgresql+psycopg2://postgres:pw-in-url@127.0.0.1:1/postgres";
  std::string message = error_of(options);
  CHECK_THAT(message, Contains("127.0.0.1:1/postgres: cannot connect"));
  CHECK(message.find("pw-in-url") == std::string::npos);
}

TEST_CASE("identifiers and literals are quoted", "[postgres]") {
  CHECK(quote_identifier("a\"b") == "\"a\"\"b\"");
  CHECK(quote_literal("it's") == "'it''s'");
  CHECK_THROWS_WITH(quote_literal(std::string_view("a\0b", 3)), Contains("NUL"));
  CHECK(one_line("FATAL:  hunter2\nDETAIL:  y\n", "hunter2") == "FATAL:  ***; DETAIL:  y");
  CHECK(one_line("database \"x\" does not exist", "x") == "database \"x\" does not exist");
}
