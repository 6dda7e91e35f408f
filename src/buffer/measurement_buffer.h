// MeasurementBuffer: the batches of one (database, measurement) waiting in one worker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch.h"
#include "storage/flush_view.h"

namespace arc {

// Not thread-safe: owned by a Worker and used under its mutex.
class MeasurementBuffer {
 public:
  explicit MeasurementBuffer(int64_t created_us) : created_us_(created_us) {}

  // True when `batch` has a column whose type or tag-ness differs from this buffer's
  // (a schema change: the buffer must be flushed before `batch` is added).
  bool ConflictsWith(const Batch& batch) const;
  // Adds `batch`; `lsn` is its WAL entry (0 without a WAL). LSNs must not decrease.
  void Add(Batch&& batch, uint64_t lsn = 0);

  size_t rows() const { return rows_; }
  int64_t created_us() const { return created_us_; }
  bool empty() const { return rows_ == 0; }
  std::vector<Batch> TakeBatches();
  void CopyBatches(std::vector<Batch>* out) const { out->insert(out->end(), batches_.begin(), batches_.end()); }
  // Appends the union schema of the buffered batches (no rows copied).
  void AppendColumns(std::vector<SchemaColumn>* out) const {
    for (const ColumnInfo& c : schema_) out->push_back({c.name, c.type, c.is_tag});
  }
  // The LSNs of the batches (empty without a WAL); call before TakeBatches.
  std::vector<uint64_t> TakeLsns();

 private:
  struct ColumnInfo {
    std::string name;
    ColumnType type;
    bool is_tag;
  };
  const ColumnInfo* Find(const std::string& name) const;

  int64_t created_us_;
  size_t rows_ = 0;
  std::vector<Batch> batches_;
  std::vector<uint64_t> lsns_;
  std::vector<ColumnInfo> schema_;
};

}  // namespace arc
