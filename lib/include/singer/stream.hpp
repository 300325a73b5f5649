// The tap seam: a Stream knows its schema and writes its records; run_tap() owns the
// rest (CLI, discovery, selection, bookmarks, STATE cadence, metrics).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "singer/catalog.hpp"
#include "singer/json.hpp"
#include "singer/message_writer.hpp"
#include "singer/state.hpp"

namespace singer {

class SyncContext;

class Stream {
 public:
  virtual ~Stream() = default;

  virtual std::string name() const = 0;  // the tap_stream_id
  virtual Json schema() const = 0;       // as discovered
  virtual std::vector<std::string> key_properties() const { return {}; }
  virtual std::vector<std::string> valid_replication_keys() const { return {}; }
  // True when records come in ascending replication-key order, so the bookmark may
  // advance mid-stream; otherwise it advances only when the stream ends.
  virtual bool sorted_by_replication_key() const { return false; }
  // Records between two STATE messages (a tap's `batch_size` setting); 0 = the default.
  virtual std::int64_t state_every() const { return 0; }
  // Adds what only this tap knows to its discovered catalog entry, after the standard
  // metadata (tap-sqlite: sql-datatype per field, row-count per stream).
  virtual void add_discovered_metadata(CatalogEntry& /*entry*/) const {}

  // Throws UsageError when the stream cannot honour its catalog entry (a property type
  // it cannot produce, a replication key it cannot read). run_tap calls it for every
  // selected stream before the first message, so a bad catalog costs no output.
  virtual void check_catalog(const CatalogEntry& /*entry*/, const Location& /*where*/) const {}

  // Writes the stream's records through ctx.
  virtual void sync(SyncContext& ctx) = 0;
};

// What a Stream sees while it syncs.
class SyncContext {
 public:
  // emit_state writes the current state as a STATE message.
  SyncContext(MessageWriter& out, const CatalogEntry& entry, const Stream& stream, State& state,
              std::int64_t state_every, std::function<void()> emit_state);

  const CatalogEntry& entry() const noexcept { return *entry_; }
  const std::string& stream() const noexcept { return entry_->tap_stream_id; }
  // The replication key chosen in the catalog (or the stream's only valid one), if
  // the stream is INCREMENTAL.
  const std::optional<std::string>& replication_key() const noexcept { return replication_key_; }
  // The bookmark from the incoming state, if any.
  const Json* start_bookmark() const noexcept { return start_bookmark_.is_null() ? nullptr : &start_bookmark_; }
  bool field_selected(std::string_view field) const { return entry_->field_selected(field); }

  // Sends the stream's SCHEMA (run_tap does, before sync) and remembers it.
  void announce(SchemaMessage schema);
  // The schema last announced: what every record must satisfy.
  const Json& schema() const noexcept { return schema_.schema; }
  // Replaces the schema of a top-level property; the stream's SCHEMA goes out again
  // before the next record (once, however many properties widened): how a tap widens a
  // column when a value arrives that the announced schema does not admit (the Singer
  // spec allows a new SCHEMA mid-stream). Not between begin_record() and end_record().
  void widen(std::string_view field, Json property_schema);

  // Write one record: JsonWriter positioned where the record object goes.
  JsonWriter& begin_record() {
    if (schema_pending_) send_schema();
    return out_->begin_record(stream());
  }
  // Closes the record, counts it, and every state_every records emits STATE.
  void end_record();
  // Offers a replication-key value seen in a written record; the bookmark keeps the max.
  void observe_replication_value(const Json& value);

  std::int64_t records() const noexcept { return records_; }
  std::string time_extracted() const { return time_extracted_; }

  // Called by run_tap when the stream ends: the bookmark becomes the max seen.
  void finish();

 private:
  void send_schema();

  MessageWriter* out_;
  const CatalogEntry* entry_;
  State* state_;
  std::int64_t state_every_;
  std::function<void()> emit_state_;
  std::optional<std::string> replication_key_;
  Json start_bookmark_;
  Json max_seen_;
  bool sorted_ = false;
  std::int64_t records_ = 0;
  std::string time_extracted_;
  SchemaMessage schema_;
  bool schema_pending_ = false;  // widened since the last SCHEMA
};

}  // namespace singer
