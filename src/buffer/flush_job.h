// FlushJob: one detached buffer on its way to Parquet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch.h"

namespace arc {

struct FlushJob {
  std::string database;
  std::string measurement;
  int worker = 0;
  uint64_t sequence = 0;          // per-worker flush counter
  std::vector<Batch> batches;     // same measurement; column types agree across batches
  size_t rows = 0;
  std::string file_stem;          // file name without ".parquet"; unique per (worker, sequence)
  int attempts = 0;
};

}  // namespace arc
