// JSONL files: the record's bytes as received (exact numbers, exact unicode), appended,
// buffered, and fsynced whenever the target is about to emit a STATE.
#include "jsonl_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "singer/error.hpp"
#include "singer/log.hpp"
#include "singer/message_writer.hpp"

namespace target_jsonl {

namespace {
constexpr size_t kBufferBytes = size_t{1} << 20;
constexpr size_t kMaxFileNameBytes = 240;

// mkdir -p
void make_directories(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!partial.empty() && ::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        throw singer::Error(singer::Location{path}, "cannot create directory: {}", std::strerror(errno));
      }
    }
    if (i < path.size()) partial.push_back(path[i]);
  }
}

// The columns add_record_metadata writes, in the Meltano SDK's order.
constexpr std::string_view kMetadataKeys[] = {
    "_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at",     "_sdc_deleted_at",
    "_sdc_sequence",     "_sdc_table_version", "_sdc_sync_started_at",
};

bool metadata_key(std::string_view key) {
  for (std::string_view k : kMetadataKeys) {
    if (k == key) return true;
  }
  return false;
}

// Where a JSON string starting at text[i] (its opening quote) ends: one past the quote.
size_t skip_string(std::string_view text, size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

// One top-level member of a record's text: the key as written between its quotes, the
// member's bytes [begin, end) and its value's bytes [value, end).
struct Member {
  std::string_view key;
  size_t begin = 0, value = 0, end = 0;
};

// The top-level members of an object the reader already checked, in order.
std::vector<Member> top_level_members(std::string_view object) {
  std::vector<Member> members;
  auto space = [&](size_t i) {
    while (i < object.size() && (object[i] == ' ' || object[i] == '\t' || object[i] == '\n' || object[i] == '\r')) ++i;
    return i;
  };
  size_t i = space(1);
  while (i < object.size() && object[i] == '"') {
    Member m;
    m.begin = i;
    size_t key_end = skip_string(object, i);
    m.key = object.substr(i + 1, key_end - i - 2);
    i = space(space(key_end) + 1);  // past the ':'
    m.value = i;
    int depth = 0;
    for (; i < object.size(); ++i) {
      char c = object[i];
      if (c == '"') {
        i = skip_string(object, i) - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    m.end = i;
    while (m.end > m.value && (object[m.end - 1] == ' ' || object[m.end - 1] == '\t' ||
                               object[m.end - 1] == '\n' || object[m.end - 1] == '\r')) {
      --m.end;
    }
    members.push_back(m);
    if (i < object.size() && object[i] == ',') i = space(i + 1);
  }
  return members;
}
}  // namespace

JsonlOptions options_from_config(const singer::Json& config) {
  JsonlOptions options;
  if (const auto* p = config.find("destination_path"); p && p->is_string() && !p->as_string().empty()) {
    options.destination_path = p->as_string();
  }
  if (const auto* m = config.find("add_record_metadata"); m && m->is_bool()) {
    options.add_record_metadata = m->as_bool();
  }
  return options;
}

std::string file_name_for_stream(std::string_view stream) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string name;
  for (size_t i = 0; i < stream.size(); ++i) {
    auto c = static_cast<unsigned char>(stream[i]);
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '-' || (c == '.' && i > 0);
    if (safe) {
      name.push_back(static_cast<char>(c));
    } else {
      name.push_back('%');
      name.push_back(kHex[c >> 4]);
      name.push_back(kHex[c & 15]);
    }
  }
  if (name.empty()) throw singer::Error(singer::Location{}, "stream name is empty");
  name += ".jsonl";
  if (name.size() > kMaxFileNameBytes) {
    throw singer::Error(singer::Location{"", 0, std::string(stream.substr(0, 60))},
                        "stream name too long for a file name ({} bytes)", stream.size());
  }
  return name;
}

JsonlSink::JsonlSink(std::string_view stream, const JsonlOptions& options)
    : stream_(stream), add_metadata_(options.add_record_metadata) {
  make_directories(options.destination_path);
  path_ = options.destination_path + "/" + file_name_for_stream(stream);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw singer::Error(singer::Location{path_}, "cannot open: {}", std::strerror(errno));
  drop_torn_tail();
  buffer_.reserve(kBufferBytes + 4096);
}

// A run killed mid-write can leave a last line without its newline. No STATE ever
// covered it (state follows fsync of whole lines), so cut it off: otherwise the next
// record appended would be glued to it and both lines lost.
void JsonlSink::drop_torn_tail() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || st.st_size == 0) return;
  off_t end = st.st_size;
  char last = 0;
  if (::pread(fd_, &last, 1, end - 1) != 1 || last == '\n') return;
  char chunk[65536];
  off_t keep = 0;
  for (off_t pos = end; pos > 0 && keep == 0;) {
    off_t from = pos > static_cast<off_t>(sizeof chunk) ? pos - static_cast<off_t>(sizeof chunk) : 0;
    ssize_t n = ::pread(fd_, chunk, static_cast<size_t>(pos - from), from);
    if (n <= 0) return;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (chunk[i] == '\n') {
        keep = from + i + 1;
        break;
      }
    }
    pos = from;
  }
  if (::ftruncate(fd_, keep) != 0) {
    throw singer::Error(singer::Location{path_}, "cannot cut a torn last line: {}", std::strerror(errno));
  }
  singer::log::warning("{}: dropped a torn last line ({}) left by an interrupted run", path_,
                       singer::log::counted(end - keep, "byte"));
}

JsonlSink::~JsonlSink() {
  if (fd_ >= 0) ::close(fd_);
}

void JsonlSink::write(const singer::RecordMessage& record, const singer::RecordContext& context) {
  if (!add_metadata_) {
    buffer_ += record.record;
  } else {
    std::string_view body = record.record;
    std::string_view deleted_at = "null";
    if (body.find("\"_sdc_") == std::string_view::npos) {
      // Insert the _sdc_* members before the record's closing brace.
      size_t close = body.rfind('}');
      buffer_.append(body.data(), close);
      bool empty = body.find_first_not_of(" \t\r\n", 1) == close;
      if (!empty) buffer_.push_back(',');
    } else {
      // The record has _sdc_* members of its own: ours replace them (no key twice), but
      // _sdc_deleted_at is the record's, as the Meltano SDK does.
      buffer_.push_back('{');
      for (const Member& m : top_level_members(body)) {
        if (m.key == "_sdc_deleted_at") deleted_at = body.substr(m.value, m.end - m.value);
        if (metadata_key(m.key)) continue;
        buffer_.append(body.substr(m.begin, m.end - m.begin));
        buffer_.push_back(',');
      }
    }
    buffer_ += R"("_sdc_extracted_at":)";
    if (record.time_extracted.empty()) {
      buffer_ += "null";
    } else {
      singer::append_json_string(buffer_, record.time_extracted);
    }
    buffer_ += R"(,"_sdc_received_at":")";
    buffer_ += context.received_at;
    buffer_ += R"(","_sdc_batched_at":")";
    buffer_ += context.batched_at;
    buffer_ += R"(","_sdc_deleted_at":)";
    buffer_ += deleted_at;
    buffer_ += R"(,"_sdc_sequence":)";
    buffer_ += std::to_string(context.sequence);
    buffer_ += R"(,"_sdc_table_version":)";
    buffer_ += context.table_version ? std::to_string(*context.table_version) : "null";
    buffer_ += R"(,"_sdc_sync_started_at":)";
    buffer_ += std::to_string(context.sync_started_at);
    buffer_.push_back('}');
  }
  buffer_.push_back('\n');
  if (buffer_.size() >= kBufferBytes) write_buffer();
}

void JsonlSink::write_buffer() {
  if (!singer::write_all(fd_, buffer_)) {
    throw singer::Error(singer::Location{path_}, "write failed: {}", std::strerror(errno));
  }
  buffer_.clear();
}

void JsonlSink::flush() {
  write_buffer();
  if (::fsync(fd_) != 0) {
    throw singer::Error(singer::Location{path_}, "fsync failed: {}", std::strerror(errno));
  }
}

}  // namespace target_jsonl
