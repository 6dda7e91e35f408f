// FlushJob: detached buffers on their way to Parquet. One part per measurement; the parts of
// a job are published together (one storage commit, one manifest update), so many small
// measurements cost a few syncs instead of several per measurement.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch.h"
#include "storage/parquet_writer.h"

namespace arc {

// One measurement's rows within a flush.
// Move-only: a part owns its rows, and an accidental copy (one once cost 2 % of ingest CPU in
// WalSet::OnFlushed) would duplicate all of them.
struct FlushPart {
  FlushPart() = default;
  FlushPart(FlushPart&&) = default;
  FlushPart& operator=(FlushPart&&) = default;
  FlushPart(const FlushPart&) = delete;
  FlushPart& operator=(const FlushPart&) = delete;

  // Database, measurement and file stem: w<k>-<first>-<last> with the WAL (a retry or a
  // replay rewrites the same name), else b<boot>-w<k>-<sequence> (storage/partition_layout.h).
  WriteTarget target;
  std::vector<Batch> batches;     // one per request; column types agree across batches
  std::vector<uint64_t> lsns;     // with the WAL: the entry of each batch, ascending; else empty
  size_t rows = 0;
  size_t bytes = 0;               // memory held by the batches
  int data_failures = 0;          // failed alone with an error that comes from the rows
  int suspect_failures = 0;       // failed writing Parquet for lack of memory (maybe the rows)
  std::string last_error;         // the last such error (the quarantine's reason)
  // Files of an earlier attempt that could not be withdrawn: deleted before these rows are
  // published again (possibly under other names), or they would be stored twice.
  std::vector<std::string> stale_files;
  // The Flusher's submission number (1, 2, ...; 0 until submitted): kept across retries and
  // splits, so WaitWritten knows which rows were handed over before a given moment.
  uint64_t seq = 0;
};

struct FlushJob {
  int worker = 0;
  std::vector<FlushPart> parts;
  int attempts = 0;               // failed attempts with transient errors (backoff)

  size_t rows() const;
  size_t bytes() const;
};

// Builds a part from a buffer's batches and LSNs.
FlushPart MakePart(WriteTarget target, std::vector<Batch> batches, std::vector<uint64_t> lsns);

// Splits a part of two or more batches (requests) in two halves, so that a request whose rows
// storage cannot take is isolated in log2(n) steps, the other rows still written in few
// files. With the WAL each half is named for its own LSN range (w<k>-<first>-<last>; the
// halves' ranges are disjoint); without, <stem>-a / <stem>-b. `worker` names the halves.
std::pair<FlushPart, FlushPart> Bisect(FlushPart part, int worker);

}  // namespace arc
