// Singer catalogs: streams with tap_stream_id, schema, key_properties and metadata
// by breadcrumb; stream and field selection. Read from --catalog or --properties.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "singer/error.hpp"
#include "singer/json.hpp"

namespace singer {

struct MetadataEntry {
  std::vector<std::string> breadcrumb;  // [] for the stream, ["properties", f] for a field
  Json metadata;                        // an object
};

struct CatalogEntry {
  std::string tap_stream_id;
  std::string stream;
  Json schema;
  std::vector<std::string> key_properties;
  std::vector<MetadataEntry> metadata;

  // The metadata object at a breadcrumb, or nullptr.
  const Json* metadata_at(const std::vector<std::string>& breadcrumb) const;
  Json& metadata_at_or_add(const std::vector<std::string>& breadcrumb);

  // Stream selection: "selected", else "selected-by-default", else false.
  bool selected() const;
  // Field selection: "inclusion": "automatic" always, "unsupported" never, else
  // "selected", else "selected-by-default", else true.
  bool field_selected(std::string_view field) const;

  // From metadata (falling back to table-key-properties for key_properties).
  std::optional<std::string> replication_method() const;
  std::optional<std::string> replication_key() const;
  std::vector<std::string> effective_key_properties() const;

  Json to_json() const;
};

struct Catalog {
  std::vector<CatalogEntry> streams;

  // Throws Error(where, "streams[2]: missing 'tap_stream_id'") on a bad shape.
  static Catalog from_json(const Json& json, const Location& where);
  static Catalog load(const std::string& path);
  Json to_json() const;

  const CatalogEntry* find(std::string_view tap_stream_id) const;
};

// Standard metadata for a discovered stream: stream-level table-key-properties,
// valid-replication-keys, forced-replication-method, selected-by-default; and
// inclusion per top-level property (automatic for keys and the replication key).
std::vector<MetadataEntry> standard_metadata(const Json& schema,
                                             const std::vector<std::string>& key_properties,
                                             const std::vector<std::string>& valid_replication_keys,
                                             std::optional<std::string> forced_replication_method);

}  // namespace singer
