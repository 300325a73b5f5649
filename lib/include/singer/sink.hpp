// The target seam: one Sink per stream loads records; run_target() owns batching,
// validation, schema changes and the state rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "singer/message.hpp"

namespace singer {

// What the target framework knows about a record beyond the record itself.
struct RecordContext {
  std::int64_t sequence = 0;        // _sdc_sequence: increasing within the run
  std::string_view received_at;     // _sdc_received_at (ISO-8601, UTC)
  std::string_view batched_at;      // _sdc_batched_at
  std::optional<std::int64_t> table_version;  // _sdc_table_version
};

class Sink {
 public:
  virtual ~Sink() = default;

  // A record that passed validation (if on). record.record is its exact JSON text.
  virtual void write(const RecordMessage& record, const RecordContext& context) = 0;
  // A new SCHEMA for this stream, after the first; records before it were written.
  virtual void schema_changed(const SchemaMessage& /*schema*/) {}
  virtual void activate_version(std::int64_t /*version*/) {}
  // Makes every record written so far durable (e.g. write + fsync). Called before any
  // STATE is emitted and at the end.
  virtual void flush() = 0;
};

}  // namespace singer
