// fork/exec with the care a supervisor needs: only async-signal-safe calls between fork
// and exec, exec failures reported through a close-on-exec pipe, no leaked descriptors.
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "singer/error.hpp"

namespace singer_run {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int Fd::release() noexcept {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw singer::Error({}, "cannot create a pipe: {}", std::strerror(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int enlarge_pipe(int fd, int bytes) {
  if (::fcntl(fd, F_SETPIPE_SZ, bytes) >= 0) return ::fcntl(fd, F_GETPIPE_SZ);
  // EPERM: above the unprivileged limit; ask for exactly the limit instead.
  std::ifstream max_file("/proc/sys/fs/pipe-max-size");
  int max_bytes = 0;
  if (max_file >> max_bytes && max_bytes > 0 && max_bytes < bytes) {
    ::fcntl(fd, F_SETPIPE_SZ, max_bytes);
  }
  return ::fcntl(fd, F_GETPIPE_SZ);
}

void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // open() returns the lowest free descriptor, which is this one.
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) ::close(opened);
  }
}

namespace {

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const SpawnSpec& spec, char* const* argv, pid_t parent,
                             int error_fd) {
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) {
    ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // If singer-run is killed -9 the children must not run on unsupervised; the
  // getppid() check covers a parent that died before prctl().
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);

  int sources[3] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
  bool wired = true;
  for (int i = 0; i < 3 && wired; ++i) {
    wired = sources[i] < 0 || ::dup2(sources[i], i) == i;
  }
  if (wired && (spec.workdir.empty() || ::chdir(spec.workdir.c_str()) == 0)) {
    ::execv(spec.path.c_str(), argv);
  }
  int err = errno;
  ssize_t ignored = ::write(error_fd, &err, sizeof err);
  (void)ignored;
  ::_exit(127);
}

}  // namespace

Spawned spawn(const SpawnSpec& spec) {
  // Everything that allocates happens before fork.
  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 1);
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  Pipe report = make_pipe();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw singer::Error({}, "cannot start '{}': {}", spec.argv[0], std::strerror(errno));
  if (pid == 0) exec_child(spec, argv.data(), parent, report.write.get());

  // Also set the group from here, so a signal sent right after spawn() finds it.
  ::setpgid(pid, pid);
  report.write.reset();
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report.read.get(), &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  Spawned out;
  if (n == static_cast<ssize_t>(sizeof err)) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out.exec_errno = err;
  } else {
    out.pid = pid;
  }
  return out;
}

namespace {

sigset_t runner_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
  return set;
}

}  // namespace

void block_runner_signals() {
  sigset_t set = runner_signals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

Fd open_signal_fd() {
  sigset_t set = runner_signals();
  Fd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) throw singer::Error({}, "cannot create a signalfd: {}", std::strerror(errno));
  return fd;
}

int wait_for_interrupt(std::chrono::milliseconds timeout) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000 * 1'000'000);
  int sig = ::sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    default: return fmt::format("signal {}", sig);
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by {}", signal_name(WTERMSIG(status)));
  return "stopped";
}

}  // namespace singer_run
