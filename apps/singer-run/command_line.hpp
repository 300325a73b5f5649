// Tap and target commands as text: split into argv without a shell (so the pid we
// signal is the program itself), found in PATH, and shown with secrets redacted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace singer_run {

// Splits like sh does for simple commands: words separated by blanks, '...' literal,
// "..." with \" \\ \$ \` escapes, \x outside quotes. Anything sh would expand or
// interpret ($, `, globs, ~, |, &, ;, <, >, parentheses, #) is refused unquoted, so an
// accepted command means what it would mean in sh. Throws UsageError(where, ...).
std::vector<std::string> split_command(std::string_view text, const std::string& where);

// The path execv() should run for argv0: as given when it contains '/' (relative to
// workdir), else the first executable file of that name in $PATH. Throws
// UsageError(where, "'x': command not found") and the like.
std::string find_program(const std::string& argv0, const std::string& workdir,
                         const std::string& where);

// "tap-csv" for "/usr/local/bin/tap-csv": the prefix of the child's log lines.
std::string program_name(const std::string& argv0);

// True for option and key names that usually carry a secret: password, token,
// secret, api-key, auth, credential, private-key... (case, '-' and '_' ignored).
bool looks_secret(std::string_view name);

// The argv with secret values replaced by "***": the argument after a secret-looking
// flag (--password x), --token=x, key=value pairs with a secret-looking key (also in
// query strings and connection strings), and the password in scheme://user:pass@host.
std::vector<std::string> redact_arguments(const std::vector<std::string>& argv);

// argv joined with spaces, each word quoted for sh when it needs to be.
std::string display_command(const std::vector<std::string>& argv);

}  // namespace singer_run
