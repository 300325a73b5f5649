// The state in a file on this host, locked with flock(2): the store singer-run always
// had, behind the StateStore interface.
#pragma once

#include "state_file.hpp"
#include "state_store.hpp"

namespace singer_run {

class FileStateStore : public StateStore {
 public:
  // Opens the lock file and checks the directory; throws UsageError.
  FileStateStore(std::string path, std::string tap_arg);

  const std::string& name() const override { return path_; }
  bool try_lock(const RunIdentity& me) override;
  std::string holder() override { return lock_.holder(); }
  std::optional<singer::Json> read() override { return read_state_file(path_); }
  void save(std::string_view json_text) override { writer_.save(json_text); }
  void clear() override;
  std::string tap_state_file(const singer::Json&) override { return tap_arg_; }
  std::vector<StoreEntry> list() override;
  std::vector<HistoryEntry> history() override;
  std::optional<singer::Json> read_history(int n) override;

 private:
  std::string path_;
  std::string tap_arg_;
  StateLock lock_;
  StateWriter writer_;
};

}  // namespace singer_run
