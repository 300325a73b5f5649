// Singer messages from JSON lines: big read() buffers, lines of any length, one
// simdjson On-Demand pass per line. A RECORD's object is handed out as its own bytes
// (raw_json) or, when asked, also walked once into RecordFields.
#include "singer/message_reader.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "json_number.hpp"
#include "json_syntax.hpp"
#include "singer/simdjson_errors.hpp"
#include "singer/log.hpp"
#include "singer/message_writer.hpp"

namespace singer {

namespace od = simdjson::ondemand;

namespace {
constexpr size_t kInitialBuffer = size_t{4} << 20;
constexpr size_t kReadChunk = size_t{1} << 20;
constexpr int kMaxDepth = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
}  // namespace

struct MessageReader::Impl {
  int fd = -1;
  std::string source;
  bool eof = false;
  bool want_fields = false;
  bool nested_text = true;
  bool bare_records = false;
  std::string bare_stream;

  // buffer [0, cap + padding); unread data is [begin, end); `scanned` marks how far
  // past begin we already looked for a newline.
  std::unique_ptr<char[]> buf;
  size_t cap = 0, begin = 0, end = 0, scanned = 0;

  std::int64_t line_no = 0;
  std::string_view line;

  od::parser parser;
  od::document* current_doc = nullptr;  // the line being parsed, for walked_text()
  MessageType type = MessageType::Record;
  SchemaMessage schema;
  RecordMessage record;
  RecordFields fields;
  StateMessage state;
  ActivateVersionMessage activate;
  BatchMessage batch;

  void allocate(size_t capacity) {
    auto fresh = std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING);
    if (end > begin) std::memcpy(fresh.get(), buf.get() + begin, end - begin);
    end -= begin;
    scanned = scanned > begin ? scanned - begin : 0;
    begin = 0;
    buf = std::move(fresh);
    cap = capacity;
  }

  Location where(std::string_view stream = {}) const {
    return Location{source, line_no, std::string(stream)};
  }

  // Sets `line` to the next physical line; false at end of input.
  bool next_line() {
    for (;;) {
      size_t from = begin + scanned;
      if (from < end) {
        const void* nl = std::memchr(buf.get() + from, '\n', end - from);
        if (nl) {
          size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - buf.get());
          line = std::string_view(buf.get() + begin, pos - begin);
          begin = pos + 1;
          scanned = 0;
          ++line_no;
          return true;
        }
        scanned = end - begin;
      }
      if (eof) {
        if (begin == end) return false;
        // A last line without a newline is still a line (it may be truncated JSON,
        // which the parser then reports).
        line = std::string_view(buf.get() + begin, end - begin);
        begin = end;
        scanned = 0;
        ++line_no;
        return true;
      }
      fill();
    }
  }

  void fill() {
    if (begin > 0 && (end == cap || begin > cap / 2)) {
      std::memmove(buf.get(), buf.get() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == cap) {
      if (cap >= kMaxLineBytes) {
        ++line_no;
        throw Error(where(), "line longer than {} bytes", kMaxLineBytes);
      }
      allocate(std::min(cap * 2, kMaxLineBytes));
    }
    for (;;) {
      ssize_t n = ::read(fd, buf.get() + end, std::min(kReadChunk * 4, cap - end));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error(Location{source, 0, ""}, "read failed: {}", std::strerror(errno));
      }
      if (n == 0) eof = true;
      end += static_cast<size_t>(n);
      return;
    }
  }

  // What is wrong and at which byte of the line, never the line's text: a record may
  // hold personal data.
  [[noreturn, gnu::cold, gnu::noinline]] void invalid(simdjson::error_code e) const {
    if (auto syntax = detail::find_json_syntax_error(line)) {
      throw Error(where(), "invalid JSON: {} at byte {}", syntax->what, syntax->offset + 1);
    }
    throw Error(where(), "invalid JSON: {}", describe_json_error(e));
  }

  // A member's value as an owned Json; its syntax errors are placed on the whole line.
  Json parse_member(std::string_view raw, std::string_view stream = {}) const {
    try {
      return Json::parse(raw, where(stream));
    } catch (const Error&) {
      if (detail::find_json_syntax_error(line)) invalid(simdjson::TAPE_ERROR);
      throw;
    }
  }

  // A number, boolean or null: checks its spelling, which simdjson's raw_json() and
  // skipping do not, and fills node's kind and text.
  void scalar(od::value value, od::json_type jt, FieldNode& node) {
    switch (jt) {
      case od::json_type::number: {
        std::string_view token = detail::trim_json_token(value.raw_json_token());
        bool fractional = false;
        if (!detail::scan_json_number(token, fractional)) invalid(simdjson::NUMBER_ERROR);
        node.kind = fractional ? FieldNode::Kind::Number : FieldNode::Kind::Integer;
        node.text = token;
        break;
      }
      case od::json_type::boolean:
        if (auto e = value.get_bool().get(node.boolean)) invalid(e);
        node.kind = FieldNode::Kind::Bool;
        node.text = node.boolean ? "true" : "false";
        break;
      default: {
        bool is_null = false;
        if (auto e = value.is_null().get(is_null)) invalid(e);
        if (!is_null) invalid(simdjson::N_ATOM_ERROR);
        node.kind = FieldNode::Kind::Null;
      }
    }
  }

  // An object's or array's JSON text, from its opening bracket to the matching one
  // (SQL targets store nested values as the record's own bytes). Stage 1 has checked
  // the structure, so counting brackets outside strings finds the end.
  [[gnu::noinline]] std::string_view container_text(const char* open) const {
    const char* limit = line.data() + line.size();
    int depth = 0;
    for (const char* p = open; p < limit; ++p) {
      char c = *p;
      if (c == '"') {
        for (++p; p < limit && *p != '"'; ++p) {
          if (*p == '\\') ++p;
        }
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return std::string_view(open, static_cast<size_t>(p + 1 - open));
      }
    }
    invalid(simdjson::TAPE_ERROR);
  }

  // The JSON text of the object or array opening at `open` that walk() just iterated:
  // the iterator now stands on the token after its closing bracket, so the text ends at
  // the last non-space byte before that token (no second scan of the value's bytes).
  [[gnu::noinline]] std::string_view walked_text(const char* open) const {
    const char* next = nullptr;
    if (current_doc && current_doc->current_location().get(next) == simdjson::SUCCESS && next > open) {
      const char* p = next - 1;
      while (p > open && is_space(*p)) --p;
      if (*p == '}' || *p == ']') return std::string_view(open, static_cast<size_t>(p + 1 - open));
    }
    return container_text(open);
  }

  // Walks a record into `fields`, visiting every value once.
  // kText: nested objects and arrays get their JSON text (one instance each way, so
  // readers that need no text run the plain walk).
  template <bool kText>
  void walk(od::value value, std::string_view key, int depth) {
    if (depth > kMaxDepth) invalid(simdjson::DEPTH_ERROR);
    od::json_type jt;
    if (auto e = value.type().get(jt)) invalid(e);
    auto& nodes = fields.nodes;
    size_t index = nodes.size();
    nodes.emplace_back();
    nodes[index].key = key;
    if (jt == od::json_type::object) {
      nodes[index].kind = FieldNode::Kind::Object;
      const char* open = kText && depth > 0 ? value.raw_json_token().data() : nullptr;
      od::object object;
      if (auto e = value.get_object().get(object)) invalid(e);
      for (auto field : object) {
        std::string_view k;
        if (auto e = field.unescaped_key().get(k)) invalid(e);
        od::value child;
        if (auto e = field.value().get(child)) invalid(e);
        walk<kText>(child, k, depth + 1);
      }
      if constexpr (kText) {
        if (open) nodes[index].text = walked_text(open);
      }
    } else if (jt == od::json_type::array) {
      nodes[index].kind = FieldNode::Kind::Array;
      const char* open = kText && depth > 0 ? value.raw_json_token().data() : nullptr;
      od::array array;
      if (auto e = value.get_array().get(array)) invalid(e);
      for (auto item : array) {
        od::value child;
        if (auto e = item.get(child)) invalid(e);
        walk<kText>(child, {}, depth + 1);
      }
      if constexpr (kText) {
        if (open) nodes[index].text = walked_text(open);
      }
    } else if (jt == od::json_type::string) {
      nodes[index].kind = FieldNode::Kind::String;
      if (auto e = value.get_string().get(nodes[index].text)) invalid(e);
    } else {
      scalar(value, jt, nodes[index]);
    }
    nodes[index].end = static_cast<std::uint32_t>(nodes.size());
  }

  // Checks a value without keeping it: numbers and literals are checked as walk()
  // does, but strings and keys are not unescaped (stage 1 already checked their UTF-8
  // and control characters). The fast path for records when no one needs the fields.
  void check(od::value value, int depth) {
    if (depth > kMaxDepth) invalid(simdjson::DEPTH_ERROR);
    od::json_type jt;
    if (auto e = value.type().get(jt)) invalid(e);
    if (jt == od::json_type::object) {
      od::object object;
      if (auto e = value.get_object().get(object)) invalid(e);
      for (auto field : object) {
        od::value child;
        if (auto e = field.value().get(child)) invalid(e);
        check(child, depth + 1);
      }
    } else if (jt == od::json_type::array) {
      od::array array;
      if (auto e = value.get_array().get(array)) invalid(e);
      for (auto item : array) {
        od::value child;
        if (auto e = item.get(child)) invalid(e);
        check(child, depth + 1);
      }
    } else if (jt != od::json_type::string) {
      FieldNode unused;
      scalar(value, jt, unused);
    }
  }

  // The JSON text of any value, consuming it.
  std::string_view raw_of(od::value value) {
    od::json_type jt;
    if (auto e = value.type().get(jt)) invalid(e);
    std::string_view raw;
    if (jt == od::json_type::object) {
      od::object object;
      if (auto e = value.get_object().get(object)) invalid(e);
      if (auto e = object.raw_json().get(raw)) invalid(e);
    } else if (jt == od::json_type::array) {
      od::array array;
      if (auto e = value.get_array().get(array)) invalid(e);
      if (auto e = array.raw_json().get(raw)) invalid(e);
    } else {
      raw = value.raw_json_token();
    }
    // raw_json() runs up to the next token; the value ends before the whitespace.
    return detail::trim_json_token(raw);
  }

  std::string string_of(od::value value, std::string_view key, std::string_view type_name) {
    std::string_view s;
    if (value.get_string().get(s)) {
      throw Error(where(), "{} '{}' is not a string", type_name, key);
    }
    return std::string(s);
  }

  std::vector<std::string> strings_of(od::value value, std::string_view key) {
    std::vector<std::string> out;
    od::array array;
    if (value.get_array().get(array)) throw Error(where(), "'{}' is not an array of strings", key);
    for (auto item : array) {
      std::string_view s;
      if (item.get_string().get(s)) throw Error(where(), "'{}' is not an array of strings", key);
      out.emplace_back(s);
    }
    return out;
  }

  // After the whole value was iterated, the document must be at its end: a location
  // means more tokens follow ("{...}}", two messages on one line). Returns one past
  // the value's last byte.
  const char* check_document_end(od::document& doc, size_t last) {
    const char* extra = nullptr;
    if (doc.current_location().get(extra) == simdjson::SUCCESS) {
      invalid(simdjson::TRAILING_CONTENT);
    }
    return line.data() + last;
  }

  // A BATCH file line: the whole line is the record.
  bool parse_bare_record(od::document& doc, size_t first, size_t last) {
    fields.nodes.clear();
    od::value root;
    if (auto e = doc.get_value().get(root)) invalid(e);
    if (root.type().value_unsafe() != od::json_type::object) throw Error(where(), "batch record is not an object");
    if (want_fields) {
      nested_text ? walk<true>(root, {}, 0) : walk<false>(root, {}, 0);
    } else {
      check(root, 0);
    }
    check_document_end(doc, last);
    type = MessageType::Record;
    record.stream = bare_stream;
    record.record = line.substr(first, last - first);
    record.time_extracted = {};
    record.version.reset();
    record.fields = want_fields ? &fields : nullptr;
    return true;
  }

  // Parses `line` into the message fields; false if the line is skipped.
  bool parse_line() {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = 0;
    while (first < line.size() && is_space(line[first])) ++first;
    if (first == line.size()) return false;  // blank line
    if (std::memchr(line.data(), '\0', line.size()) != nullptr) {
      throw Error(where(), "NUL byte in input");
    }
    size_t last = line.size();
    while (last > first && is_space(line[last - 1])) --last;
    if (line[first] != '{') {
      if (detail::find_json_syntax_error(line)) invalid(simdjson::TAPE_ERROR);
      throw Error(where(), "message is not a JSON object");
    }

    const char* base = line.data();
    size_t room = static_cast<size_t>(buf.get() + cap + simdjson::SIMDJSON_PADDING - base);
    od::document doc;
    if (auto e = parser.iterate(base, line.size(), room).get(doc)) invalid(e);
    current_doc = &doc;
    if (bare_records) return parse_bare_record(doc, first, last);
    od::object message;
    if (auto e = doc.get_object().get(message)) invalid(e);

    std::string_view type_name;
    bool has_type = false;
    std::string_view stream_sv;
    bool has_stream = false;
    std::string_view schema_raw, value_raw;
    bool has_schema = false, has_value = false, has_record = false, has_version = false;
    bool has_key_properties = false, has_encoding = false, has_manifest = false;
    std::string_view encoding_raw;
    std::vector<std::string> key_properties, bookmark_properties, manifest;
    std::string_view time_extracted;
    std::int64_t version = 0;
    const char* record_start = nullptr;
    const char* record_end = nullptr;
    bool record_end_pending = false;
    fields.nodes.clear();

    for (auto field : message) {
      od::raw_json_string key;
      if (auto e = field.key().get(key)) invalid(e);
      if (record_end_pending) {
        // The walked record ended at the last '}' before this key's comma.
        const char* p = key.raw() - 2;
        while (p > record_start && is_space(*p)) --p;
        if (*p == ',') --p;
        while (p > record_start && is_space(*p)) --p;
        record_end = p + 1;
        record_end_pending = false;
      }
      od::value value;
      if (auto e = field.value().get(value)) invalid(e);
      if (key.unsafe_is_equal("type")) {
        if (value.get_string().get(type_name)) throw Error(where(), "message 'type' is not a string");
        has_type = true;
      } else if (key.unsafe_is_equal("stream")) {
        if (value.get_string().get(stream_sv)) throw Error(where(), "message 'stream' is not a string");
        has_stream = true;
      } else if (key.unsafe_is_equal("record")) {
        od::json_type jt;
        if (auto e = value.type().get(jt)) invalid(e);
        if (jt != od::json_type::object) throw Error(where(), "'record' is not an object");
        has_record = true;
        record_start = value.raw_json_token().data();
        if (want_fields) {
          nested_text ? walk<true>(value, {}, 0) : walk<false>(value, {}, 0);
        } else {
          check(value, 0);
        }
        record_end_pending = true;
      } else if (key.unsafe_is_equal("schema")) {
        schema_raw = raw_of(value);
        has_schema = true;
      } else if (key.unsafe_is_equal("value")) {
        value_raw = raw_of(value);
        has_value = true;
      } else if (key.unsafe_is_equal("key_properties")) {
        bool null = false;
        if (!value.is_null().get(null) && null) continue;
        key_properties = strings_of(value, "key_properties");
        has_key_properties = true;
      } else if (key.unsafe_is_equal("bookmark_properties")) {
        bool null = false;
        if (!value.is_null().get(null) && null) continue;
        bookmark_properties = strings_of(value, "bookmark_properties");
      } else if (key.unsafe_is_equal("time_extracted")) {
        bool null = false;
        if (!value.is_null().get(null) && null) continue;
        if (value.get_string().get(time_extracted)) throw Error(where(), "'time_extracted' is not a string");
      } else if (key.unsafe_is_equal("version")) {
        bool null = false;
        if (!value.is_null().get(null) && null) continue;
        if (value.get_int64().get(version)) {
          double d = 0;
          if (value.get_double().get(d)) throw Error(where(), "'version' is not a number");
          // Some taps send a float; anything beyond int64 cannot be a version.
          if (!(d >= -9.2e18 && d <= 9.2e18)) throw Error(where(), "'version' is out of range");
          version = static_cast<std::int64_t>(d);
        }
        has_version = true;
      } else if (key.unsafe_is_equal("encoding")) {
        encoding_raw = raw_of(value);
        has_encoding = true;
      } else if (key.unsafe_is_equal("manifest")) {
        manifest = strings_of(value, "manifest");
        has_manifest = true;
      } else {
        // Other keys (e.g. "sequence") are ignored, but still checked.
        check(value, 1);
      }
    }
    const char* message_end = check_document_end(doc, last);
    if (record_end_pending) {
      // The record was the message's last member: its '}' precedes the message's own.
      const char* p = message_end - 2;
      while (p > record_start && is_space(*p)) --p;
      record_end = p + 1;
    }

    if (!has_type) throw Error(where(), "message has no 'type'");
    auto need_stream = [&](std::string_view what) {
      if (!has_stream) throw Error(where(), "{} message has no 'stream'", what);
    };
    if (type_name == "RECORD") {
      need_stream("RECORD");
      if (!has_record) throw Error(where(stream_sv), "RECORD message has no 'record'");
      type = MessageType::Record;
      record.stream = stream_sv;
      record.record = std::string_view(record_start, static_cast<size_t>(record_end - record_start));
      record.time_extracted = time_extracted;
      record.version = has_version ? std::optional<std::int64_t>(version) : std::nullopt;
      record.fields = want_fields ? &fields : nullptr;
    } else if (type_name == "STATE") {
      if (!has_value) throw Error(where(), "STATE message has no 'value'");
      type = MessageType::State;
      state.raw_value = value_raw;
      state.value = parse_member(value_raw);
    } else if (type_name == "SCHEMA") {
      need_stream("SCHEMA");
      if (!has_schema) throw Error(where(stream_sv), "SCHEMA message has no 'schema'");
      type = MessageType::Schema;
      schema.stream = std::string(stream_sv);
      schema.schema = parse_member(schema_raw, stream_sv);
      if (!schema.schema.is_object()) throw Error(where(stream_sv), "schema is not an object");
      schema.key_properties = std::move(key_properties);
      schema.has_key_properties = has_key_properties;
      schema.bookmark_properties = std::move(bookmark_properties);
    } else if (type_name == "ACTIVATE_VERSION") {
      need_stream("ACTIVATE_VERSION");
      if (!has_version) throw Error(where(stream_sv), "ACTIVATE_VERSION message has no 'version'");
      type = MessageType::ActivateVersion;
      activate.stream = std::string(stream_sv);
      activate.version = version;
    } else if (type_name == "BATCH") {
      need_stream("BATCH");
      if (!has_encoding) throw Error(where(stream_sv), "BATCH message has no 'encoding'");
      if (!has_manifest) throw Error(where(stream_sv), "BATCH message has no 'manifest'");
      type = MessageType::Batch;
      batch.stream = std::string(stream_sv);
      batch.encoding = parse_member(encoding_raw, stream_sv);
      batch.manifest = std::move(manifest);
    } else {
      std::string name(type_name);
      log::warning_once("message type " + name,
                        fmt::format("{}: unknown message type '{}', skipped (warned once per type)",
                                    where().to_string(), name));
      return false;
    }
    return true;
  }
};

MessageReader::MessageReader(int fd, std::string source_name) : impl_(std::make_unique<Impl>()) {
  impl_->fd = fd;
  impl_->source = std::move(source_name);
  impl_->allocate(kInitialBuffer);
  enlarge_pipe(fd);
}

MessageReader::MessageReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MessageReader MessageReader::from_string(std::string_view text, std::string source_name) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source_name);
  impl->allocate(std::max<size_t>(text.size(), 64));
  std::memcpy(impl->buf.get(), text.data(), text.size());
  impl->end = text.size();
  impl->eof = true;
  return MessageReader(std::move(impl));
}

MessageReader::MessageReader(MessageReader&&) noexcept = default;
MessageReader& MessageReader::operator=(MessageReader&&) noexcept = default;
MessageReader::~MessageReader() = default;

void MessageReader::set_record_fields(bool on) { impl_->want_fields = on; }
void MessageReader::set_nested_text(bool on) { impl_->nested_text = on; }

void MessageReader::set_bare_records(std::string stream) {
  impl_->bare_records = true;
  impl_->bare_stream = std::move(stream);
}

bool MessageReader::next() {
  while (impl_->next_line()) {
    if (impl_->parse_line()) return true;
  }
  return false;
}

MessageType MessageReader::type() const noexcept { return impl_->type; }
const SchemaMessage& MessageReader::schema() const noexcept { return impl_->schema; }
const RecordMessage& MessageReader::record() const noexcept { return impl_->record; }
const StateMessage& MessageReader::state() const noexcept { return impl_->state; }
const ActivateVersionMessage& MessageReader::activate_version() const noexcept { return impl_->activate; }
const BatchMessage& MessageReader::batch() const noexcept { return impl_->batch; }
std::string_view MessageReader::line_text() const noexcept { return impl_->line; }
std::int64_t MessageReader::line_number() const noexcept { return impl_->line_no; }
const std::string& MessageReader::source_name() const noexcept { return impl_->source; }
Location MessageReader::location(std::string_view stream) const { return impl_->where(stream); }

}  // namespace singer
