// A thread that runs the prepared statements of queued rows, in order, while the main
// thread parses the next records: JSON parsing and SQLite's work overlap on two cores.
// The connection is used by one thread at a time: the main thread touches it only after
// wait_idle().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "singer/sqlite.hpp"

namespace target_sqlite {

class Writer {
 public:
  Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  // Stops the thread; rows not yet run are dropped (their transaction is never committed).
  ~Writer();

  // One row: begin_row(), its parameters in order, end_row(). The statement (and the
  // stream name) must stay alive and unchanged until wait_idle() returns. Throws the
  // thread's first error. A row's error names where its record came from: the stream,
  // the source ("<stdin>" or a BATCH file) and its line.
  void begin_row(singer::sqlite::Statement& statement, const std::string* stream = nullptr,
                 std::string_view source = {}, std::int64_t line = 0);
  void add_null() { filling_->params.emplace_back(); }
  void add_int(std::int64_t value) {
    Param& p = filling_->params.emplace_back();
    p.kind = Param::Kind::Int;
    p.integer = value;
  }
  void add_double(double value) {
    Param& p = filling_->params.emplace_back();
    p.kind = Param::Kind::Double;
    p.number = value;
  }
  void add_text(std::string_view value) {  // copied
    Param& p = filling_->params.emplace_back();
    p.kind = Param::Kind::Text;
    p.integer = static_cast<std::int64_t>(filling_->bytes.size());
    p.size = static_cast<std::uint32_t>(value.size());
    filling_->bytes.append(value);
  }
  void end_row();

  // Waits until every queued row has run. Throws the first error the thread met, and
  // again on every later call: nothing may be committed after a row failed.
  void wait_idle();
  // As wait_idle(), without throwing (for destructors).
  void wait_idle_quietly() noexcept;

 private:
  struct Param {  // 16 bytes: chunks stay small in the cache
    enum class Kind : std::uint8_t { Null, Int, Double, Text } kind = Kind::Null;
    std::uint32_t size = 0;  // Text: length
    union {
      std::int64_t integer = 0;  // Int; Text: offset into the chunk's bytes
      double number;
    };
  };
  struct Row {
    singer::sqlite::Statement* statement = nullptr;
    std::uint32_t first = 0, count = 0;
    const std::string* stream = nullptr;
    std::uint32_t source = 0;  // index into the chunk's sources
    std::int64_t line = 0;
  };
  struct Chunk {
    std::vector<Row> rows;
    std::vector<Param> params;
    std::string bytes;
    std::vector<std::string> sources;  // where rows came from, each once in a row
  };

  static std::unique_ptr<Chunk> new_chunk();
  void hand_over();
  void run();
  static void execute(Chunk& chunk);

  std::unique_ptr<Chunk> filling_;  // main thread only
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Chunk>> ready_;  // handed over, not yet run
  std::vector<std::unique_ptr<Chunk>> spare_;
  bool busy_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace target_sqlite
