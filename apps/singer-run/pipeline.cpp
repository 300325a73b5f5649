// Spawning, wiring and supervising tap | target. Records never pass through here: the
// tap's stdout is dup2'd onto the target's stdin. We only read what the children say
// about their work (states, logs) and decide when to stop them.
#include "pipeline.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "singer/error.hpp"
#include "singer/log.hpp"

namespace singer_run {

namespace {

using Clock = std::chrono::steady_clock;
using singer::Json;

constexpr int kDataPipeBytes = 1 << 20;           // tap -> target
constexpr size_t kMaxLogLine = 64 * 1024;         // longer stderr lines are cut in pieces
constexpr size_t kMaxStateLine = 64 * 1024 * 1024;
constexpr size_t kReadBudget = 1 << 20;           // per source per loop turn, to stay fair
constexpr std::chrono::milliseconds kSettle{50};  // see enforce()

// ENOENT from execv() of a file we found means its #! interpreter is missing.
std::string exec_error(int err) {
  std::string text = std::strerror(err);
  if (err == ENOENT) text += " (is its #! interpreter missing?)";
  return text;
}

void write_stderr(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(2, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr gone: nothing better to do with a log line
    text.remove_prefix(static_cast<size_t>(n));
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

struct Child {
  const ChildCommand* command = nullptr;
  ChildResult result;
  pid_t pid = -1;
  std::optional<Clock::time_point> kill_at;

  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Whatever happens to the runner (an exception, a bug), no child outlives this scope.
  ~Child() {
    if (!running()) return;
    signal(SIGKILL);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }

  bool running() const noexcept { return pid > 0 && !result.exited; }

  // To the whole process group, so a wrapper script's own children get it too.
  void signal(int sig) const noexcept {
    if (!running()) return;
    if (::kill(-pid, sig) != 0) ::kill(pid, sig);
  }

  void stop(int sig, Clock::time_point now, Millis grace) {
    if (!running()) return;
    signal(sig);
    result.stopped = true;
    if (!kill_at) kill_at = now + grace;
  }

  void reap() {
    if (!running()) return;
    int status;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      result.exited = true;
      result.status = status;
      kill_at.reset();
    }
  }
};

enum class SourceKind { State, TapLog, TargetLog };

struct Source {
  SourceKind kind;
  Fd fd;
  LineSplitter lines;
};

class Runner {
 public:
  Runner(const PipelineSetup& setup, StateStore& store, Progress& progress)
      : setup_(setup), store_(store), progress_(progress) {
    tap_.command = &setup_.tap;
    target_.command = &setup_.target;
  }

  PipelineResult run() {
    signals_ = open_signal_fd();
    start_children();
    while (tap_.running() || target_.running()) turn();
    // Both have exited; what they wrote is already in the pipes. Read it without
    // waiting for EOF, which a grandchild holding a pipe could delay forever.
    for (Source& s : sources_) drain(s, /*final=*/true);
    progress_.clear();
    result_.tap = tap_.result;
    result_.target = target_.result;
    return std::move(result_);
  }

 private:
  void start_children() {
    Pipe data = make_pipe();
    enlarge_pipe(data.write.get(), kDataPipeBytes);
    Pipe state = make_pipe();
    Pipe tap_log = make_pipe();
    Pipe target_log = make_pipe();
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));

    // The target first: if it cannot run, the tap is never started.
    Spawned target = spawn({setup_.target.path, setup_.target.argv, setup_.workdir,
                            data.read.get(), state.write.get(), target_log.write.get()});
    if (target.exec_errno != 0) {
      throw singer::UsageError({setup_.target.label()}, "cannot run '{}': {}", setup_.target.argv[0],
                               exec_error(target.exec_errno));
    }
    target_.pid = target.pid;
    target_.result.started = true;

    // A tap reads no input; /dev/null keeps it off the terminal and cron's stdin.
    Spawned tap = spawn({setup_.tap.path, setup_.tap.argv, setup_.workdir, devnull.get(),
                         data.write.get(), tap_log.write.get()});
    if (tap.exec_errno != 0) {
      // The target has had no input: nothing of its work can be lost by killing it.
      target_.signal(SIGKILL);
      int status;
      while (::waitpid(target_.pid, &status, 0) < 0 && errno == EINTR) {
      }
      target_.result.exited = true;
      throw singer::UsageError({setup_.tap.label()}, "cannot run '{}': {}", setup_.tap.argv[0],
                               exec_error(tap.exec_errno));
    }
    tap_.pid = tap.pid;
    tap_.result.started = true;

    // Only the children keep the write ends; the target's stdin gets EOF when the tap
    // exits and our stdout/stderr reads get EOF when they do.
    for (auto* p : {&state, &tap_log, &target_log}) {
      set_nonblocking(p->read.get());
    }
    sources_.push_back({SourceKind::State, std::move(state.read), LineSplitter(kMaxStateLine)});
    sources_.push_back({SourceKind::TapLog, std::move(tap_log.read), LineSplitter(kMaxLogLine)});
    sources_.push_back({SourceKind::TargetLog, std::move(target_log.read), LineSplitter(kMaxLogLine)});
  }

  void turn() {
    std::vector<pollfd> fds;
    std::vector<Source*> polled;
    for (Source& s : sources_) {
      if (!s.fd) continue;
      fds.push_back({s.fd.get(), POLLIN, 0});
      polled.push_back(&s);
    }
    // The database connection closes when the server ends our session (and with it the
    // lock): we hear of it at once, not at the next state.
    int store_fd = result_.save_error.empty() ? store_.watch_fd() : -1;
    if (store_fd >= 0) fds.push_back({store_fd, POLLIN, 0});
    fds.push_back({signals_.get(), POLLIN, 0});

    int n = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (n < 0 && errno != EINTR) throw singer::Error({}, "poll failed: {}", std::strerror(errno));
    for (size_t i = 0; i < polled.size(); ++i) {
      if (fds[i].revents != 0) drain(*polled[i], /*final=*/false);
    }
    if (store_fd >= 0 && fds[polled.size()].revents != 0 && result_.save_error.empty()) {
      try {
        store_.check();
      } catch (const singer::Error& e) {
        stop_for_store(e.what());
      }
    }
    if (fds.back().revents != 0) read_signals();
    tap_.reap();
    target_.reap();
    enforce(Clock::now());
    progress_.update(Clock::now() - setup_.started, result_.records.total(), result_.state_saves);
  }

  int poll_timeout_ms() const {
    auto now = Clock::now();
    std::optional<Clock::time_point> wake;
    auto consider = [&](std::optional<Clock::time_point> t) {
      if (t && (!wake || *t < *wake)) wake = t;
    };
    if (!result_.timed_out) consider(setup_.deadline);
    if (!tap_.result.stopped) consider(stop_tap_at_);
    consider(tap_.kill_at);
    consider(target_.kill_at);
    if (progress_.enabled()) consider(now + Progress::kInterval);
    if (!wake) return -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - now).count() + 1;
    return static_cast<int>(std::clamp<std::int64_t>(ms, 0, 60'000));
  }

  // Reads what is available now (final: everything up to EOF or EAGAIN).
  void drain(Source& s, bool final) {
    if (!s.fd) return;
    char buf[65536];
    size_t budget = kReadBudget;
    while (s.fd && (final || budget > 0)) {
      ssize_t n = ::read(s.fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN && !final) break;
      if (n > 0) {
        feed(s, std::string_view(buf, static_cast<size_t>(n)), false);
        budget -= std::min(budget, static_cast<size_t>(n));
        continue;
      }
      feed(s, {}, true);  // EOF, an error, or (final) nothing more for now
      s.fd.reset();
    }
    flush_logs();
    if (s.kind == SourceKind::State) commit_state();
  }

  void feed(Source& s, std::string_view data, bool at_end) {
    auto emit = [&](std::string_view line, bool complete) {
      if (s.kind == SourceKind::State) {
        on_state_piece(line, complete);
      } else {
        on_log_piece(s.kind == SourceKind::TapLog ? tap_ : target_, line, complete);
      }
    };
    if (at_end) {
      s.lines.finish(emit);
    } else {
      s.lines.feed(data, emit);
    }
  }

  void on_log_piece(const Child& child, std::string_view line, bool complete) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    log_out_ += child.command->name;
    log_out_ += " | ";
    log_out_ += line;
    log_out_ += '\n';
    if (complete && &child == &tap_) {
      if (auto metric = parse_record_count(line)) result_.records.add(*metric);
    }
  }

  void flush_logs() {
    if (log_out_.empty()) return;
    progress_.clear();
    write_stderr(log_out_);
    log_out_.clear();
  }

  void warn(const std::string& text) {
    flush_logs();
    progress_.clear();
    singer::log::warning("{}", text);
  }

  // Every line the target prints on stdout is a state (Singer targets emit state
  // values, one JSON per line, after committing what came before).
  void on_state_piece(std::string_view line, bool complete) {
    if (!complete) {
      state_line_too_long_ = true;
      return;
    }
    ++state_line_;
    std::string where = fmt::format("<{} stdout>:{}", setup_.target.name, state_line_);
    if (state_line_too_long_) {
      state_line_too_long_ = false;
      reject_state(where, fmt::format("line longer than {} MiB", kMaxStateLine >> 20));
      return;
    }
    line = trim(line);
    if (line.empty()) return;
    try {
      Json state = Json::parse(line);
      if (!state.is_object()) {
        reject_state(where, "not a JSON object");
        return;
      }
      pending_state_text_.assign(line);
      pending_state_ = std::move(state);
    } catch (const singer::Error& e) {
      reject_state(where, e.detail());
    }
  }

  void reject_state(const std::string& where, const std::string& why) {
    ++result_.rejected_state_lines;
    warn(fmt::format("{}: {}: not saved as the state", where, why));
  }

  // The latest state read so far wins; earlier ones in the same read are superseded
  // and need no fsync of their own.
  void commit_state() {
    if (!pending_state_) return;
    std::optional<Json> state = std::move(pending_state_);
    pending_state_.reset();
    if (!result_.save_error.empty()) return;
    try {
      store_.save(pending_state_text_);
      ++result_.state_saves;
      result_.last_state = std::move(state);
    } catch (const singer::Error& e) {
      stop_for_store(e.what());
    }
  }

  // Carrying on would commit data whose state we cannot keep; nothing more is saved.
  void stop_for_store(const std::string& why) {
    result_.save_error = why;
    auto now = Clock::now();
    tap_.stop(SIGTERM, now, setup_.grace);
    target_.stop(SIGTERM, now, setup_.grace);
  }

  void read_signals() {
    signalfd_siginfo info;
    while (::read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      int sig = static_cast<int>(info.ssi_signo);
      if (sig == SIGCHLD) continue;  // reaped after every turn
      auto now = Clock::now();
      if (result_.interrupted_by == 0) {
        result_.interrupted_by = sig;
        tap_.stop(sig, now, setup_.grace);
        target_.stop(sig, now, setup_.grace);
      } else {
        // Asked twice: do not wait for the grace period.
        tap_.signal(SIGKILL);
        target_.signal(SIGKILL);
      }
    }
  }

  void enforce(Clock::time_point now) {
    // A failed target cannot take more records; the tap is stopped. A tap that failed
    // just ends the input: the target finishes and its last state is kept.
    // The stop waits a moment: a tap that has just exited closes its stdout (which may
    // be why the target ended) a little before it can be reaped, and must then be
    // reported as it ended, not as stopped.
    if (target_.result.exited && target_.result.status != 0 && tap_.running() &&
        !tap_.result.stopped) {
      if (!stop_tap_at_) stop_tap_at_ = now + kSettle;
      if (now >= *stop_tap_at_) tap_.stop(SIGTERM, now, setup_.grace);
    }
    if (setup_.deadline && now >= *setup_.deadline && !result_.timed_out &&
        (tap_.running() || target_.running())) {
      result_.timed_out = true;
      tap_.stop(SIGTERM, now, setup_.grace);
      target_.stop(SIGTERM, now, setup_.grace);
    }
    for (Child* c : {&tap_, &target_}) {
      if (c->kill_at && now >= *c->kill_at) {
        c->signal(SIGKILL);
        c->kill_at.reset();
      }
    }
  }

  const PipelineSetup& setup_;
  StateStore& store_;
  Progress& progress_;
  Fd signals_;
  Child tap_;
  Child target_;
  std::vector<Source> sources_;
  PipelineResult result_;
  std::string log_out_;
  std::int64_t state_line_ = 0;
  bool state_line_too_long_ = false;
  std::optional<Clock::time_point> stop_tap_at_;
  std::optional<Json> pending_state_;
  std::string pending_state_text_;
};

}  // namespace

PipelineResult run_pipeline(const PipelineSetup& setup, StateStore& store, Progress& progress) {
  Runner runner(setup, store, progress);
  return runner.run();
}

}  // namespace singer_run
