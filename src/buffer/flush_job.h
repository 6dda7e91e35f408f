// FlushJob: one detached buffer on its way to Parquet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch.h"
#include "storage/parquet_writer.h"

namespace arc {

struct FlushJob {
  // Database, measurement and file stem: w<k>-<first>-<last> with the WAL (a retry or a
  // replay rewrites the same name), else b<boot>-w<k>-<sequence> (storage/partition_layout.h).
  WriteTarget target;
  int worker = 0;
  uint64_t sequence = 0;          // per-worker flush counter
  std::vector<Batch> batches;     // same measurement; column types agree across batches
  std::vector<uint64_t> lsns;     // with the WAL: the entry of each batch, ascending; else empty
  size_t rows = 0;
  int attempts = 0;
};

}  // namespace arc
