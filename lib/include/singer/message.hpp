// The Singer messages: SCHEMA, RECORD, STATE, ACTIVATE_VERSION, BATCH.
// A RECORD is a view into the reader's buffer (valid until its next read): the record's
// own JSON text, and optionally its values field by field (RecordFields).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "singer/json.hpp"

namespace singer {

// The current time as Singer writes it: "2026-11-20T23:00:00.123456Z" (UTC,
// microseconds), for time_extracted and the _sdc_*_at columns.
std::string utc_now_iso();

enum class MessageType : std::uint8_t { Schema, Record, State, ActivateVersion, Batch };

std::string_view to_string(MessageType type) noexcept;

struct SchemaMessage {
  std::string stream;
  Json schema;                                   // always an object
  std::vector<std::string> key_properties;
  bool has_key_properties = false;               // false when the message had none
  std::vector<std::string> bookmark_properties;
};

// One value of a record, flattened in document order. For an object or array, the
// nodes of its children follow it and `end` is the index one past its last descendant.
struct FieldNode {
  enum class Kind : std::uint8_t { Null, Bool, Integer, Number, String, Object, Array };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::uint32_t end = 0;
  std::string_view key;   // member name (unescaped); empty for array items and the root
  // Unescaped string, a number's literal text, or (from a MessageReader) an object's
  // or array's JSON text as received (except nodes[0], whose text is RecordMessage::record);
  // empty for objects and arrays built by flatten() or read with set_nested_text(false).
  std::string_view text;
};

// A record's values; nodes[0] is the record object itself.
struct RecordFields {
  std::vector<FieldNode> nodes;
};

// Builds RecordFields from a Json value (for validating config and tests). The nodes
// point into `value`, which must outlive them.
void flatten(const Json& value, RecordFields& out);

// Name of a FieldNode kind as JSON Schema says it: "null", "boolean", "integer", ...
std::string_view to_string(FieldNode::Kind kind) noexcept;

struct RecordMessage {
  std::string_view stream;
  std::string_view record;           // the record object's JSON text, byte for byte
  std::string_view time_extracted;   // empty when absent
  std::optional<std::int64_t> version;
  const RecordFields* fields = nullptr;  // set when the reader was asked for fields
};

struct StateMessage {
  Json value;
  std::string_view raw_value;  // the value's JSON text as received
};

struct ActivateVersionMessage {
  std::string stream;
  std::int64_t version = 0;
};

struct BatchMessage {
  std::string stream;
  Json encoding;                      // {"format": "jsonl", "compression": "gzip"|"none"}
  std::vector<std::string> manifest;  // file URIs
};

}  // namespace singer
