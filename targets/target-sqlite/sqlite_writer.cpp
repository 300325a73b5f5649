// The writer thread: chunks of rows (parameters copied, so the reader may move on) are
// handed over under a mutex; at most two wait, which bounds memory and lets the parser
// run ahead by one chunk.
#include "sqlite_writer.hpp"

#include "singer/error.hpp"

namespace target_sqlite {

namespace {
constexpr std::size_t kChunkRows = 512;
constexpr std::size_t kChunkBytes = std::size_t{1} << 18;
constexpr std::size_t kMaxReady = 2;
}  // namespace

Writer::Writer() : filling_(new_chunk()), thread_([this] { run(); }) {}

std::unique_ptr<Writer::Chunk> Writer::new_chunk() {
  auto chunk = std::make_unique<Chunk>();
  chunk->rows.reserve(kChunkRows);
  chunk->params.reserve(kChunkRows * 16);
  chunk->bytes.reserve(kChunkBytes + 4096);
  return chunk;
}

Writer::~Writer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    ready_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

void Writer::begin_row(singer::sqlite::Statement& statement, const std::string* stream, std::string_view source,
                       std::int64_t line) {
  Row row;
  row.statement = &statement;
  row.first = static_cast<std::uint32_t>(filling_->params.size());
  row.stream = stream;
  row.line = line;
  std::vector<std::string>& sources = filling_->sources;
  if (sources.empty() || sources.back() != source) sources.emplace_back(source);
  row.source = static_cast<std::uint32_t>(sources.size() - 1);
  filling_->rows.push_back(row);
}

void Writer::end_row() {
  Row& row = filling_->rows.back();
  row.count = static_cast<std::uint32_t>(filling_->params.size()) - row.first;
  if (filling_->rows.size() >= kChunkRows || filling_->bytes.size() >= kChunkBytes) hand_over();
}

void Writer::hand_over() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return ready_.size() < kMaxReady || error_; });
  if (error_) std::rethrow_exception(error_);
  ready_.push_back(std::move(filling_));
  if (!spare_.empty()) {
    filling_ = std::move(spare_.back());
    spare_.pop_back();
  } else {
    filling_ = new_chunk();
  }
  lock.unlock();
  changed_.notify_all();
}

void Writer::wait_idle() {
  if (!filling_->rows.empty()) hand_over();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return (ready_.empty() && !busy_) || error_; });
  changed_.wait(lock, [&] { return !busy_; });
  if (error_) std::rethrow_exception(error_);
}

void Writer::wait_idle_quietly() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return (ready_.empty() || error_) && !busy_; });
}

void Writer::execute(Chunk& chunk) {
  for (const Row& row : chunk.rows) {
    singer::sqlite::Statement& statement = *row.statement;
    for (std::uint32_t i = 0; i < row.count; ++i) {
      const Param& p = chunk.params[row.first + i];
      int index = static_cast<int>(i) + 1;
      switch (p.kind) {
        case Param::Kind::Null: statement.bind_null(index); break;
        case Param::Kind::Int: statement.bind_int64(index, p.integer); break;
        case Param::Kind::Double: statement.bind_double(index, p.number); break;
        case Param::Kind::Text:
          statement.bind_text(index, std::string_view(chunk.bytes).substr(static_cast<std::size_t>(p.integer), p.size));
          break;
      }
    }
    try {
      statement.run();
    } catch (const singer::Error& e) {
      if (!row.stream) throw;
      // The database's own words, placed at the record that caused them.
      throw singer::Error(singer::Location{chunk.sources[row.source], row.line, *row.stream}, "{}: {}",
                          e.location().file, e.detail());
    }
  }
}

void Writer::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || !ready_.empty(); });
    if (stop_) return;
    std::unique_ptr<Chunk> chunk = std::move(ready_.front());
    ready_.pop_front();
    busy_ = true;
    bool failed = static_cast<bool>(error_);
    lock.unlock();
    // After a failure the remaining rows are dropped: their transaction never commits.
    if (!failed) {
      try {
        execute(*chunk);
      } catch (...) {
        lock.lock();
        error_ = std::current_exception();
        lock.unlock();
      }
    }
    chunk->rows.clear();
    chunk->params.clear();
    chunk->bytes.clear();
    chunk->sources.clear();
    lock.lock();
    busy_ = false;
    spare_.push_back(std::move(chunk));
    changed_.notify_all();
  }
}

}  // namespace target_sqlite
