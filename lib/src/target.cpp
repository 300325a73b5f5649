// run_target(): reads messages, validates records, routes them to one Sink per stream,
// and prints a STATE value only once every record before it is durable in every sink.
#include "singer/target.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "cli_args.hpp"
#include "singer/config.hpp"
#include "singer/log.hpp"
#include "singer/message_reader.hpp"
#include "singer/message_writer.hpp"
#include "singer/schema.hpp"

namespace singer {

namespace {

using Clock = std::chrono::steady_clock;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct StreamTarget {
  std::unique_ptr<Sink> sink;
  SchemaMessage schema;
  Schema validator;
  std::int64_t records = 0;
  std::optional<std::int64_t> version;
};

enum class KeyValue { Missing, Null, Present };

KeyValue key_value(const RecordFields& fields, std::string_view key) {
  const auto& nodes = fields.nodes;
  for (std::uint32_t i = 1; i < nodes.size(); i = nodes[i].end) {
    if (nodes[i].key == key) return nodes[i].kind == FieldNode::Kind::Null ? KeyValue::Null : KeyValue::Present;
  }
  return KeyValue::Missing;
}

// Nanoseconds since the epoch: _sdc_sequence follows the clock so that it also
// increases across runs (the Meltano SDK derives it from the clock too).
std::int64_t epoch_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A BATCH file opened for reading, through `gzip -dc` when compressed (gzip is an
// Essential Debian package, so this adds no dependency).
class BatchFile {
 public:
  BatchFile(const std::string& path, bool gzip, const Location& where) : path_(path), where_(where) {
    int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file < 0) {
      if (errno == ENOENT) throw Error(where, "batch file not found: {}", path);
      throw Error(where, "cannot open batch file {}: {}", path, std::strerror(errno));
    }
    if (!gzip) {
      fd_ = file;
      return;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(where, "pipe failed: {}", std::strerror(errno));
    pid_ = ::fork();
    if (pid_ < 0) throw Error(where, "fork failed: {}", std::strerror(errno));
    if (pid_ == 0) {
      ::dup2(file, 0);
      ::dup2(fds[1], 1);
      ::execlp("gzip", "gzip", "-dc", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(file);
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~BatchFile() {
    if (fd_ >= 0) ::close(fd_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  int fd() const noexcept { return fd_; }

  // After the last record: a failed decompression is an error, not a short batch.
  void finish() {
    if (pid_ <= 0) return;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw Error(where_, "cannot decompress batch file {} (gzip -dc failed)", path_);
    }
  }

 private:
  std::string path_;
  Location where_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

class TargetRun {
 public:
  TargetRun(const TargetSpec& spec, Json config, int input_fd, std::string input_name)
      : spec_(spec), config_(std::move(config)), reader_(input_fd, std::move(input_name)) {
    const Json* v = config_.find("validate_records");
    validate_ = !(v && v->is_bool() && !v->as_bool());
    const Json* n = config_.find("batch_size_rows");
    if (!n) n = config_.find("batch_size");  // the name older Singer SQL targets use
    if (n && n->as_int() && *n->as_int() > 0) {
      batch_rows_ = *n->as_int();
    }
    if (const Json* s = config_.find("max_batch_seconds"); s && s->is_number()) {
      max_batch_age_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s->as_double()));
    }
    reader_.set_record_fields(validate_ || spec.sink_needs_fields);
    reader_.set_nested_text(spec.sink_needs_fields);  // validation never reads it
    last_drain_ = Clock::now();
    refresh_clock();
  }

  void run() {
    try {
      while (reader_.next()) {
        switch (reader_.type()) {
          case MessageType::Record: on_record(reader_.record(), reader_); break;
          case MessageType::Schema: on_schema(reader_.schema()); break;
          case MessageType::State: on_state(reader_.state()); break;
          case MessageType::ActivateVersion: on_activate_version(reader_.activate_version()); break;
          case MessageType::Batch: on_batch(reader_.batch()); break;
        }
      }
      for (const std::string& name : stream_order_) streams_.find(name)->second.sink->finish();
    } catch (...) {
      // Records before the failure were valid: make them durable and report the last
      // state they cover, so a rerun resumes from there. Then fail loudly.
      std::string first;
      try {
        throw;
      } catch (const std::exception& e) {
        first = e.what();
      } catch (...) {
      }
      try {
        drain();
      } catch (const std::exception& e) {
        // A sink that failed on a record fails its flush the same way: one line is enough.
        if (first != e.what()) log::warning("could not flush after the error: {}", e.what());
      }
      throw;
    }
    drain();
    for (const std::string& name : stream_order_) {
      log::metric_counter("record_count", streams_.find(name)->second.records, name);
    }
  }

 private:
  void on_record(const RecordMessage& record, const MessageReader& from) {
    // Records come in long runs of one stream: skip the hash lookup for those.
    if (!last_stream_ || record.stream != last_stream_name_) {
      auto it = streams_.find(record.stream);
      if (it == streams_.end()) {
        throw Error(from.location(record.stream), "RECORD before any SCHEMA for this stream");
      }
      last_stream_ = &it->second;
      last_stream_name_ = it->first;
    }
    StreamTarget& stream = *last_stream_;
    ++stream.records;
    if (validate_) {
      for (const auto& key : stream.schema.key_properties) {
        switch (key_value(*record.fields, key)) {
          case KeyValue::Missing:
            throw Error(from.location(record.stream), "record {} is missing key property '{}'",
                        stream.records, key);
          case KeyValue::Null:
            throw Error(from.location(record.stream), "record {}: key property '{}' is null",
                        stream.records, key);
          case KeyValue::Present: break;
        }
      }
      if (auto error = stream.validator.validate(*record.fields)) {
        throw Error(from.location(record.stream), "record {}{}{}", stream.records,
                    error->path.empty() ? ": " : " ", describe(*error));
      }
    }
    RecordContext context;
    if ((++received_ & 1023) == 0) refresh_clock();
    // Strictly increasing within the run, and never behind the clock (read every 1024
    // records and at every STATE), so a later run starts above this one's last value.
    sequence_ = std::max(sequence_ + 1, clock_nanos_);
    context.sequence = sequence_;
    context.received_at = now_iso_;
    context.batched_at = now_iso_;
    context.sync_started_at = sync_started_at_;
    context.source = from.source_name();
    context.line = from.line_number();
    context.table_version = record.version ? record.version : stream.version;
    try {
      stream.sink->write(record, context);
    } catch (const Error& e) {
      if (!e.location().file.empty()) throw;
      throw Error(from.location(record.stream), "{}", e.detail());
    }
    ++pending_records_;
  }

  // BATCH (Meltano SDK): records in local JSONL files, optionally gzip-compressed.
  void on_batch(const BatchMessage& batch) {
    Location where = reader_.location(batch.stream);
    if (streams_.find(batch.stream) == streams_.end()) {
      throw Error(where, "BATCH before any SCHEMA for this stream");
    }
    const Json* format = batch.encoding.find("format");
    if (!format || !format->is_string() || format->as_string() != "jsonl") {
      throw Error(where, "BATCH encoding format {} is not supported (only jsonl)", format ? format->dump() : "none");
    }
    const Json* compression = batch.encoding.find("compression");
    bool gzip = compression && compression->is_string() && compression->as_string() == "gzip";
    if (compression && !gzip && !(compression->is_string() && compression->as_string() == "none") &&
        !compression->is_null()) {
      throw Error(where, "BATCH compression {} is not supported (gzip or none)", compression->dump());
    }
    for (const std::string& uri : batch.manifest) {
      if (uri.rfind("file://", 0) != 0) throw Error(where, "BATCH manifest entry is not a file:// URI: {}", uri);
      std::string path = uri.substr(7);
      BatchFile file(path, gzip, where);
      MessageReader records(file.fd(), path);
      records.set_bare_records(batch.stream);
      records.set_record_fields(validate_ || spec_.sink_needs_fields);
      records.set_nested_text(spec_.sink_needs_fields);
      while (records.next()) on_record(records.record(), records);
      file.finish();
    }
  }

  void on_schema(const SchemaMessage& message) {
    Location where = reader_.location(message.stream);
    const Json* props = message.schema.find("properties");
    if (!props || !props->is_object()) {
      // The Meltano SDK's target tests require a stream without properties to fail.
      throw Error(where, "schema has no 'properties'");
    }
    if (!message.has_key_properties) {
      log::warning_once("no key_properties " + message.stream,
                        fmt::format("{}: SCHEMA has no 'key_properties'; loading the stream without keys",
                                    where.to_string()));
    }
    auto it = streams_.find(message.stream);
    if (it != streams_.end() && it->second.schema.schema == message.schema &&
        it->second.schema.key_properties == message.key_properties) {
      return;  // taps repeat SCHEMA, e.g. once per parent of a child stream
    }
    Schema validator = Schema::compile(message.schema, where);
    if (it == streams_.end()) {
      StreamTarget stream;
      stream.schema = message;
      stream.validator = std::move(validator);
      at_input(where, [&] { stream.sink = spec_.make_sink(message, config_); });
      if (auto early = early_versions_.find(message.stream); early != early_versions_.end()) {
        stream.version = early->second;
        at_input(where, [&] { stream.sink->activate_version(early->second); });
        early_versions_.erase(early);
      }
      streams_.emplace(message.stream, std::move(stream));
      stream_order_.push_back(message.stream);
      return;
    }
    StreamTarget& stream = it->second;
    at_input(where, [&] { stream.sink->schema_changed(message); });
    stream.schema = message;
    stream.validator = std::move(validator);
  }

  void on_state(const StateMessage& message) {
    pending_state_ = std::string(message.raw_value);
    if (pending_records_ == 0 || pending_records_ >= batch_rows_ || Clock::now() - last_drain_ >= max_batch_age_) {
      drain();
    }
  }

  void on_activate_version(const ActivateVersionMessage& message) {
    auto it = streams_.find(message.stream);
    if (it == streams_.end()) {
      // Taps built on PipelineWise's tap-mysql send it first: it applies from the
      // stream's first SCHEMA on.
      early_versions_[message.stream] = message.version;
      return;
    }
    it->second.version = message.version;
    at_input(reader_.location(message.stream), [&] { it->second.sink->activate_version(message.version); });
  }

  // Runs a sink call. An error that names no file of its own (a stream name the sink
  // cannot use, say) is placed on the input line that caused it.
  template <typename Call>
  static void at_input(const Location& where, Call&& call) {
    try {
      call();
    } catch (const Error& e) {
      if (!e.location().file.empty()) throw;
      throw Error(where, "{}", e.detail());
    }
  }

  // Every sink durable first, then the state that those records allow.
  void drain() {
    if (pending_records_ > 0) {
      for (auto& [name, stream] : streams_) stream.sink->flush();
    }
    pending_records_ = 0;
    last_drain_ = Clock::now();
    refresh_clock();
    if (pending_state_) {
      out_.write_line(*pending_state_);
      out_.flush();
      pending_state_.reset();
    }
  }

  void refresh_clock() {
    now_iso_ = utc_now_iso();
    clock_nanos_ = epoch_nanos();
  }

  const TargetSpec& spec_;
  Json config_;
  MessageReader reader_;
  MessageWriter out_;
  bool validate_ = true;
  std::int64_t batch_rows_ = 100000;
  Clock::duration max_batch_age_ = std::chrono::seconds(1);
  std::unordered_map<std::string, StreamTarget, StringHash, std::equal_to<>> streams_;
  StreamTarget* last_stream_ = nullptr;  // unordered_map nodes are stable
  std::string_view last_stream_name_;     // views the map's key
  std::vector<std::string> stream_order_;  // first-SCHEMA order, for stable logs
  std::optional<std::string> pending_state_;
  std::int64_t pending_records_ = 0;
  std::int64_t received_ = 0;
  std::int64_t sequence_ = 0;
  std::int64_t clock_nanos_ = 0;
  std::int64_t sync_started_at_ = epoch_nanos() / 1'000'000;  // ms, as the Meltano SDK
  std::unordered_map<std::string, std::int64_t> early_versions_;  // ACTIVATE_VERSION before SCHEMA
  Clock::time_point last_drain_;
  std::string now_iso_;
};

}  // namespace

int run_target(int argc, char** argv, const TargetSpec& spec) {
  CLI::App app{spec.info.description, spec.info.name};
  detail::CommonArgs common;
  std::string input;
  detail::add_common_options(app, common);
  app.add_option("--input", input, "Read messages from FILE instead of stdin")->type_name("FILE");
  bool test = false;
  app.add_flag("--test", test, "Check the config (and --input), read no messages, then exit");
  app.footer(fmt::format(
      "Reads Singer messages on stdin and prints each STATE value on stdout once every record\n"
      "before it is durably written.\n"
      "Exit codes: 0 success, 1 failure in the data or destination, 2 usage or config error.\n"
      "Example:\n  tap-csv --config tap.json | {0} --config {0}.json > state.json\n",
      spec.info.name));
  int exit_code = 0;
  if (!detail::parse_args(app, argc, argv, exit_code)) return exit_code;
  if (detail::handle_info_flags(common, spec.info)) return 0;

  Json config = load_config(common.config, spec.info.name, spec.info.config_schema);
  int fd = 0;
  std::string name = "<stdin>";
  if (!input.empty()) {
    fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw UsageError(Location{input}, "cannot open: {}", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      throw UsageError(Location{input}, "cannot open: {}", std::strerror(EISDIR));
    }
    name = input;
  }
  if (test) {
    if (fd != 0) ::close(fd);
    log::info("config is valid (--test: no messages read)");
    return 0;
  }
  TargetRun run(spec, std::move(config), fd, name);
  run.run();
  if (fd != 0) ::close(fd);
  return 0;
}

}  // namespace singer
