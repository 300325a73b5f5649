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
  // _sdc_sequence: strictly increasing within a run and across runs (nanoseconds since
  // the epoch, or one more than the previous record's when that is larger).
  std::int64_t sequence = 0;
  std::string_view received_at;     // _sdc_received_at (ISO-8601, UTC)
  std::string_view batched_at;      // _sdc_batched_at
  std::optional<std::int64_t> table_version;  // _sdc_table_version
  // _sdc_sync_started_at: when the target started, in milliseconds since the epoch (an
  // integer, as the Meltano SDK declares it); the same for every record of the run.
  std::int64_t sync_started_at = 0;
  // Where the record came from, for a sink's errors: "<stdin>" or a BATCH file, and its line.
  std::string_view source;
  std::int64_t line = 0;
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
  // At the end of input, before the last flush (not after a failure): e.g. to switch a
  // table loaded aside into place.
  virtual void finish() {}
};

}  // namespace singer
