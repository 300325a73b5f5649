// bench-sqlite-read: the limit for tap-sqlite. `bench-sqlite-read DB [TABLE]` opens the
// database as tap-sqlite does (read-only, query_only, one deferred read transaction),
// prepares the SELECT tap-sqlite runs for a FULL_TABLE stream of TABLE (default "bench":
// every column in table order, then the rowid of a rowid table) and steps through it,
// reading every column with the storage class's own accessor (the text and blob bytes
// are touched: their length and first byte go into a checksum). No output but
// "ROWS CHECKSUM" on stdout; nothing a tap reading that table can do is faster.
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void fail(sqlite3* db, const char* what) {
  std::fprintf(stderr, "bench-sqlite-read: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
  std::exit(1);
}

std::string quote(const char* name) {
  std::string q = "\"";
  for (const char* p = name; *p; ++p) {
    if (*p == '"') q += '"';
    q += *p;
  }
  return q + '"';
}

void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, sql);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: bench-sqlite-read DB [TABLE]\n");
    return 2;
  }
  const char* table = argc == 3 ? argv[2] : "bench";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) fail(db, "open");
  exec(db, "PRAGMA query_only = 1");
  exec(db, "BEGIN DEFERRED");

  // The column list, as tap-sqlite's discovery sees it (generated columns included).
  std::string select;
  bool rowid_table = false;
  {
    sqlite3_stmt* info = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_xinfo(?1, 'main') ORDER BY cid", -1, &info, nullptr) !=
        SQLITE_OK)
      fail(db, "table_xinfo");
    sqlite3_bind_text(info, 1, table, -1, SQLITE_STATIC);
    while (sqlite3_step(info) == SQLITE_ROW) {
      if (!select.empty()) select += ", ";
      select += quote(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)));
    }
    sqlite3_finalize(info);
    sqlite3_stmt* kind = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1", -1, &kind,
                           nullptr) != SQLITE_OK)
      fail(db, "table_list");
    sqlite3_bind_text(kind, 1, table, -1, SQLITE_STATIC);
    if (sqlite3_step(kind) == SQLITE_ROW) rowid_table = sqlite3_column_int(kind, 0) == 0;
    sqlite3_finalize(kind);
  }
  if (select.empty()) {
    std::fprintf(stderr, "bench-sqlite-read: no table '%s'\n", table);
    return 1;
  }
  if (rowid_table) select += ", rowid";  // the bench table has no column of that name
  const std::string sql = "SELECT " + select + " FROM " + quote(table);

  sqlite3_stmt* rows = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &rows, nullptr) != SQLITE_OK) fail(db, "prepare");
  const int columns = sqlite3_column_count(rows);
  std::uint64_t n = 0, sum = 0;
  int rc;
  while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(rows, c)) {
        case SQLITE_INTEGER: sum += static_cast<std::uint64_t>(sqlite3_column_int64(rows, c)); break;
        case SQLITE_FLOAT: sum += static_cast<std::uint64_t>(static_cast<std::int64_t>(sqlite3_column_double(rows, c))); break;
        case SQLITE_TEXT: {
          const unsigned char* text = sqlite3_column_text(rows, c);
          const int bytes = sqlite3_column_bytes(rows, c);
          sum += static_cast<std::uint64_t>(bytes) + (bytes > 0 ? text[0] : 0u);
          break;
        }
        case SQLITE_BLOB: {
          const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(rows, c));
          const int bytes = sqlite3_column_bytes(rows, c);
          sum += static_cast<std::uint64_t>(bytes) + (bytes > 0 ? blob[0] : 0u);
          break;
        }
        default: break;
      }
    }
    ++n;
  }
  if (rc != SQLITE_DONE) fail(db, "step");
  sqlite3_finalize(rows);
  exec(db, "COMMIT");
  sqlite3_close_v2(db);
  std::printf("%llu %llu\n", static_cast<unsigned long long>(n), static_cast<unsigned long long>(sum));
  return 0;
}
