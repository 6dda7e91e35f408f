// BatchSet: everything one write request decoded to, one Batch per measurement.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/batch.h"

namespace arc {

class BatchSet {
 public:
  explicit BatchSet(std::string database) : database_(std::move(database)) {}

  const std::string& database() const { return database_; }
  // The batch of `measurement`, created (after name validation) on first use.
  // The pointer stays valid until the next call that creates a batch.
  Status GetOrCreate(std::string_view measurement, Batch** out);
  std::vector<Batch>& batches() { return batches_; }
  const std::vector<Batch>& batches() const { return batches_; }
  size_t TotalRows() const;

 private:
  std::string database_;
  std::vector<Batch> batches_;
};

}  // namespace arc
