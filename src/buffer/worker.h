// Worker: one ingest shard. Owns its buffers (and, with the WAL, its own log file).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer/flush_job.h"
#include "buffer/flusher.h"
#include "buffer/measurement_buffer.h"

namespace arc {

class Worker {
 public:
  // `flusher` must outlive the worker. `boot_id` makes file names unique across restarts.
  Worker(int id, int64_t max_buffer_rows, Flusher* flusher, uint64_t boot_id);

  // Adds one request's batches to this worker's buffers. A buffer that reaches the row limit,
  // or whose schema a batch changes, is handed to the flusher. Thread-safe.
  void Add(std::vector<Batch>&& batches, int64_t now_us);
  // Hands every buffer created at or before `cutoff_us` to the flusher. Thread-safe.
  void FlushOlderThan(int64_t cutoff_us);
  int64_t buffered_rows() const;
  int id() const { return id_; }

 private:
  // `key` is the buffer's map key (db '\0' measurement). Caller holds mu_.
  FlushJob Detach(const std::string& key, MeasurementBuffer* buffer);

  const int id_;
  const int64_t max_buffer_rows_;
  Flusher* const flusher_;
  const uint64_t boot_id_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, MeasurementBuffer> buffers_;  // key: db '\0' measurement
  uint64_t next_sequence_ = 0;
  int64_t buffered_rows_ = 0;
};

}  // namespace arc
