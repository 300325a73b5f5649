// File descriptors, pipes and child processes, wrapped once so the rest of singer-run
// never sees fork/exec/dup2: a child starts in its own process group and dies with us.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace singer_run {

// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

// Both ends close-on-exec: a child gets only the ends that spawn() dup2s onto 0, 1, 2,
// so the target sees end of input as soon as the tap exits.
Pipe make_pipe();

void set_nonblocking(int fd);

// Asks the kernel for a pipe buffer of `bytes`, or the largest an unprivileged process
// may have (/proc/sys/fs/pipe-max-size). Best effort: returns the size in effect.
int enlarge_pipe(int fd, int bytes);

// Makes sure 0, 1 and 2 are open (on /dev/null if not), so every descriptor we create
// later is >= 3 and dup2 onto 0..2 in a child never clobbers a source.
void ensure_standard_fds();

struct SpawnSpec {
  std::string path;               // resolved program file (see find_program)
  std::vector<std::string> argv;  // argv[0] is the name as the user wrote it
  std::string workdir;            // empty = ours
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

struct Spawned {
  pid_t pid = -1;       // > 0 when the program is running
  int exec_errno = 0;   // != 0 when it could not be started (the child is reaped)
};

// Starts the program in a new process group (so signals we forward reach whatever it
// runs, and a terminal's Ctrl-C reaches only us), with default signal dispositions, an
// empty signal mask and SIGTERM as its parent-death signal. Returns once the exec
// succeeded or failed.
Spawned spawn(const SpawnSpec& spec);

// Blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD, which singer-run then reads through
// open_signal_fd() or wait_for_interrupt(), and ignores SIGPIPE (a closed stderr must
// not kill the runner while it holds state). Children get all of them back by default.
void block_runner_signals();
Fd open_signal_fd();
// Waits up to `timeout` for SIGINT, SIGTERM or SIGHUP; returns it, or 0.
int wait_for_interrupt(std::chrono::milliseconds timeout);

// "exited with code 3", "killed by SIGKILL"
std::string describe_wait_status(int status);
// "SIGTERM"; "signal 42" for names we do not know.
std::string signal_name(int sig);

}  // namespace singer_run
