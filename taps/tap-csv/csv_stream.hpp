// One Singer stream per configured entity: its files (a path or a glob), its columns
// from the header or field_names, optional inferred types, and the sync loop that turns
// CSV records into RECORD messages.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "csv_reader.hpp"
#include "singer/json.hpp"
#include "singer/stream.hpp"
#include "type_inference.hpp"

namespace tap_csv {

// One entry of the config's `files`, with defaults applied and the path expanded.
struct FileEntry {
  std::string entity;
  std::string path;                 // as configured: a file, a directory or a glob
  std::vector<std::string> files;   // what it names, sorted
  std::vector<std::string> keys;
  CsvDialect dialect;
  std::vector<std::string> field_names;  // empty: the header names the columns
  bool has_header = true;  // false only with field_names: then every record is data
  std::optional<std::string> replication_key;
  bool infer_types = false;
  std::int64_t infer_sample_rows = 1000;
  bool add_metadata_columns = false;
};

// Reads `files` (or the file named by csv_files_definition) from a validated config.
// Throws UsageError for settings the schema cannot express, Error when a path names
// no file.
std::vector<FileEntry> read_file_entries(const singer::Json& config);

// The streams of a config, as run_tap's TapSpec::make_streams wants them.
std::vector<std::unique_ptr<singer::Stream>> make_streams(const singer::Json& config);

class CsvStream : public singer::Stream {
 public:
  // Reads the first file's header, and with infer_types a sample of records. Throws
  // UsageError when keys or replication_key are not columns.
  explicit CsvStream(FileEntry entry);

  std::string name() const override { return entry_.entity; }
  singer::Json schema() const override;
  std::vector<std::string> key_properties() const override { return entry_.keys; }
  std::vector<std::string> valid_replication_keys() const override;
  // Refuses a catalog schema the stream cannot write: a type it cannot produce from
  // CSV text, a property that is no column, a changed metadata column.
  void check_catalog(const singer::CatalogEntry& entry, const singer::Location& where) const override;
  // With infer_types: each column's inferred type as field metadata "inferred-type", so
  // a cached catalog that still holds that guess keeps widening as the files grow.
  void add_discovered_metadata(singer::CatalogEntry& entry) const override;
  void sync(singer::SyncContext& ctx) override;

  const std::vector<std::string>& columns() const noexcept { return columns_; }
  const std::vector<InferredType>& types() const noexcept { return types_; }

 private:
  CsvReader open(const std::string& file, std::size_t buffer_bytes = CsvReader::kBufferBytes) const;
  // Positions a fresh reader after the header, checking it matches header_.
  void skip_header(CsvReader& reader) const;
  void infer_types();

  FileEntry entry_;
  std::vector<std::string> header_;   // the first file's header as written, without field_names
  std::string header_file_;           // the file that names the columns: the first not empty, or the first with field_names
  std::vector<std::string> columns_;  // header_ with empty and repeated names replaced, or field_names
  std::vector<InferredType> types_;  // parallel to columns_
};

}  // namespace tap_csv
