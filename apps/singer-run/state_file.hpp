// The state file and its lock: read and checked before a run, replaced atomically each
// time the target emits a state, and guarded so only one run uses it at a time.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "process.hpp"
#include "singer/json.hpp"

namespace singer_run {

// The state file's contents; nullopt when it does not exist. Throws UsageError when it
// cannot be read or is not a JSON object: a broken state is never taken as empty.
std::optional<singer::Json> read_state_file(const std::string& path);

// Replaces the state file atomically: <state>.tmp.<pid> in the same directory, fsync,
// rename over the state, fsync of the directory. A crash at any point leaves either
// the old or the new state, both whole.
class StateWriter {
 public:
  explicit StateWriter(std::string path);  // throws UsageError if the directory is unusable

  // Throws Error(path, "cannot save the state: ...").
  void save(std::string_view json_text);

  // Removes <state>.tmp.* left by a run that was killed while saving (safe: we hold
  // the lock, so no other run is writing one).
  void remove_stale_temp_files();

 private:
  std::string path_;
  std::string temp_path_;
  Fd dir_;
  mode_t mode_ = 0644;
};

// flock(2) on <state>.lock. The descriptor is deliberately inherited by the tap and the
// target: if singer-run is killed -9, the lock is held until they have exited too, so
// a new run never overlaps a dying one.
class StateLock {
 public:
  explicit StateLock(const std::string& state_path);  // throws UsageError

  bool try_lock();
  // Records who holds the lock, for the message a refused run prints.
  void record_owner(std::string_view started_iso);
  // "pid 1234, started 2026-11-20T23:10:00Z" as the holder recorded it.
  std::string holder() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  Fd fd_;
};

}  // namespace singer_run
