// bench-sqlite: the limit target-sqlite is measured against. It reads the bench stream
// into typed column values (untimed, 10,000 records at a time), then inserts them into
// one table shaped like the target's with one prepared statement in one transaction,
// WAL, synchronous=full, and reports only the time spent in SQLite (open to close).
#include <simdjson.h>
#include <sqlite3.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "line_source.hpp"
#include "utc_time.hpp"

namespace {

constexpr std::size_t kChunkRecords = 10'000;

// One bench record as the target stores it: numbers as INTEGER/REAL, date-times as UTC
// RFC 3339 text, the nested object and the array as their own JSON bytes.
struct Row {
  std::int64_t id = 0;
  std::string name, email;
  double amount = 0;
  std::int64_t views = 0;
  double ratio = 0;
  bool active = false;
  std::optional<double> score;
  std::string created_at;
  std::optional<std::string> updated_at;
  std::string note, tags, address;
};

constexpr const char* kColumns[] = {"id",         "name",       "email", "amount", "views",
                                    "ratio",      "active",     "score", "created_at",
                                    "updated_at", "note",       "tags",  "address"};

using bench::to_utc;

double number(simdjson::ondemand::value v) { return v.get_double(); }

void parse_record(simdjson::ondemand::object record, Row& r) {
  for (auto field : record) {
    std::string_view key = field.unescaped_key();
    simdjson::ondemand::value v = field.value();
    if (key == "id") {
      r.id = v.get_int64();
    } else if (key == "name") {
      r.name = std::string_view(v.get_string());
    } else if (key == "email") {
      r.email = std::string_view(v.get_string());
    } else if (key == "amount") {
      r.amount = number(v);
    } else if (key == "views") {
      r.views = v.get_int64();
    } else if (key == "ratio") {
      r.ratio = number(v);
    } else if (key == "active") {
      r.active = v.get_bool();
    } else if (key == "score") {
      if (v.is_null()) {
        r.score.reset();
      } else {
        r.score = number(v);
      }
    } else if (key == "created_at") {
      r.created_at = to_utc(v.get_string());
    } else if (key == "updated_at") {
      if (v.is_null()) {
        r.updated_at.reset();
      } else {
        r.updated_at = to_utc(v.get_string());
      }
    } else if (key == "note") {
      r.note = std::string_view(v.get_string());
    } else if (key == "tags") {
      simdjson::ondemand::array tags = v.get_array();
      r.tags = std::string_view(tags.raw_json());
    } else if (key == "address") {
      simdjson::ondemand::object address = v.get_object();
      r.address = std::string_view(address.raw_json());
    } else {
      throw std::runtime_error("unexpected field " + std::string(key));
    }
  }
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

void exec(sqlite3* db, const std::string& sql) { check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql.c_str()); }

std::string insert_sql(bool upsert) {
  std::string cols, marks, sets;
  for (const char* c : kColumns) {
    cols += std::string(cols.empty() ? "" : ", ") + '"' + c + '"';
    marks += marks.empty() ? "?" : ", ?";
    if (std::strcmp(c, "id") != 0) sets += std::string(sets.empty() ? "" : ", ") + '"' + c + "\" = excluded.\"" + c + '"';
  }
  std::string sql = "INSERT INTO \"bench\" (" + cols + ") VALUES (" + marks + ")";
  if (upsert) sql += " ON CONFLICT (\"id\") DO UPDATE SET " + sets;
  return sql;
}

void bind_text(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

void insert(sqlite3* db, sqlite3_stmt* st, const Row& r) {
  sqlite3_bind_int64(st, 1, r.id);
  bind_text(st, 2, r.name);
  bind_text(st, 3, r.email);
  sqlite3_bind_double(st, 4, r.amount);
  sqlite3_bind_int64(st, 5, r.views);
  sqlite3_bind_double(st, 6, r.ratio);
  sqlite3_bind_int(st, 7, r.active ? 1 : 0);
  if (r.score) {
    sqlite3_bind_double(st, 8, *r.score);
  } else {
    sqlite3_bind_null(st, 8);
  }
  bind_text(st, 9, r.created_at);
  if (r.updated_at) {
    bind_text(st, 10, *r.updated_at);
  } else {
    sqlite3_bind_null(st, 10);
  }
  bind_text(st, 11, r.note);
  bind_text(st, 12, r.tags);
  bind_text(st, 13, r.address);
  check(sqlite3_step(st), db, "insert");
  sqlite3_reset(st);
}

using Clock = std::chrono::steady_clock;

int usage() {
  std::fprintf(stderr,
               "usage: bench-sqlite append|upsert DATABASE < singer-stream\n"
               "Prints \"<records> <seconds in SQLite>\". append creates the table and inserts;\n"
               "upsert creates it with a unique index on id when missing, then upserts every row.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return usage();
  std::string_view mode = argv[1];
  if (mode != "append" && mode != "upsert") return usage();
  const bool upsert = mode == "upsert";
  try {
    LineSource source(STDIN_FILENO);
    simdjson::ondemand::parser parser;
    std::vector<Row> chunk(kChunkRecords);
    std::uint64_t records = 0;
    Clock::duration in_sqlite{};

    // Open, configure, create: timed, the target does the same.
    auto t0 = Clock::now();
    sqlite3* db = nullptr;
    check(sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), db, argv[2]);
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=FULL");
    // The page cache target-sqlite asks for: the upsert's index lookups stay in memory.
    exec(db, "PRAGMA cache_size=-32768");
    exec(db,
         "CREATE TABLE IF NOT EXISTS \"bench\" (\"id\" INTEGER, \"name\" TEXT, \"email\" TEXT, "
         "\"amount\" REAL, \"views\" INTEGER, \"ratio\" REAL, \"active\" INTEGER, \"score\" REAL, "
         "\"created_at\" TEXT, \"updated_at\" TEXT, \"note\" TEXT, \"tags\" TEXT, \"address\" TEXT)");
    if (upsert) exec(db, "CREATE UNIQUE INDEX IF NOT EXISTS \"bench_id\" ON \"bench\" (\"id\")");
    sqlite3_stmt* st = nullptr;
    std::string sql = insert_sql(upsert);
    check(sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr), db, "prepare");
    exec(db, "BEGIN");
    in_sqlite += Clock::now() - t0;

    std::string_view line;
    bool more = true;
    while (more) {
      // Untimed: the next chunk of records, parsed into typed values.
      std::size_t n = 0;
      while (n < kChunkRecords && (more = source.next(line))) {
        if (line.empty()) continue;
        auto doc = parser.iterate(line.data(), line.size(), source.capacity_from(line.data()));
        std::string_view type = doc.find_field_unordered("type").get_string();
        if (type != "RECORD") continue;
        parse_record(doc.find_field_unordered("record").get_object(), chunk[n++]);
      }
      // Timed: the inserts.
      auto t = Clock::now();
      for (std::size_t i = 0; i < n; ++i) insert(db, st, chunk[i]);
      in_sqlite += Clock::now() - t;
      records += n;
    }

    // COMMIT (the WAL fsync) and close (the checkpoint into the database file): a target
    // pays both before its data is where a reader and a backup expect it.
    auto t1 = Clock::now();
    exec(db, "COMMIT");
    check(sqlite3_finalize(st), db, "finalize");
    check(sqlite3_close(db), nullptr, "close");
    in_sqlite += Clock::now() - t1;

    std::printf("%llu %.6f\n", static_cast<unsigned long long>(records),
                std::chrono::duration<double>(in_sqlite).count());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-sqlite: error: %s\n", e.what());
    return 1;
  }
}
