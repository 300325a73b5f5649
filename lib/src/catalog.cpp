// Singer catalogs as --catalog and the legacy --properties give them: shape checks with
// the path of what is wrong, metadata by breadcrumb, selection, and discovery metadata.
#include "file_text.hpp"
#include "singer/catalog.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace singer {

namespace {

// A bool member of an object, or nothing when absent or not a bool.
std::optional<bool> bool_member(const Json* object, std::string_view key) {
  if (!object) return std::nullopt;
  const Json* v = object->find(key);
  if (!v || !v->is_bool()) return std::nullopt;
  return v->as_bool();
}

std::optional<std::string> string_member(const Json* object, std::string_view key) {
  if (!object) return std::nullopt;
  const Json* v = object->find(key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->as_string();
}

// An array of strings, or nothing if v is not exactly that.
std::optional<std::vector<std::string>> string_list(const Json* v) {
  if (!v || !v->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const Json& item : v->items()) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.as_string());
  }
  return out;
}

Json to_json_array(const std::vector<std::string>& names) {
  Json out = Json::array();
  for (const auto& n : names) out.push_back(Json(n));
  return out;
}

const std::vector<std::string> kStreamBreadcrumb;

std::vector<std::string> field_breadcrumb(std::string_view field) {
  return {"properties", std::string(field)};
}

MetadataEntry metadata_entry_from_json(const Json& json, const Location& where,
                                       const std::string& at) {
  if (!json.is_object()) throw Error(where, "{}: expected an object", at);
  MetadataEntry entry;
  const Json* breadcrumb = json.find("breadcrumb");
  if (!breadcrumb) throw Error(where, "{}: missing 'breadcrumb'", at);
  auto crumbs = string_list(breadcrumb);
  if (!crumbs) throw Error(where, "{}: 'breadcrumb' must be an array of strings", at);
  entry.breadcrumb = std::move(*crumbs);
  const Json* metadata = json.find("metadata");
  if (!metadata) throw Error(where, "{}: missing 'metadata'", at);
  if (!metadata->is_object()) throw Error(where, "{}: 'metadata' must be an object", at);
  entry.metadata = *metadata;
  return entry;
}

CatalogEntry entry_from_json(const Json& json, const Location& where, const std::string& at) {
  if (!json.is_object()) throw Error(where, "{}: expected an object", at);
  CatalogEntry entry;
  const Json* id = json.find("tap_stream_id");
  if (!id) throw Error(where, "{}: missing 'tap_stream_id'", at);
  if (!id->is_string()) throw Error(where, "{}: 'tap_stream_id' must be a string", at);
  entry.tap_stream_id = id->as_string();

  // Older catalogs carry only tap_stream_id; the SPEC's stream name defaults to it.
  if (const Json* stream = json.find("stream"); stream && !stream->is_null()) {
    if (!stream->is_string()) throw Error(where, "{}: 'stream' must be a string", at);
    entry.stream = stream->as_string();
  } else {
    entry.stream = entry.tap_stream_id;
  }

  const Json* schema = json.find("schema");
  if (!schema) throw Error(where, "{}: missing 'schema'", at);
  if (!schema->is_object()) throw Error(where, "{}: 'schema' must be an object", at);
  entry.schema = *schema;

  if (const Json* keys = json.find("key_properties"); keys && !keys->is_null()) {
    auto list = string_list(keys);
    if (!list) throw Error(where, "{}: 'key_properties' must be an array of strings", at);
    entry.key_properties = std::move(*list);
  }

  if (const Json* metadata = json.find("metadata"); metadata && !metadata->is_null()) {
    if (!metadata->is_array()) throw Error(where, "{}: 'metadata' must be an array", at);
    for (size_t i = 0; i < metadata->size(); ++i) {
      entry.metadata.push_back(metadata_entry_from_json(
          metadata->items()[i], where, fmt::format("{}: metadata[{}]", at, i)));
    }
  }
  return entry;
}

}  // namespace

const Json* CatalogEntry::metadata_at(const std::vector<std::string>& breadcrumb) const {
  for (const auto& entry : metadata) {
    if (entry.breadcrumb == breadcrumb) return &entry.metadata;
  }
  return nullptr;
}

Json& CatalogEntry::metadata_at_or_add(const std::vector<std::string>& breadcrumb) {
  for (auto& entry : metadata) {
    if (entry.breadcrumb == breadcrumb) return entry.metadata;
  }
  metadata.push_back(MetadataEntry{breadcrumb, Json::object()});
  return metadata.back().metadata;
}

bool CatalogEntry::selected() const {
  const Json* md = metadata_at(kStreamBreadcrumb);
  if (auto s = bool_member(md, "selected")) return *s;
  // Legacy --properties files (old singer-io taps) mark a stream by "selected": true at
  // the top of its schema instead of in metadata.
  if (auto s = bool_member(&schema, "selected")) return *s;
  if (auto s = bool_member(md, "selected-by-default")) return *s;
  return false;
}

bool CatalogEntry::field_selected(std::string_view field) const {
  const Json* md = metadata_at(field_breadcrumb(field));
  // Legacy --properties files put inclusion and selected on the property's schema.
  const Json* properties = schema.find("properties");
  const Json* legacy = properties ? properties->find(field) : nullptr;
  if (legacy && !legacy->is_object()) legacy = nullptr;

  auto inclusion = string_member(md, "inclusion");
  if (!inclusion) inclusion = string_member(legacy, "inclusion");
  if (inclusion == "automatic") return true;
  if (inclusion == "unsupported") return false;
  if (auto s = bool_member(md, "selected")) return *s;
  if (auto s = bool_member(legacy, "selected")) return *s;
  if (auto s = bool_member(md, "selected-by-default")) return *s;
  return true;
}

std::optional<std::string> CatalogEntry::replication_method() const {
  const Json* md = metadata_at(kStreamBreadcrumb);
  if (auto m = string_member(md, "replication-method")) return m;
  return string_member(md, "forced-replication-method");
}

std::optional<std::string> CatalogEntry::replication_key() const {
  const Json* md = metadata_at(kStreamBreadcrumb);
  if (auto k = string_member(md, "replication-key")) return k;
  // A tap that offers exactly one key needs no choice from the user.
  if (md) {
    auto valid = string_list(md->find("valid-replication-keys"));
    if (valid && valid->size() == 1) return valid->front();
  }
  return std::nullopt;
}

std::vector<std::string> CatalogEntry::effective_key_properties() const {
  if (!key_properties.empty()) return key_properties;
  const Json* md = metadata_at(kStreamBreadcrumb);
  if (!md) return {};
  auto keys = string_list(md->find("table-key-properties"));
  return keys ? std::move(*keys) : std::vector<std::string>{};
}

Json CatalogEntry::to_json() const {
  Json out = Json::object();
  out.set("tap_stream_id", Json(tap_stream_id));
  out.set("stream", Json(stream));
  out.set("schema", schema.is_null() ? Json::object() : schema);
  out.set("key_properties", to_json_array(key_properties));
  Json entries = Json::array();
  for (const auto& entry : metadata) {
    Json e = Json::object();
    e.set("breadcrumb", to_json_array(entry.breadcrumb));
    e.set("metadata", entry.metadata.is_null() ? Json::object() : entry.metadata);
    entries.push_back(std::move(e));
  }
  out.set("metadata", std::move(entries));
  return out;
}

Catalog Catalog::from_json(const Json& json, const Location& where) {
  const Json* streams = json.is_object() ? json.find("streams") : nullptr;
  if (!streams || !streams->is_array()) throw Error(where, "catalog has no 'streams' array");
  Catalog catalog;
  for (size_t i = 0; i < streams->size(); ++i) {
    catalog.streams.push_back(
        entry_from_json(streams->items()[i], where, fmt::format("streams[{}]", i)));
  }
  return catalog;
}

Catalog Catalog::load(const std::string& path) {
  std::string text;
  if (!detail::read_whole_file(path, text)) {
    throw UsageError(Location{path, 0, {}}, "cannot read catalog file: {}", std::strerror(errno));
  }
  // Like a --state file, a catalog that is not valid JSON or not a catalog is a usage
  // error (exit 2), found before any output.
  const Location where{path, 0, {}};
  try {
    return from_json(Json::parse(text, where), where);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.location(), "{}", e.detail());
  }
}

Json Catalog::to_json() const {
  Json entries = Json::array();
  for (const auto& entry : streams) entries.push_back(entry.to_json());
  Json out = Json::object();
  out.set("streams", std::move(entries));
  return out;
}

const CatalogEntry* Catalog::find(std::string_view tap_stream_id) const {
  for (const auto& entry : streams) {
    if (entry.tap_stream_id == tap_stream_id) return &entry;
  }
  return nullptr;
}

std::vector<MetadataEntry> standard_metadata(const Json& schema,
                                             const std::vector<std::string>& key_properties,
                                             const std::vector<std::string>& valid_replication_keys,
                                             std::optional<std::string> forced_replication_method) {
  std::vector<MetadataEntry> out;
  Json stream_md = Json::object();
  stream_md.set("table-key-properties", to_json_array(key_properties));
  if (!valid_replication_keys.empty()) {
    stream_md.set("valid-replication-keys", to_json_array(valid_replication_keys));
  }
  if (forced_replication_method) {
    stream_md.set("forced-replication-method", Json(std::move(*forced_replication_method)));
  }
  stream_md.set("selected-by-default", Json(true));
  stream_md.set("inclusion", Json("available"));
  out.push_back(MetadataEntry{{}, std::move(stream_md)});

  const Json* properties = schema.find("properties");
  if (!properties || !properties->is_object()) return out;
  auto contains = [](const std::vector<std::string>& names, const std::string& name) {
    for (const auto& n : names) {
      if (n == name) return true;
    }
    return false;
  };
  for (const std::string& name : properties->keys()) {
    // Keys and replication keys are what bookmarks and upserts rest on: never deselectable.
    bool automatic = contains(key_properties, name) || contains(valid_replication_keys, name);
    Json md = Json::object();
    md.set("inclusion", Json(automatic ? "automatic" : "available"));
    md.set("selected-by-default", Json(true));
    out.push_back(MetadataEntry{field_breadcrumb(name), std::move(md)});
  }
  return out;
}

}  // namespace singer
