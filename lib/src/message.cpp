// Names of message types and record value kinds, flatten() (a Json value laid out as
// the RecordFields a MessageReader produces, for validating config), and utc_now_iso().
#include "singer/message.hpp"

#include <chrono>
#include <ctime>

namespace singer {

std::string_view to_string(MessageType type) noexcept {
  switch (type) {
    case MessageType::Schema: return "SCHEMA";
    case MessageType::Record: return "RECORD";
    case MessageType::State: return "STATE";
    case MessageType::ActivateVersion: return "ACTIVATE_VERSION";
    case MessageType::Batch: return "BATCH";
  }
  return "UNKNOWN";
}

std::string_view to_string(FieldNode::Kind kind) noexcept {
  switch (kind) {
    case FieldNode::Kind::Null: return "null";
    case FieldNode::Kind::Bool: return "boolean";
    case FieldNode::Kind::Integer: return "integer";
    case FieldNode::Kind::Number: return "number";
    case FieldNode::Kind::String: return "string";
    case FieldNode::Kind::Object: return "object";
    case FieldNode::Kind::Array: return "array";
  }
  return "unknown";
}

namespace {

void flatten_into(const Json& value, std::string_view key, std::vector<FieldNode>& out) {
  const std::size_t at = out.size();
  out.emplace_back();
  FieldNode node;
  node.key = key;
  switch (value.type()) {
    case Json::Type::Null: node.kind = FieldNode::Kind::Null; break;
    case Json::Type::Bool:
      node.kind = FieldNode::Kind::Bool;
      node.boolean = value.as_bool();
      break;
    case Json::Type::Number:
      // The reader's rule: the literal alone decides, "1.0" is a Number.
      node.kind = value.is_integer() ? FieldNode::Kind::Integer : FieldNode::Kind::Number;
      node.text = value.number_text();
      break;
    case Json::Type::String:
      node.kind = FieldNode::Kind::String;
      node.text = value.as_string();
      break;
    case Json::Type::Array:
      node.kind = FieldNode::Kind::Array;
      for (const Json& item : value.items()) flatten_into(item, {}, out);
      break;
    case Json::Type::Object:
      node.kind = FieldNode::Kind::Object;
      for (std::size_t i = 0; i < value.size(); ++i) {
        flatten_into(value.items()[i], value.key(i), out);
      }
      break;
  }
  node.end = static_cast<std::uint32_t>(out.size());
  out[at] = node;
}

}  // namespace

void flatten(const Json& value, RecordFields& out) {
  out.nodes.clear();
  flatten_into(value, {}, out.nodes);
}

std::string utc_now_iso() {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

}  // namespace singer
