#include "buffer/ingest_engine.h"

#include <algorithm>

#include "common/logging.h"
#include "ingest/time_units.h"
#include "ingest/batch_codec.h"

namespace arc {

Result<std::unique_ptr<IngestEngine>> IngestEngine::Start(const Config& config,
                                                          const DuckDatabase& db, Storage* storage,
                                                          FileSystem* fs) {
  return Start(config, db, storage, fs, Options());
}

Result<std::unique_ptr<IngestEngine>> IngestEngine::Start(const Config& config,
                                                          const DuckDatabase& db, Storage* storage,
                                                          FileSystem* fs, Options options) {
  auto engine = std::make_unique<IngestEngine>(config, storage, fs, options);
  ARC_RETURN_IF_ERROR(engine->Open(db));
  return engine;
}

IngestEngine::IngestEngine(const Config& config, Storage* storage, FileSystem* fs, Options options)
    : config_(config), options_(options), storage_(storage), fs_(fs),
      wal_enabled_(config.wal.enabled) {}

IngestEngine::~IngestEngine() { Shutdown(); }

Status IngestEngine::Open(const DuckDatabase& db) {
  Flusher::Options options;
  options.threads = config_.ingest.flush_workers;
  options.max_pending_rows = config_.ingest.max_pending_rows;
  options.compression = config_.ingest.compression;
  ARC_ASSIGN_OR_RETURN(flusher_, Flusher::Start(db, storage_, options,
                                                [this](const FlushJob& job, const auto&) { OnFlushed(job); },
                                                &view_lock_));
  const uint64_t boot_id = static_cast<uint64_t>(NowMicros() / 1000);
  for (int i = 1; i <= config_.server.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, config_.ingest.max_buffer_size, flusher_.get(),
                                                boot_id, &view_lock_));
  }
  if (wal_enabled_) ARC_RETURN_IF_ERROR(OpenWal());
  timer_ = std::thread([this] { RunTimer(); });
  return Status::OK();
}

Status IngestEngine::OpenWal() {
  const std::string& dir = config_.wal.dir;
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir).WithContext("wal.dir " + dir));
  ARC_ASSIGN_OR_RETURN(const wal::LogListing listing, wal::ListLogDirectory(fs_, dir));
  std::vector<int> ids = listing.workers;
  for (int i = 1; i <= config_.server.workers; ++i) ids.push_back(i);
  for (int k : ids) {
    if (manifests_.count(k)) continue;
    auto m = std::make_unique<wal::Manifest>(fs_, dir, k);
    ARC_RETURN_IF_ERROR(m->Load());
    manifests_[k] = std::move(m);
  }
  // Workers that exist only on disk (server.workers was lowered) replay through a temporary
  // Worker with the same id; their jobs stay queued in the flusher after it is gone.
  std::map<int, std::unique_ptr<Worker>> extra;
  // Replay flushes in larger units than live ingest: fewer COPY statements, manifest writes
  // and fsyncs for the same rows.
  const int64_t replay_rows = std::max<int64_t>(config_.ingest.max_buffer_size * 10, 500000);
  auto worker_for = [&](int k) -> Worker* {
    if (k >= 1 && k <= static_cast<int>(workers_.size())) return workers_[k - 1].get();
    auto& w = extra[k];
    if (!w) w = std::make_unique<Worker>(k, replay_rows, flusher_.get(), 0);
    return w.get();
  };
  for (auto& w : workers_) w->SetMaxBufferRows(replay_rows);
  for (auto& w : workers_) w->RequireWal();
  for (int k : ids) worker_for(k)->AttachWal(nullptr, manifests_.at(k).get());
  WalReplay recovery(fs_, dir, storage_, flusher_.get(), worker_for,
                     [&](int k) { return manifests_.at(k).get(); });
  ARC_RETURN_IF_ERROR(recovery.Run(listing, options_.recovery_flush_timeout));
  for (auto& w : workers_) w->SetMaxBufferRows(config_.ingest.max_buffer_size);
  recovery_ = recovery.totals();
  resume_ = recovery.resume();
  for (int k = 1; k <= static_cast<int>(workers_.size()); ++k) {
    wal::WorkerResume& r = resume_[k];
    wal::Manifest* m = manifests_.at(k).get();
    r.next_lsn = std::max(r.next_lsn, m->NextUnusedLsn());
    // A WAL with no history (new, or its directory deleted by hand) starts its LSNs at the
    // current time in microseconds, far above any LSN an earlier WAL of this data directory
    // reached, so Parquet names (w<k>-<first>-<last>) can never repeat and replace old files.
    if (r.next_lsn == 1) r.next_lsn = static_cast<uint64_t>(NowMicros());
    m->StartAt(r.next_lsn);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    writers_.resize(workers_.size());
    open_errors_.assign(workers_.size(), Status::OK());
  }
  for (int k = 1; k <= static_cast<int>(workers_.size()); ++k) {
    Status st = OpenWriter(k, resume_[k]);
    if (!st.ok()) LOG_ERROR("WAL of worker " << k << " cannot open, its writes answer 503: " << st.ToString());
  }
  return Status::OK();
}

Status IngestEngine::OpenWriter(int k, const wal::WorkerResume& resume) {
  wal::WalOptions o;
  o.dir = config_.wal.dir;
  o.worker = k;
  o.sync_mode = config_.wal.sync_mode;
  o.max_size_bytes = static_cast<uint64_t>(config_.wal.max_size_mb) << 20;
  o.max_age_us = config_.wal.max_age_seconds * 1000000;
  Result<std::unique_ptr<wal::WalWriter>> w =
      wal::WalWriter::Open(fs_, o, resume.next_lsn, resume.next_segment, resume.last_name_seconds);
  std::lock_guard<std::mutex> lock(mu_);
  if (!w.ok()) {
    open_errors_[k - 1] = w.status();
    return w.status();
  }
  writers_[k - 1] = std::move(*w);
  open_errors_[k - 1] = Status::OK();
  workers_[k - 1]->AttachWal(writers_[k - 1].get(), manifests_.at(k).get());
  return Status::OK();
}

// A flush is durable: record it, persist the manifest, delete segments below the watermark.
void IngestEngine::OnFlushed(const FlushJob& job) {
  if (job.lsns.empty()) return;
  wal::Manifest* m = manifests_.at(job.worker).get();
  m->Complete(job.target.database, job.target.measurement, job.lsns);
  Result<uint64_t> w = m->Persist();
  if (!w.ok()) {
    LOG_ERROR("WAL manifest of worker " << job.worker << " not saved (segments are kept, replay "
              << "stays idempotent): " << w.status().ToString());
    return;
  }
  wal::WalWriter* writer = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (job.worker >= 1 && job.worker <= static_cast<int>(writers_.size())) writer = writers_[job.worker - 1].get();
  }
  if (writer == nullptr) return;
  Status st = writer->DeleteSegmentsThrough(*w);
  if (!st.ok()) LOG_ERROR("WAL segment cleanup of worker " << job.worker << " failed: " << st.ToString());
}

void IngestEngine::Write(BatchSet&& set, Worker::Done done) {
  if (!flusher_->WaitForRoom(backpressure_wait_)) {
    return done(Status::Unavailable("flush queue is full (storage is slower than ingest); retry later"));
  }
  const std::string payload = wal_enabled_ ? EncodeBatchSet(set) : std::string();
  const size_t n = workers_.size();
  Status first_error;
  for (size_t attempt = 0; attempt < n; ++attempt) {
    Worker* w = workers_[next_worker_.fetch_add(1) % n].get();
    Status health = w->health();
    if (wal_enabled_ && health.ok() && w->wal() == nullptr) {
      std::lock_guard<std::mutex> lock(mu_);
      health = Status::Unavailable("WAL of worker " + std::to_string(w->id()) + " is not open: " +
                                   open_errors_[w->id() - 1].message());
    }
    if (!health.ok()) {
      if (first_error.ok()) first_error = health;
      continue;
    }
    return w->Write(std::move(set.batches()), payload, NowMicros(), std::move(done));
  }
  done(Status::Unavailable(first_error.message()));
}

void IngestEngine::RetryWalOpen(int64_t now_us) {
  if (!wal_enabled_ || now_us - last_open_retry_us_ < 1000000) return;
  last_open_retry_us_ = now_us;
  for (int k = 1; k <= static_cast<int>(workers_.size()); ++k) {
    bool missing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      missing = writers_[k - 1] == nullptr;
    }
    if (missing && OpenWriter(k, resume_[k]).ok()) LOG_INFO("WAL of worker " << k << " opened");
  }
}

void IngestEngine::RunTimer() {
  const auto tick = std::chrono::milliseconds(
      std::clamp<int64_t>(config_.ingest.max_buffer_age_ms / 4, 10, 250));
  std::unique_lock<std::mutex> lock(timer_mu_);
  while (!stopping_) {
    timer_cv_.wait_for(lock, tick);
    if (stopping_) break;
    lock.unlock();
    const int64_t now = NowMicros();
    for (auto& w : workers_) {
      w->FlushOlderThan(now - config_.ingest.max_buffer_age_ms * 1000);
      w->RotateWalIfOld(now);
    }
    RetryWalOpen(now);
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
    if (timer_.joinable()) timer_.join();
    int64_t rows = 0;
    for (auto& w : workers_) rows += w->buffered_rows();
    LOG_INFO("flushing " << rows << " buffered rows before exit");
    for (auto& w : workers_) w->FlushOlderThan(INT64_MAX);
    flusher_->Stop(options_.shutdown_give_up);
    const FlusherStats s = flusher_->stats();
    LOG_INFO("flush complete: " << s.rows_written << " rows in " << s.files_written
                                << " files written since start");
    std::lock_guard<std::mutex> lock(mu_);
    writers_.clear();  // each syncs what it wrote and closes
  });
}

void IngestEngine::Snapshot(const std::vector<std::pair<std::string, std::string>>& tables,
                            const std::function<void()>& list_files,
                            std::vector<std::vector<Batch>>* out) const {
  std::lock_guard<RwLock> hold(view_lock_);  // exclusive: no row moves meanwhile
  list_files();
  out->assign(tables.size(), {});
  for (size_t i = 0; i < tables.size(); ++i) {
    for (const auto& w : workers_) w->CopyBuffered(tables[i].first, tables[i].second, &(*out)[i]);
    flusher_->CopyUnpublished(tables[i].first, tables[i].second, &(*out)[i]);
  }
}

bool IngestEngine::HasBuffered(const std::string& db, const std::string& m) const {
  for (const auto& w : workers_) {
    if (w->HasBuffered(db, m)) return true;
  }
  return flusher_->HasUnpublished(db, m);
}

bool IngestEngine::FlushAll(std::chrono::milliseconds timeout) {
  for (auto& w : workers_) w->FlushOlderThan(INT64_MAX);
  return flusher_->DrainFor(timeout);
}

IngestStats IngestEngine::stats() const {
  IngestStats s;
  for (const auto& w : workers_) s.buffered_rows += w->buffered_rows();
  s.flusher = flusher_->stats();
  return s;
}

std::vector<wal::WalWriter*> IngestEngine::wal_writers() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<wal::WalWriter*> out;
  for (const auto& w : writers_) out.push_back(w.get());
  return out;
}

std::vector<Status> IngestEngine::worker_health() const {
  std::vector<Status> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < workers_.size(); ++i) {
    Status st = workers_[i]->health();
    if (st.ok() && wal_enabled_ && i < writers_.size() && writers_[i] == nullptr) st = open_errors_[i];
    out.push_back(st);
  }
  return out;
}

}  // namespace arc
