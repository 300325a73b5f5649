// Choosing the store from what the user wrote, and the run identity both stores keep.
#include "state_store.hpp"

#include <unistd.h>

#include <cstring>

#include "file_state_store.hpp"
#include "postgres_state_store.hpp"

namespace singer_run {

std::string RunIdentity::to_string() const {
  std::string out = fmt::format("{} pid {} started {}", host, pid, started);
  if (!role.empty()) out += " (" + role + ")";
  return out;
}

RunIdentity this_run(std::string started_iso, std::string role) {
  RunIdentity me;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') std::strcpy(name, "unknown-host");
  me.host = name;
  me.pid = ::getpid();
  me.started = std::move(started_iso);
  me.role = std::move(role);
  return me;
}

bool is_postgres_uri(std::string_view text) {
  return text.rfind("postgres://", 0) == 0 || text.rfind("postgresql://", 0) == 0;
}

bool StateLocation::postgres() const { return is_postgres_uri(text); }

std::unique_ptr<StateStore> open_state_store(const StateLocation& where, bool need_id) {
  if (where.postgres()) {
    return std::make_unique<PostgresStateStore>(parse_postgres_location(where.text, need_id));
  }
  return std::make_unique<FileStateStore>(where.path, where.tap_arg);
}

}  // namespace singer_run
