// QueryWorkerPool: the query worker processes (query/query_worker.h) of one server. A query
// leases a worker, sends its request, reads the answer; a worker that dies, is killed at a
// deadline or breaks the protocol is replaced by a fresh one at the next lease.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace arc {

struct QueryWorkerSetup {
  std::string binary;              // the arc executable (started with --query-worker FD)
  std::string root;                // the data directory, absolute
  std::string spill_dir;           // outside `root`; each worker uses a folder of its own
  std::string memory_limit;        // DuckDB's memory_limit
  int threads = 1;                 // DuckDB's threads
  uint64_t address_space_bytes = 0;  // RLIMIT_AS of the process
  int64_t max_rows = 1000000;
  uint64_t max_result_bytes = 256ull << 20;
  int64_t max_arrow_rows = 0;      // 0: no limit
};

class QueryWorkerPool {
 public:
  // One worker process, held by one query at a time.
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    bool broken = false;  // killed, died or out of step: not reused
  };

  // A worker leased to a query; returned to the pool (or discarded when broken) on destruction.
  class Lease {
   public:
    Lease(QueryWorkerPool* pool, std::unique_ptr<Worker> worker) : pool_(pool), worker_(std::move(worker)) {}
    Lease(Lease&&) = default;
    ~Lease();
    int fd() const { return worker_->fd; }
    pid_t pid() const { return worker_->pid; }
    // Kills the process (SIGKILL): the deadline's cancellation, which no query can ignore.
    void Kill();
    void MarkBroken() { worker_->broken = true; }

   private:
    QueryWorkerPool* pool_;
    std::unique_ptr<Worker> worker_;
  };

  QueryWorkerPool(QueryWorkerSetup setup, int size);
  ~QueryWorkerPool();  // ends every worker

  // Starts the workers now (so the first queries pay no start-up). An error names the cause.
  Status Start();
  // A worker for one query; waits while all `size` are leased. Thread-safe.
  Result<Lease> Acquire();

 private:
  Result<std::unique_ptr<Worker>> Spawn();
  void Return(std::unique_ptr<Worker> worker);
  static void Reap(Worker* worker);

  const QueryWorkerSetup setup_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Worker>> idle_;
  int leased_ = 0;
  int spawned_ = 0;
};

}  // namespace arc
