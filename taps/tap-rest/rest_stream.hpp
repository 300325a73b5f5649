// One Singer stream per streams[] entry: the paging loop, records read from each page
// with simdjson On-Demand and written without a DOM, schema inference and widening,
// incremental filtering, and child streams fed by their parent's records.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth.hpp"
#include "rest_config.hpp"
#include "singer/http.hpp"
#include "singer/json.hpp"
#include "singer/stream.hpp"

namespace tap_rest {

// What every stream of one config shares: the connection, the auth state.
struct Session {
  std::string api_url;
  singer::http::Client client;
  Auth auth;
};

// The values a child stream's path placeholders take from one parent record.
using Context = std::vector<std::pair<std::string, singer::Json>>;

class RecordScanner;

class RestStream : public singer::Stream {
 public:
  RestStream(StreamSettings settings, std::shared_ptr<Session> session);
  ~RestStream() override;

  void set_parent(const RestStream* parent) { parent_ = parent; }

  std::string name() const override { return settings_.name; }
  singer::Json schema() const override;
  std::vector<std::string> key_properties() const override { return settings_.primary_keys; }
  std::vector<std::string> valid_replication_keys() const override;
  bool sorted_by_replication_key() const override { return settings_.records_sorted; }
  void sync(singer::SyncContext& ctx) override;

  // Calls fn with the placeholder values of the child for every record of this stream
  // (every page, every context of its own parent) until fn returns false.
  bool for_each_context(const std::vector<std::string>& fields,
                        const std::function<bool(const Context&)>& fn) const;

 private:
  // Each record of each page goes to on_record (return false to stop); pages follow the
  // paging style until the end, a guard, or a stop. `wanted` fields are picked from
  // every record into RecordScanner::picked (a child's path placeholders).
  bool fetch(const Context& context, const singer::Json* start, const std::vector<std::string>* wanted,
             const std::function<bool(RecordScanner&)>& on_record) const;
  singer::Json infer_schema() const;

  StreamSettings settings_;
  std::shared_ptr<Session> session_;
  const RestStream* parent_ = nullptr;
  mutable std::optional<singer::Json> schema_;  // configured, or inferred on first use
};

// The streams of a config, as run_tap's TapSpec::make_streams wants them.
std::vector<std::unique_ptr<singer::Stream>> make_streams(const singer::Json& config);

}  // namespace tap_rest
