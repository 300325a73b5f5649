// Atomic replace and the lock. Every step that can fail names the file and the errno:
// a run that cannot save its state must stop, not carry on and lose it.
#include "state_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "singer/error.hpp"

namespace singer_run {

using singer::Error;
using singer::Json;
using singer::UsageError;

namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) throw std::system_error(errno, std::generic_category());
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category());
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace

std::optional<Json> read_state_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw UsageError({path}, "cannot read the state file: {}", std::strerror(errno));
  }
  std::string text;
  try {
    text = read_all(fd.get());
  } catch (const std::system_error& e) {
    throw UsageError({path}, "cannot read the state file: {}", std::strerror(e.code().value()));
  }
  Json state;
  try {
    state = Json::parse(text, {path});
  } catch (const Error& e) {
    throw UsageError({path}, "{}; fix it, restore it, or delete it to start from scratch",
                     e.detail());
  }
  if (!state.is_object()) throw UsageError({path}, "the state file must hold a JSON object");
  return state;
}

StateWriter::StateWriter(std::string path)
    : path_(std::move(path)), temp_path_(fmt::format("{}.tmp.{}", path_, ::getpid())) {
  std::string dir = directory_of(path_);
  dir_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_) throw UsageError({path_}, "cannot open its directory: {}", std::strerror(errno));
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) mode_ = st.st_mode & 07777;  // keep what the user chose
}

void StateWriter::save(std::string_view json_text) {
  const char* step = "cannot create the temporary file";
  try {
    Fd tmp(::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_));
    if (!tmp) throw std::system_error(errno, std::generic_category());
    step = "cannot write the temporary file";
    ::fchmod(tmp.get(), mode_);  // O_CREAT's mode is masked by umask
    std::string text(json_text);
    text.push_back('\n');
    write_all(tmp.get(), text);
    step = "cannot fsync the temporary file";
    if (::fsync(tmp.get()) != 0) throw std::system_error(errno, std::generic_category());
    step = "cannot close the temporary file";
    if (::close(tmp.release()) != 0) throw std::system_error(errno, std::generic_category());
    step = "cannot rename the temporary file over the state file";
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      throw std::system_error(errno, std::generic_category());
    }
    step = "cannot fsync the state file's directory";
    if (::fsync(dir_.get()) != 0) throw std::system_error(errno, std::generic_category());
  } catch (const std::system_error& e) {
    int err = e.code().value();
    ::unlink(temp_path_.c_str());
    throw Error({path_}, "cannot save the state: {}: {}", step, std::strerror(err));
  }
}

void StateWriter::remove_stale_temp_files() {
  std::string prefix = std::filesystem::path(path_).filename().string() + ".tmp.";
  DIR* dir = ::fdopendir(::dup(dir_.get()));
  if (!dir) return;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name(entry->d_name);
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) continue;
    std::string_view pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string_view::npos) continue;
    ::unlinkat(dir_.get(), entry->d_name, 0);
  }
  ::closedir(dir);
}

StateLock::StateLock(const std::string& state_path) : path_(state_path + ".lock") {
  // No O_CLOEXEC: the children inherit the lock (see the header).
  fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT, 0644));
  if (!fd_) throw UsageError({path_}, "cannot open the lock file: {}", std::strerror(errno));
}

bool StateLock::try_lock() {
  for (;;) {
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    throw UsageError({path_}, "cannot lock: {}", std::strerror(errno));
  }
}

void StateLock::record_owner(std::string_view started_iso) {
  std::string text = fmt::format("{{\"pid\": {}, \"started\": \"{}\"}}\n", ::getpid(), started_iso);
  // Best effort: the lock itself is the flock, this is only for the message.
  if (::ftruncate(fd_.get(), 0) == 0) {
    ssize_t ignored = ::pwrite(fd_.get(), text.data(), text.size(), 0);
    (void)ignored;
  }
}

std::string StateLock::holder() const {
  char buf[512];
  ssize_t n = ::pread(fd_.get(), buf, sizeof buf, 0);
  if (n <= 0) return "holder unknown";
  try {
    Json owner = Json::parse(std::string_view(buf, static_cast<size_t>(n)));
    const Json* pid = owner.find("pid");
    const Json* started = owner.find("started");
    if (!pid || !pid->as_int() || !started || !started->is_string()) return "holder unknown";
    auto p = static_cast<pid_t>(*pid->as_int());
    std::string out = fmt::format("pid {}, started {}", p, started->as_string());
    // The runner may be gone while the tap or target it started still holds the lock.
    if (::kill(p, 0) != 0 && errno == ESRCH) out += ", which has exited; its tap or target is still running";
    return out;
  } catch (const Error&) {
    return "holder unknown";
  }
}

}  // namespace singer_run
