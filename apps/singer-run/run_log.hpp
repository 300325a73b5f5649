// The run log: one JSON line per run appended to a file, for whoever asks next week
// "did last night's run advance the state?". Commands are logged with secrets redacted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "child_output.hpp"

namespace singer_run {

struct ChildReport {
  std::vector<std::string> argv;  // redacted when written
  bool started = false;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string error;              // e.g. "cannot run: Permission denied"
};

struct RunRecord {
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point ended;
  std::string pipeline_file;  // empty in the two-command form
  std::string state_path;
  bool full_refresh = false;
  ChildReport tap;
  ChildReport target;
  RecordCounts records;
  std::int64_t state_saves = 0;
  bool state_advanced = false;
  std::string result;  // ok, failed, timed out, interrupted, locked, error
  int exit_code = 0;
  std::string error;   // the error line, without "singer-run: error: "
};

// The record as one line of JSON (no newline).
std::string run_record_json(const RunRecord& record);

// Appends the line with one write(2) on an O_APPEND descriptor, so runs that end at the
// same moment never interleave. Throws Error(path, ...).
void append_run_log(const std::string& path, const RunRecord& record);

// "2026-11-20T23:10:00Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace singer_run
