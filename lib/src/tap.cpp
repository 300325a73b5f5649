// run_tap(): the CLI, discovery, selection, bookmarks, STATE cadence and metrics that
// every tap shares; a tap itself only implements Stream.
#include "singer/tap.hpp"

#include <chrono>
#include <ctime>

#include "cli_args.hpp"
#include "singer/config.hpp"
#include "singer/log.hpp"

namespace singer {

namespace {

constexpr std::int64_t kStateEvery = 10000;

CatalogEntry discovered_entry(const Stream& stream) {
  CatalogEntry entry;
  entry.tap_stream_id = stream.name();
  entry.stream = stream.name();
  entry.schema = stream.schema();
  entry.key_properties = stream.key_properties();
  auto valid_keys = stream.valid_replication_keys();
  entry.metadata = standard_metadata(entry.schema, entry.key_properties, valid_keys, std::nullopt);
  Json& top = entry.metadata_at_or_add({});
  if (valid_keys.size() == 1) {
    // A tap that names exactly one replication key syncs incrementally by default.
    top.set("replication-method", "INCREMENTAL");
    top.set("replication-key", valid_keys.front());
  } else {
    top.set("replication-method", "FULL_TABLE");
  }
  stream.add_discovered_metadata(entry);
  return entry;
}

// The catalog schema with only the selected top-level properties.
Json selected_schema(const CatalogEntry& entry) {
  Json schema = entry.schema;
  Json* props = schema.find("properties");
  if (!props || !props->is_object()) return schema;
  Json kept = Json::object();
  for (size_t i = 0; i < props->size(); ++i) {
    if (entry.field_selected(props->key(i))) kept.set(props->key(i), props->items()[i]);
  }
  *props = std::move(kept);
  return schema;
}

// A catalog entry the tap cannot run as asked is a usage error before the first message:
// a replication method it does not have (LOG_BASED), INCREMENTAL without a key, a key
// that is not a property. Nothing silently runs in another mode than the one asked.
void check_entry(const CatalogEntry& entry, const Stream& stream, const Location& where) {
  stream.check_catalog(entry, where);  // first: a tap knows its own problems best
  const auto method = entry.replication_method();
  if (method && *method != "FULL_TABLE" && *method != "INCREMENTAL") {
    throw UsageError(where, "replication-method '{}' is not supported by this tap (FULL_TABLE or INCREMENTAL)",
                     *method);
  }
  if (!method || *method == "INCREMENTAL") {
    const auto key = entry.replication_key();
    if (!key && method) throw UsageError(where, "replication-method INCREMENTAL needs a replication-key");
    if (key) {
      // The catalog's own schema: it is what will be announced, and asking the stream
      // could cost a tap a discovery (API requests, table scans).
      const Json* properties = entry.schema.find("properties");
      if (!properties || !properties->find(*key)) {
        throw UsageError(where, "replication-key '{}' is not a property of the stream", *key);
      }
    }
  }
}

}  // namespace

SyncContext::SyncContext(MessageWriter& out, const CatalogEntry& entry, const Stream& stream,
                         State& state, std::int64_t state_every, std::function<void()> emit_state)
    : out_(&out),
      entry_(&entry),
      state_(&state),
      state_every_(state_every > 0 ? state_every : kStateEvery),
      emit_state_(std::move(emit_state)),
      sorted_(stream.sorted_by_replication_key()),
      time_extracted_(utc_now_iso()) {
  auto method = entry.replication_method();
  if (method && *method == "FULL_TABLE") return;
  replication_key_ = entry.replication_key();
  if (!replication_key_) return;
  if (const Json* bookmark = state.bookmark(entry.tap_stream_id)) {
    const Json* key = bookmark->find("replication_key");
    const Json* value = bookmark->find("replication_key_value");
    if (value && !value->is_null()) {
      if (key && key->is_string() && key->as_string() != *replication_key_) {
        log::warning("stream '{}': bookmark is for replication key '{}', not '{}'; starting from the beginning",
                     entry.tap_stream_id, key->as_string(), *replication_key_);
      } else {
        start_bookmark_ = *value;
      }
    }
  }
}

void SyncContext::announce(SchemaMessage schema) {
  schema_ = std::move(schema);
  out_->write_schema(schema_);
}

void SyncContext::widen(std::string_view field, Json property_schema) {
  Json& properties = schema_.schema["properties"];
  if (!properties.is_object()) properties = Json::object();
  properties.set(field, std::move(property_schema));
  schema_pending_ = true;
}

void SyncContext::send_schema() {
  schema_pending_ = false;
  out_->write_schema(schema_);
}

void SyncContext::end_record() {
  out_->end_record(time_extracted_);
  ++records_;
  if (records_ % state_every_ == 0) {
    // Mid-stream the bookmark may only move for sorted streams; otherwise a crash
    // here would skip unsent rows with smaller keys on the next run.
    if (sorted_ && replication_key_ && !max_seen_.is_null()) {
      state_->set_replication_key_value(stream(), *replication_key_, max_seen_);
    }
    emit_state_();
  }
}

void SyncContext::observe_replication_value(const Json& value) {
  if (value.is_null()) return;
  if (max_seen_.is_null() || compare_replication_values(value, max_seen_) > 0) max_seen_ = value;
}

void SyncContext::finish() {
  if (replication_key_ && !max_seen_.is_null()) {
    state_->set_replication_key_value(stream(), *replication_key_, max_seen_);
  }
}

int run_tap(int argc, char** argv, const TapSpec& spec) {
  CLI::App app{spec.info.description, spec.info.name};
  detail::CommonArgs common;
  std::string state_path, catalog_path, properties_path;
  bool discover = false;
  detail::add_common_options(app, common);
  app.add_option("--state", state_path, "State JSON file with bookmarks from an earlier run")->type_name("FILE");
  app.add_option("--catalog", catalog_path, "Catalog JSON file that selects streams and fields")->type_name("FILE");
  app.add_option("--properties", properties_path, "Legacy name for --catalog")->type_name("FILE");
  app.add_flag("--discover", discover, "Print the catalog of available streams, then exit");
  std::string test;
  app.add_flag("--test{all}", test,
               "Connection test (Meltano SDK): sync at most one record of each selected stream, "
               "print no STATE, exit 0; --test=schema prints only the SCHEMA messages")
      ->check(CLI::IsMember({"all", "schema"}));
  app.footer(fmt::format("Exit codes: 0 success, 1 failure in the data or source, 2 usage or config error.\n"
                         "Example:\n  {0} --config {0}.json --discover > catalog.json\n"
                         "  {0} --config {0}.json --catalog catalog.json --state state.json | target-jsonl --config target.json\n",
                         spec.info.name));
  int exit_code = 0;
  if (!detail::parse_args(app, argc, argv, exit_code)) return exit_code;
  if (detail::handle_info_flags(common, spec.info)) return 0;
  if (!catalog_path.empty() && !properties_path.empty()) {
    throw UsageError(Location{}, "give --catalog or --properties, not both");
  }
  if (catalog_path.empty()) catalog_path = properties_path;

  Json config = load_config(common.config, spec.info.name, spec.info.config_schema);
  std::vector<std::unique_ptr<Stream>> streams = spec.make_streams(config);

  if (discover) {
    Catalog catalog;
    for (const auto& s : streams) catalog.streams.push_back(discovered_entry(*s));
    MessageWriter out;
    out.write_line(catalog.to_json().dump_pretty());
    return 0;
  }

  Catalog catalog;
  if (!catalog_path.empty()) {
    catalog = Catalog::load(catalog_path);
    for (const auto& entry : catalog.streams) {
      bool known = false;
      for (const auto& s : streams) known = known || s->name() == entry.tap_stream_id;
      if (!known) throw UsageError(Location{catalog_path, 0, entry.tap_stream_id}, "stream is not known to this tap");
    }
  } else {
    for (const auto& s : streams) catalog.streams.push_back(discovered_entry(*s));
  }
  State state = state_path.empty() ? State() : State::load(state_path);

  for (const CatalogEntry& entry : catalog.streams) {
    if (!entry.selected()) continue;
    for (const auto& s : streams) {
      if (s->name() == entry.tap_stream_id) check_entry(entry, *s, Location{catalog_path, 0, entry.tap_stream_id});
    }
  }

  MessageWriter out;
  auto emit_state = [&] { out.write_state(state.json()); };
  // --test reads one record per stream: the context "emits a STATE" after every record,
  // and that ends the stream instead.
  struct TestRecordRead {};
  std::function<void()> after_record = emit_state;
  if (!test.empty()) after_record = [] { throw TestRecordRead{}; };
  std::int64_t total = 0;
  std::size_t synced = 0;
  for (const CatalogEntry& entry : catalog.streams) {
    if (!entry.selected()) continue;
    Stream* stream = nullptr;
    for (const auto& s : streams) {
      if (s->name() == entry.tap_stream_id) stream = s.get();
    }
    state.set_currently_syncing(entry.tap_stream_id);
    SchemaMessage schema;
    schema.stream = entry.tap_stream_id;
    schema.schema = selected_schema(entry);
    schema.key_properties = entry.effective_key_properties();
    SyncContext ctx(out, entry, *stream, state, test.empty() ? stream->state_every() : 1, after_record);
    if (ctx.replication_key()) schema.bookmark_properties = {*ctx.replication_key()};
    ctx.announce(std::move(schema));
    if (!test.empty()) {
      // A state after a partial read must never reach a state file: no STATE.
      if (test == "all") {
        try {
          stream->sync(ctx);
        } catch (const TestRecordRead&) {
        }
      }
      total += ctx.records();
      ++synced;
      continue;
    }
    auto started = std::chrono::steady_clock::now();
    stream->sync(ctx);
    ctx.finish();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log::metric_counter("record_count", ctx.records(), entry.tap_stream_id);
    log::metric_timer("sync_duration", secs, entry.tap_stream_id, "succeeded");
    total += ctx.records();
    ++synced;
    state.set_currently_syncing(std::nullopt);
    emit_state();
  }
  out.flush();
  if (!test.empty()) {
    log::info("connection test passed: {} from {} (no STATE written)", log::counted(total, "record"),
              log::counted(static_cast<std::int64_t>(synced), "stream"));
    return 0;
  }
  log::info("{} in {}", log::counted(total, "record"), log::counted(static_cast<std::int64_t>(synced), "stream"));
  return 0;
}

}  // namespace singer
