// Reads Singer messages as JSON lines from a file descriptor (or a string, in tests).
// Each line is parsed once with simdjson On-Demand; a RECORD stays a view into the
// read buffer until the next call to next().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "singer/error.hpp"
#include "singer/message.hpp"

namespace singer {

class MessageReader {
 public:
  // Reads from fd (not closed). source_name is used in errors ("<stdin>").
  explicit MessageReader(int fd, std::string source_name = "<stdin>");
  // Reads from a copy of text.
  static MessageReader from_string(std::string_view text, std::string source_name = "<string>");
  MessageReader(MessageReader&&) noexcept;
  MessageReader& operator=(MessageReader&&) noexcept;
  ~MessageReader();

  // When on, RECORD messages carry their values in record().fields.
  void set_record_fields(bool on);
  // When off, the fields' nested objects and arrays get no JSON text (FieldNode::text
  // stays empty): for readers whose users never look at it, e.g. validation only.
  void set_nested_text(bool on);

  // Reads a BATCH file instead: every line is a bare record object of `stream`, and
  // next() returns it as a RECORD message.
  void set_bare_records(std::string stream);

  // Reads the next message; false at end of input. Blank lines are skipped; messages
  // of unknown type are skipped with one warning per type. Throws Error naming the
  // source and line for invalid JSON (with the byte where the line breaks, never its
  // content), NUL bytes or a message missing a required key.
  bool next();

  MessageType type() const noexcept;
  const SchemaMessage& schema() const noexcept;
  const RecordMessage& record() const noexcept;
  const StateMessage& state() const noexcept;
  const ActivateVersionMessage& activate_version() const noexcept;
  const BatchMessage& batch() const noexcept;

  // The current message's line as read (without the line ending).
  std::string_view line_text() const noexcept;
  std::int64_t line_number() const noexcept;
  const std::string& source_name() const noexcept;
  // source:line, with the stream if given.
  Location location(std::string_view stream = {}) const;

  // Largest line accepted, in bytes.
  static constexpr std::size_t kMaxLineBytes = std::size_t{1} << 30;

 private:
  struct Impl;
  explicit MessageReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace singer
