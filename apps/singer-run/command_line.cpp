// Splitting, finding and redacting commands. The splitter refuses rather than guesses:
// a cron line that relied on a shell feature fails at once with the reason.
#include "command_line.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "singer/error.hpp"

namespace singer_run {

using singer::UsageError;

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters sh gives a meaning to when they are not quoted.
bool needs_shell(char c) {
  return std::string_view("|&;<>()$`*?[").find(c) != std::string_view::npos;
}

[[noreturn]] void refuse_shell(char c, const std::string& where) {
  throw UsageError({where}, "'{}' needs a shell: singer-run runs the command without one "
                   "(quote it, or run the program through sh -c '...')", c);
}

}  // namespace

std::vector<std::string> split_command(std::string_view text, const std::string& where) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (is_blank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
      continue;
    }
    if (!in_word && (c == '#' || c == '~')) refuse_shell(c, where);
    in_word = true;
    if (c == '\'') {
      size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) throw UsageError({where}, "unclosed single quote");
      word.append(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) throw UsageError({where}, "unclosed double quote");
        char d = text[i];
        if (d == '"') break;
        if (d == '$' || d == '`') refuse_shell(d, where);
        if (d == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos) {
          word.push_back(text[i + 1]);
          i += 2;
          continue;
        }
        word.push_back(d);
        ++i;
      }
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) throw UsageError({where}, "'\\' at the end of the command");
      if (text[i + 1] != '\n') word.push_back(text[i + 1]);  // backslash-newline joins lines
      i += 2;
    } else {
      if (needs_shell(c)) refuse_shell(c, where);
      word.push_back(c);
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) throw UsageError({where}, "empty command");
  return words;
}

namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string absolute_in(const std::string& path, const std::string& workdir) {
  std::filesystem::path p(path);
  if (p.is_relative() && !workdir.empty()) p = std::filesystem::path(workdir) / p;
  return std::filesystem::absolute(p).lexically_normal().string();
}

}  // namespace

std::string find_program(const std::string& argv0, const std::string& workdir,
                         const std::string& where) {
  if (argv0.find('/') != std::string::npos) {
    std::string path = absolute_in(argv0, workdir);
    if (::access(path.c_str(), F_OK) != 0) throw UsageError({where}, "'{}': no such file", argv0);
    if (!is_executable_file(path)) throw UsageError({where}, "'{}': not an executable file", argv0);
    return path;
  }
  const char* env = std::getenv("PATH");
  std::string_view search = env ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  for (;;) {
    size_t colon = search.find(':', start);
    std::string dir(search.substr(start, colon == std::string_view::npos ? colon : colon - start));
    std::string path = absolute_in((dir.empty() ? std::string(".") : dir) + "/" + argv0, workdir);
    if (is_executable_file(path)) return path;
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  throw UsageError({where}, "'{}': command not found in PATH", argv0);
}

std::string program_name(const std::string& argv0) {
  size_t slash = argv0.rfind('/');
  return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

bool looks_secret(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') continue;
    key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  static constexpr std::string_view kParts[] = {
      "password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey",
      "privatekey", "credential", "auth", "signature", "sessionid", "cookie"};
  for (auto part : kParts) {
    if (key.find(part) != std::string::npos) return true;
  }
  static constexpr std::string_view kWhole[] = {"pass", "pw", "pwd", "key", "sig"};
  return std::find(std::begin(kWhole), std::end(kWhole), key) != std::end(kWhole);
}

namespace {

constexpr std::string_view kRedacted = "***";

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// scheme://user:password@host -> scheme://user:***@host
void redact_url_password(std::string& arg) {
  size_t from = 0;
  while ((from = arg.find("://", from)) != std::string::npos) {
    size_t auth_start = from + 3;
    size_t auth_end = arg.find_first_of("/?# ", auth_start);
    if (auth_end == std::string::npos) auth_end = arg.size();
    size_t at = arg.rfind('@', auth_end);
    if (at != std::string::npos && at > auth_start) {
      size_t colon = arg.find(':', auth_start);
      if (colon != std::string::npos && colon < at) {
        arg.replace(colon + 1, at - colon - 1, kRedacted);
        auth_end = colon + 1 + kRedacted.size();
      }
    }
    from = auth_end;
  }
}

// Every key=value inside the argument whose key looks secret: "password=x",
// "?token=x&page=2", "host=db password=x" (libpq), "--api_key=x".
void redact_secret_pairs(std::string& arg) {
  size_t eq = 0;
  while ((eq = arg.find('=', eq)) != std::string::npos) {
    size_t key_start = eq;
    while (key_start > 0 && is_key_char(arg[key_start - 1])) --key_start;
    std::string_view key(arg.data() + key_start, eq - key_start);
    size_t value_end = arg.find_first_of("&; ,", eq + 1);
    if (value_end == std::string::npos) value_end = arg.size();
    if (!key.empty() && looks_secret(key) && value_end > eq + 1) {
      arg.replace(eq + 1, value_end - eq - 1, kRedacted);
      value_end = eq + 1 + kRedacted.size();
    }
    eq = value_end;
  }
}

}  // namespace

std::vector<std::string> redact_arguments(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  bool next_is_secret = false;
  for (const auto& original : argv) {
    std::string arg = original;
    bool is_flag = arg.size() > 1 && arg[0] == '-';
    // "--no-auth --config x": a long flag is never the secret; "-x1y" may be one.
    if (next_is_secret && arg.rfind("--", 0) != 0) {
      arg = kRedacted;
      next_is_secret = false;
    } else if (is_flag && arg.find('=') == std::string::npos) {
      next_is_secret = looks_secret(arg);
    } else {
      next_is_secret = false;
      redact_secret_pairs(arg);
      redact_url_password(arg);
    }
    out.push_back(std::move(arg));
  }
  return out;
}

std::string display_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out.push_back(' ');
    bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("-_./:=,+@%").find(c) != std::string_view::npos;
    });
    if (plain) {
      out += arg;
      continue;
    }
    out.push_back('\'');
    for (char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out.push_back(c);
      }
    }
    out.push_back('\'');
  }
  return out;
}

}  // namespace singer_run
