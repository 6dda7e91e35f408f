// CatalogListing: what Arc's catalogue answers (SHOW TABLES, GET /api/v1/measurements,
// GET /api/v1/databases) computed from the stored files and the rows still in memory, so a
// measurement written a moment ago is listed before its first flush.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/query_engine.h"

namespace arc {

// One measurement as Arc lists it (MeasurementInfo of Arc's API).
struct MeasurementEntry {
  std::string database;
  std::string measurement;
  int64_t file_count = 0;     // live Parquet files (retired compaction inputs excluded)
  uint64_t total_bytes = 0;   // their sizes
  bool in_memory = false;     // rows not yet in Parquet (buffered or being flushed)
  std::string storage_path;   // Arc's glob: <local_path or s3://bucket/prefix>/db/m/**/*.parquet
};

// Lists the catalogue of `engine` (which must outlive the listing). Thread-safe; each call
// reads the directories afresh (the local files: with S3, the read cache).
class CatalogListing {
 public:
  explicit CatalogListing(QueryEngine* engine) : engine_(engine) {}

  // Databases created or holding data (files or rows in memory), sorted.
  std::vector<std::string> Databases() const { return engine_->Databases(); }
  // The measurements of `db` with data in files or in memory, sorted; empty for an unknown
  // or invalid database.
  std::vector<MeasurementEntry> Measurements(const std::string& db) const;
  // Arc's storage_path for db.m.
  std::string StoragePath(const std::string& db, const std::string& m) const;

 private:
  QueryEngine* const engine_;
};

}  // namespace arc
