// The file store: the lock, the atomic save and the read are state_file's; this adds
// what `singer-run state` needs (clear, list) in the file's terms.
#include "file_state_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "run_log.hpp"
#include "singer/error.hpp"

namespace singer_run {

using singer::Error;
using singer::UsageError;

FileStateStore::FileStateStore(std::string path, std::string tap_arg)
    : path_(std::move(path)), tap_arg_(std::move(tap_arg)), lock_(path_), writer_(path_) {}

bool FileStateStore::try_lock(const RunIdentity& me) {
  if (!lock_.try_lock()) return false;
  lock_.record_owner(me.started);
  writer_.remove_stale_temp_files();
  return true;
}

void FileStateStore::clear() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    throw Error({path_}, "cannot delete the state file: {}", std::strerror(errno));
  }
}

std::vector<StoreEntry> FileStateStore::list() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return {};
  StoreEntry entry;
  entry.id = path_;
  entry.saved_at = iso8601_utc(std::chrono::system_clock::from_time_t(st.st_mtime));
  // A shared flock on a descriptor of our own conflicts only with a run's exclusive one.
  Fd probe(::open(lock_.path().c_str(), O_RDONLY | O_CLOEXEC));
  entry.running = probe && ::flock(probe.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  return {entry};
}

std::vector<HistoryEntry> FileStateStore::history() {
  throw UsageError({path_}, "a state file keeps no history (a PostgreSQL store does)");
}

std::optional<singer::Json> FileStateStore::read_history(int) {
  throw UsageError({path_}, "a state file keeps no history (a PostgreSQL store does)");
}

}  // namespace singer_run
