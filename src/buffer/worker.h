// Worker: one ingest shard. Owns its buffers and, with the WAL, its log file: it appends each
// request to its WAL and adds the request's batches to its buffers in LSN order.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer/flush_job.h"
#include "buffer/flusher.h"
#include "buffer/measurement_buffer.h"
#include "ingest/batch_set.h"
#include "wal/manifest.h"
#include "wal/wal_writer.h"

namespace arc {

class Worker {
 public:
  // Most measurements one age-based flush job carries.
  static constexpr size_t kMaxPartsPerJob = 256;

  using Done = std::function<void(Status)>;

  // `flusher` must outlive the worker. `boot_id` makes file names unique across restarts
  // when there is no WAL. `view_lock` (may be null) is held shared while rows move from a
  // buffer to the flusher, so a query holding it exclusively sees every row exactly once.
  Worker(int id, int64_t max_buffer_rows, Flusher* flusher, uint64_t boot_id,
         RwLock* view_lock = nullptr);

  // With a WAL, every Write is logged first and flushes are recorded in `manifest`. Call
  // before Write/Replay; both must outlive the worker (`wal` may be null during recovery).
  void AttachWal(wal::WalWriter* wal, wal::Manifest* manifest);
  // From now on Write refuses (Unavailable) while no WAL is attached: with wal.enabled an
  // unlogged write must never be acknowledged.
  void RequireWal();

  // Accepts one request. Without a WAL the batches are buffered and `done(OK)` is called at
  // once. With a WAL, `set` is encoded into the log first (error → `done(error)`, nothing
  // buffered), the batches are buffered, and `done` runs when the entry is durable per the
  // sync mode. Full buffers and schema changes go to the flusher. Thread-safe.
  void Write(BatchSet&& set, int64_t now_us, Done done);
  // Recovery: buffers the batches of replayed entry `lsn` (no WAL append). Thread-safe.
  void Replay(std::vector<Batch>&& batches, uint64_t lsn, int64_t now_us);
  // Hands every buffer created at or before `cutoff_us` to the flusher. Thread-safe.
  void FlushOlderThan(int64_t cutoff_us);
  // Hands the buffer of (db, measurement), if any, to the flusher before returning. Thread-safe.
  void FlushMeasurement(const std::string& db, const std::string& measurement);
  // Timer work on the WAL: heals a poisoned log once its cause is gone, else rotates the
  // segment when it is older than wal.max_age_seconds. Thread-safe.
  void MaintainWal(int64_t now_us);
  // Changes the row count at which a buffer is flushed (recovery uses larger units). Thread-safe.
  void SetMaxBufferRows(int64_t rows);
  // OK, or why this worker's WAL refuses writes.
  Status health() const;
  int64_t buffered_rows() const;
  bool HasBuffered(const std::string& db, const std::string& measurement) const;
  // Adds (db, measurement) of every non-empty buffer to `out`. Thread-safe.
  void ListBuffered(std::set<std::pair<std::string, std::string>>* out) const;
  // Appends the columns of (db, measurement)'s buffered rows (no rows copied). Thread-safe.
  void BufferedColumns(const std::string& db, const std::string& measurement,
                       std::vector<SchemaColumn>* out) const;
  // Copies the buffered batches of (db, measurement). Thread-safe.
  void CopyBuffered(const std::string& db, const std::string& measurement,
                    std::vector<Batch>* out) const;
  int id() const { return id_; }
  wal::WalWriter* wal() const { return wal_; }

 private:
  // Caller holds mu_. Adds batches (with their LSN) and collects buffers that must flush.
  void AddLocked(std::vector<Batch>&& batches, uint64_t lsn, int64_t now_us,
                 std::vector<FlushJob>* ready);
  // `key` is the buffer's map key (db '\0' measurement). Caller holds mu_.
  FlushPart Detach(const std::string& key, MeasurementBuffer* buffer);
  FlushJob JobOf(FlushPart part) const;

  const int id_;
  int64_t max_buffer_rows_;
  Flusher* const flusher_;
  const uint64_t boot_id_;
  RwLock* const view_lock_;
  wal::WalWriter* wal_ = nullptr;
  wal::Manifest* manifest_ = nullptr;
  bool wal_required_ = false;
  mutable std::mutex mu_;
  std::unordered_map<std::string, MeasurementBuffer> buffers_;  // key: db '\0' measurement
  uint64_t next_sequence_ = 0;
  int64_t buffered_rows_ = 0;
};

}  // namespace arc
