// bench-postgres: the limit target-postgres is measured against. It reads the bench
// stream and encodes every record as the target stores it (untimed, all of them before
// the clock starts, so the server never works off the clock): COPY text rows, numbers as their literals, date-times as UTC RFC 3339, the array
// and the object as their own JSON; then COPYs them with libpq into one table shaped like
// the target's, in one COPY and one transaction, and reports only the time in libpq
// (connect to commit). Connection from libpq's environment (PGHOST, PGPORT, ...).
#include <libpq-fe.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "line_source.hpp"
#include "utc_time.hpp"

namespace {

constexpr std::string_view kColumns[] = {"id", "name", "email", "amount", "views", "ratio", "active",
                                         "score", "created_at", "updated_at", "note", "tags", "address"};
constexpr std::size_t kColumnCount = sizeof kColumns / sizeof kColumns[0];

using bench::to_utc;

// The text of the array or object starting at p (this simdjson has no raw_json() for
// them): to its matching bracket, strings skipped.
std::string_view nested_text(const char* p) {
  int depth = 0;
  const char* q = p;
  do {
    char c = *q++;
    if (c == '"') {
      while (*q != '"') q += *q == '\\' ? 2 : 1;
      ++q;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  } while (depth > 0);
  return {p, static_cast<std::size_t>(q - p)};
}

void copy_text(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

// One record -> one COPY row, columns in kColumns order.
void encode(simdjson::ondemand::object record, std::string (&cells)[kColumnCount], std::string& out) {
  for (auto& c : cells) c.assign("\\N");
  for (auto field : record) {
    std::string_view key = field.unescaped_key();
    std::size_t i = 0;
    while (i < kColumnCount && kColumns[i] != key) ++i;
    if (i == kColumnCount) continue;
    simdjson::ondemand::value v = field.value();
    std::string& cell = cells[i];
    cell.clear();
    switch (v.type()) {
      case simdjson::ondemand::json_type::null: cell.assign("\\N"); break;
      case simdjson::ondemand::json_type::boolean: cell.assign(bool(v.get_bool()) ? "t" : "f"); break;
      case simdjson::ondemand::json_type::number: cell.assign(std::string_view(v.raw_json_token())); break;
      case simdjson::ondemand::json_type::string: {
        std::string_view s = v.get_string();
        if (key == "created_at" || key == "updated_at") cell = to_utc(s);
        else copy_text(cell, s);
        break;
      }
      default: copy_text(cell, nested_text(std::string_view(v.raw_json_token()).data())); break;
    }
  }
  for (std::size_t i = 0; i < kColumnCount; ++i) {
    if (i > 0) out += '\t';
    out += cells[i];
  }
  out += '\n';
}

void check(PGconn* conn, PGresult* result, ExecStatusType want, const char* what) {
  bool ok = result && PQresultStatus(result) == want;
  if (result) PQclear(result);
  if (!ok) throw std::runtime_error(std::string(what) + ": " + PQerrorMessage(conn));
}

void exec(PGconn* conn, const char* sql) { check(conn, PQexec(conn, sql), PGRES_COMMAND_OK, sql); }

using Clock = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench-postgres < singer-stream\nPrints \"<records> <seconds in libpq>\"; "
                         "recreates the table public.bench in the database libpq's environment names.\n");
    return 2;
  }
  (void)argv;
  try {
    LineSource source(STDIN_FILENO);
    simdjson::ondemand::parser parser;
    std::string cells[kColumnCount];
    std::string chunk;
    std::uint64_t records = 0;

    // Every row encoded first: the server must not work while the clock is stopped.
    std::string_view line;
    while (source.next(line)) {
      if (line.empty()) continue;
      auto doc = parser.iterate(line.data(), line.size(), source.capacity_from(line.data()));
      std::string_view type = doc.find_field_unordered("type").get_string();
      if (type != "RECORD") continue;
      encode(doc.find_field_unordered("record").get_object(), cells, chunk);
      ++records;
    }

    auto t0 = Clock::now();
    PGconn* conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn));
    exec(conn, "DROP TABLE IF EXISTS public.bench");
    exec(conn,
         "CREATE TABLE public.bench (id bigint, name text, email text, amount numeric, views bigint, "
         "ratio numeric, active boolean, score numeric, created_at timestamptz, updated_at timestamptz, "
         "note text, tags jsonb, address jsonb)");
    exec(conn, "BEGIN");
    check(conn, PQexec(conn, "COPY public.bench FROM STDIN"), PGRES_COPY_IN, "COPY");
    constexpr std::size_t kPut = 1u << 20;
    for (std::size_t at = 0; at < chunk.size(); at += kPut) {
      std::size_t n = std::min(kPut, chunk.size() - at);
      if (PQputCopyData(conn, chunk.data() + at, static_cast<int>(n)) != 1) {
        throw std::runtime_error(std::string("COPY: ") + PQerrorMessage(conn));
      }
    }
    Clock::duration in_libpq{};
    if (PQputCopyEnd(conn, nullptr) != 1) throw std::runtime_error(std::string("COPY: ") + PQerrorMessage(conn));
    check(conn, PQgetResult(conn), PGRES_COMMAND_OK, "COPY");
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
    exec(conn, "COMMIT");
    PQfinish(conn);
    in_libpq = Clock::now() - t0;

    std::printf("%llu %.6f\n", static_cast<unsigned long long>(records),
                std::chrono::duration<double>(in_libpq).count());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-postgres: error: %s\n", e.what());
    return 1;
  }
}
