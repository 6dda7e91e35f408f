// QuarantineReplay: sends quarantined requests through the normal write path again (after the
// cause was fixed), one replay at a time, on its own thread. A record is removed once every one
// of its requests is acknowledged; a request that fails again stays, or lands in a new record.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "buffer/worker.h"
#include "ingest/batch_set.h"
#include "storage/quarantine.h"

namespace arc {

struct QuarantineReplayReport {
  int records_replayed = 0;
  uint64_t requests = 0;
  uint64_t rows = 0;
  std::vector<std::pair<std::string, std::string>> failed;  // (record id, why)
};

class QuarantineReplay {
 public:
  using WriteFn = std::function<void(BatchSet&&, Worker::Done)>;
  using DoneFn = std::function<void(Result<QuarantineReplayReport>)>;

  // `quarantine` must outlive this object; `write` is the engine's write path.
  QuarantineReplay(Quarantine* quarantine, WriteFn write);
  ~QuarantineReplay();  // Stop()
  // Asks a replay in progress to stop after its current request (shutdown). Thread-safe.
  void Cancel() { cancel_ = true; }
  // Cancel, then wait for it.
  void Stop();

  // Replays record `id` (every record when empty) on a new thread and calls `done` there.
  // Unavailable when a replay is already running. Thread-safe.
  Status Start(const std::string& id, DoneFn done);

 private:
  QuarantineReplayReport Run(const std::string& id);
  Status ReplayRecord(const QuarantineRecord& record, QuarantineReplayReport* report);

  Quarantine* const quarantine_;
  const WriteFn write_;
  std::mutex mu_;
  bool running_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace arc
