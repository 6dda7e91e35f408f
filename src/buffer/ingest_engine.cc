#include "buffer/ingest_engine.h"

#include <algorithm>

#include "common/logging.h"
#include "ingest/time_units.h"

namespace arc {

Result<std::unique_ptr<IngestEngine>> IngestEngine::Start(const Config& config,
                                                          const DuckDatabase& db,
                                                          Storage* storage) {
  Flusher::Options options;
  options.threads = config.ingest.flush_workers;
  options.max_pending_rows = config.ingest.max_pending_rows;
  options.compression = config.ingest.compression;
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<Flusher> flusher, Flusher::Start(db, storage, options));
  return std::make_unique<IngestEngine>(config, std::move(flusher));
}

IngestEngine::IngestEngine(const Config& config, std::unique_ptr<Flusher> flusher)
    : max_age_us_(config.ingest.max_buffer_age_ms * 1000), flusher_(std::move(flusher)) {
  const uint64_t boot_id = static_cast<uint64_t>(NowMicros() / 1000);
  for (int i = 0; i < config.server.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(i + 1, config.ingest.max_buffer_size,
                                                flusher_.get(), boot_id));
  }
  timer_ = std::thread([this] { RunTimer(); });
}

IngestEngine::~IngestEngine() { Shutdown(); }

Status IngestEngine::Write(BatchSet&& set) {
  if (!flusher_->WaitForRoom(backpressure_wait_)) {
    return Status::Unavailable("flush queue is full (storage is slower than ingest); retry later");
  }
  Worker* w = workers_[next_worker_.fetch_add(1) % workers_.size()].get();
  w->Add(std::move(set.batches()), NowMicros());
  return Status::OK();
}

void IngestEngine::RunTimer() {
  const auto tick = std::chrono::milliseconds(std::clamp<int64_t>(max_age_us_ / 4000, 10, 250));
  std::unique_lock<std::mutex> lock(timer_mu_);
  while (!stopping_) {
    timer_cv_.wait_for(lock, tick);
    if (stopping_) break;
    lock.unlock();
    const int64_t cutoff = NowMicros() - max_age_us_;
    for (auto& w : workers_) w->FlushOlderThan(cutoff);
    lock.lock();
  }
}

void IngestEngine::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    {
      std::lock_guard<std::mutex> lock(timer_mu_);
      stopping_ = true;
      timer_cv_.notify_all();
    }
    timer_.join();
    int64_t rows = 0;
    for (auto& w : workers_) rows += w->buffered_rows();
    LOG_INFO("flushing " << rows << " buffered rows before exit");
    for (auto& w : workers_) w->FlushOlderThan(INT64_MAX);
    flusher_->Stop(std::chrono::seconds(30));
    const FlusherStats s = flusher_->stats();
    LOG_INFO("flush complete: " << s.rows_written << " rows in " << s.files_written
                                << " files written since start");
  });
}

IngestStats IngestEngine::stats() const {
  IngestStats s;
  for (const auto& w : workers_) s.buffered_rows += w->buffered_rows();
  s.flusher = flusher_->stats();
  return s;
}

}  // namespace arc
