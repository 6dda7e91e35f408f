#include "buffer/ingest_engine.h"

#include <algorithm>

#include "common/logging.h"
#include "ingest/batch_codec.h"
#include "ingest/names.h"
#include "ingest/time_units.h"

namespace arc {
namespace {

CardinalityLimits LimitsOf(const IngestConfig& c) {
  return {c.max_databases, c.max_measurements_per_database, c.max_columns_per_measurement,
          c.max_series_per_database};
}

size_t MemoryOf(const BatchSet& set) {
  size_t n = 0;
  for (const Batch& b : set.batches()) n += b.MemoryBytes();
  return n;
}

}  // namespace

Result<std::unique_ptr<IngestEngine>> IngestEngine::Start(const Config& config, Storage* storage,
                                                          FileSystem* fs, Options options) {
  auto engine = std::make_unique<IngestEngine>(config, storage, fs, options);
  ARC_RETURN_IF_ERROR(engine->Open());
  return engine;
}

Result<std::unique_ptr<IngestEngine>> IngestEngine::Start(const Config& config, Storage* storage,
                                                          FileSystem* fs) {
  return Start(config, storage, fs, Options());
}

IngestEngine::IngestEngine(const Config& config, Storage* storage, FileSystem* fs, Options options)
    : config_(config),
      options_(options),
      storage_(storage),
      fs_(fs),
      own_live_(options.live_files == nullptr ? std::make_unique<LiveFileSet>() : nullptr),
      live_(options.live_files != nullptr ? options.live_files : own_live_.get()),
      limits_(LimitsOf(config.ingest)) {}

IngestEngine::~IngestEngine() { Shutdown(); }

Status IngestEngine::Open() {
  quarantine_ =
      std::make_unique<Quarantine>(fs_, JoinPath(config_.storage.local_path, ".quarantine"));
  ARC_RETURN_IF_ERROR(quarantine_->Open());
  Flusher::Options options;
  options.threads = config_.ingest.flush_workers;
  options.max_pending_rows = config_.ingest.max_pending_rows;
  options.max_pending_bytes =
      static_cast<int64_t>(std::min<uint64_t>(config_.ingest.max_pending_bytes, INT64_MAX));
  options.max_pending_parts = config_.ingest.max_pending_files;
  options.compression = config_.ingest.compression;
  ARC_ASSIGN_OR_RETURN(
      flusher_, Flusher::Start(
                    storage_, options, [this](const FlushJob& job, const auto& files) { OnFlushed(job, files); },
                    live_, quarantine_.get()));
  // Waiting writes hold their decoded rows: allow as much as the flush queue itself.
  admission_ = std::make_unique<Admission>(flusher_.get(), options_.backpressure_wait,
                                           static_cast<size_t>(options.max_pending_bytes));
  SeedLimits();
  const uint64_t boot_id = static_cast<uint64_t>(NowMicros() / 1000);
  for (int i = 1; i <= config_.server.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, config_.ingest.max_buffer_size, flusher_.get(),
                                                boot_id, live_->view_lock()));
  }
  if (config_.wal.enabled) {
    wal_ = std::make_unique<WalSet>(config_, fs_, storage_, quarantine_.get());
    std::vector<Worker*> workers;
    for (auto& w : workers_) workers.push_back(w.get());
    // Replay into memory first, with the cores to itself; the flush of the replayed rows
    // starts once the log is read, or once the caller is ready (or earlier, past the
    // flusher's memory or file bound).
    flusher_->Hold();
    const Status opened = wal_->Open(flusher_.get(), workers);
    if (!options_.hold_replayed_flush || !opened.ok()) flusher_->Release();
    ARC_RETURN_IF_ERROR(opened);
  }
  quarantine_replay_ = std::make_unique<QuarantineReplay>(
      quarantine_.get(),
      [this](BatchSet&& set, Worker::Done done) { Write(std::move(set), std::move(done)); });
  timer_ = std::thread([this] { RunTimer(); });
  return Status::OK();
}

void IngestEngine::ReleaseReplayedFlush() { flusher_->Release(); }

Status IngestEngine::ReplayQuarantine(const std::string& id, QuarantineReplay::DoneFn done) {
  return quarantine_replay_->Start(id, std::move(done));
}

// The cardinality limits start from what storage already holds: databases and measurements
// are folders of the local data directory (the read cache with S3).
void IngestEngine::SeedLimits() {
  Result<std::vector<DirEntry>> dbs = fs_->ListDir(config_.storage.local_path);
  if (!dbs.ok()) return;
  for (const DirEntry& db : *dbs) {
    if (!db.is_dir || !ValidateDatabaseName(db.name).ok()) continue;
    Result<std::vector<DirEntry>> ms = fs_->ListDir(JoinPath(config_.storage.local_path, db.name));
    for (const DirEntry& m : ms.ok() ? *ms : std::vector<DirEntry>{}) {
      if (m.is_dir && ValidateMeasurementName(m.name).ok()) limits_.Seed(db.name, m.name);
    }
  }
}

// A flush is durable: with the WAL, record it (watermark, segments).
void IngestEngine::OnFlushed(const FlushJob& job, const std::vector<DataFile>& files) {
  if (wal_ != nullptr) wal_->OnFlushed(job);
  if (options_.on_files_written && !files.empty()) {
    std::vector<std::string> paths;
    for (const DataFile& f : files) paths.push_back(f.relative_path);
    options_.on_files_written(paths);
  }
}

void IngestEngine::Write(BatchSet&& set, Worker::Done caller_done) {
  auto additions = std::make_shared<IngestLimits::Additions>();
  Status limit = limits_.Check(set, additions.get());
  if (!limit.ok()) return caller_done(limit);
  // Counted once acknowledged: a write refused later (503) uses up no quota.
  Worker::Done done = [this, additions, caller_done = std::move(caller_done)](Status st) {
    if (st.ok()) limits_.Record(*additions);
    caller_done(st);
  };
  // The worker encodes the WAL entry at admission, into the log's own memory: a waiting write
  // holds only its decoded batches.
  const size_t bytes = MemoryOf(set);
  auto shared = std::make_shared<BatchSet>(std::move(set));
  auto shared_done = std::make_shared<Worker::Done>(std::move(done));
  admission_->Enter(
      bytes,
      [this, shared, shared_done] { Route(std::move(*shared), std::move(*shared_done)); },
      [shared_done](Status why) { (*shared_done)(why); });
}

void IngestEngine::Route(BatchSet set, Worker::Done done) {
  const size_t n = workers_.size();
  std::vector<Status> open_errors = wal_ != nullptr ? wal_->open_errors() : std::vector<Status>();
  Status first_error;
  for (size_t attempt = 0; attempt < n; ++attempt) {
    Worker* w = workers_[next_worker_.fetch_add(1) % n].get();
    Status health = w->health();
    if (wal_ != nullptr && health.ok() && w->wal() == nullptr) {
      const Status& why = open_errors[w->id() - 1];
      health = Status::Unavailable("WAL of worker " + std::to_string(w->id()) + " is not open" +
                                   (why.ok() ? "" : ": " + why.message()));
    }
    if (!health.ok()) {
      if (first_error.ok()) first_error = health;
      continue;
    }
    return w->Write(std::move(set), NowMicros(), std::move(done));
  }
  done(Status::Unavailable(first_error.message()));
}

void IngestEngine::RunTimer() {
  const auto tick =
      std::chrono::milliseconds(std::clamp<int64_t>(config_.ingest.max_buffer_age_ms / 4, 10, 250));
  std::unique_lock<std::mutex> lock(timer_mu_);
  while (!stopping_) {
    timer_cv_.wait_for(lock, tick);
    if (stopping_) break;
    lock.unlock();
    const int64_t now = NowMicros();
    for (auto& w : workers_) {
      w->FlushOlderThan(now - config_.ingest.max_buffer_age_ms * 1000);
      w->MaintainWal(now);  // rotation, and healing a poisoned log once its cause is gone
    }
    if (wal_ != nullptr) wal_->RetryOpen(now);
    lock.lock();
  }
}

void IngestEngine::Shutdown() { ShutdownBy(std::nullopt); }

void IngestEngine::ShutdownBy(std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::call_once(
      shutdown_once_, [this, deadline] {
        const auto start = std::chrono::steady_clock::now();
        {
          std::lock_guard<std::mutex> lock(timer_mu_);
          stopping_ = true;
          timer_cv_.notify_all();
        }
        if (timer_.joinable()) timer_.join();
        if (quarantine_replay_) quarantine_replay_->Cancel();  // stops after its current request
        if (admission_) admission_->Stop();                    // refuses what waits, that one too
        if (quarantine_replay_) quarantine_replay_->Stop();
        if (!flusher_) return;
        int64_t rows = 0;
        for (auto& w : workers_) rows += w->buffered_rows();
        const FlusherStats before = flusher_->stats();
        LOG_INFO("flushing " << rows << " buffered rows before exit (" << before.pending_rows
                             << " more already queued)");
        for (auto& w : workers_) w->FlushOlderThan(INT64_MAX);
        auto give_up = options_.shutdown_give_up.value_or(
            std::chrono::milliseconds(config_.server.shutdown_timeout_seconds * 1000));
        // The bound runs from the signal: time the HTTP server spent draining requests counts.
        if (deadline) {
          give_up =
              std::max(std::chrono::milliseconds(0),
                       std::min(give_up, std::chrono::duration_cast<std::chrono::milliseconds>(
                                             *deadline - std::chrono::steady_clock::now())));
        }
        flusher_->Stop(give_up);
        const FlusherStats s = flusher_->stats();
        if (s.rows_dropped > 0) {
          LOG_WARN("shutdown bound ("
                   << give_up.count() / 1000.0 << " s) reached: " << s.rows_dropped
                   << " rows not written"
                   << (wal_ != nullptr ? "; they stay in the WAL and are replayed at the next start"
                                       : " and lost (the WAL is off)"));
        }
        if (wal_ != nullptr) wal_->Close();
        LOG_INFO("flush complete: "
                 << s.rows_written << " rows in " << s.files_written
                 << " files written since start; shutdown took "
                 << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                 << " s");
      });
}

void IngestEngine::Snapshot(const std::vector<std::pair<std::string, std::string>>& tables,
                            const std::function<void()>& list_files,
                            std::vector<std::vector<Batch>>* out) const {
  std::lock_guard<RwLock> hold(*live_->view_lock());  // exclusive: no row moves meanwhile
  list_files();
  out->assign(tables.size(), {});
  for (size_t i = 0; i < tables.size(); ++i) {
    for (const auto& w : workers_) w->CopyBuffered(tables[i].first, tables[i].second, &(*out)[i]);
    flusher_->CopyUnpublished(tables[i].first, tables[i].second, &(*out)[i]);
  }
}

void IngestEngine::SnapshotColumns(const std::string& db, const std::string& m,
                                   const std::function<void()>& list_files,
                                   std::vector<SchemaColumn>* out) const {
  std::lock_guard<RwLock> hold(*live_->view_lock());  // exclusive: no row moves meanwhile
  list_files();
  for (const auto& w : workers_) w->BufferedColumns(db, m, out);
  flusher_->UnpublishedColumns(db, m, out);
}

bool IngestEngine::HasBuffered(const std::string& db, const std::string& m) const {
  for (const auto& w : workers_) {
    if (w->HasBuffered(db, m)) return true;
  }
  return flusher_->HasUnpublished(db, m);
}

std::set<std::pair<std::string, std::string>> IngestEngine::BufferedTables() const {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& w : workers_) w->ListBuffered(&out);
  flusher_->ListUnpublished(&out);
  return out;
}

bool IngestEngine::FlushAll(std::chrono::milliseconds timeout) {
  for (auto& w : workers_) w->FlushOlderThan(INT64_MAX);
  return flusher_->DrainFor(timeout);
}

Status IngestEngine::FlushMeasurement(const std::string& db, const std::string& measurement,
                                      std::chrono::milliseconds timeout) {
  for (auto& w : workers_) w->FlushMeasurement(db, measurement);
  uint64_t through = 0;
  {
    // A timer flush that detached this measurement's buffer submits it under the view lock
    // held shared: once the lock is ours exclusively, every such job has its number.
    std::lock_guard<RwLock> exclusive(*live_->view_lock());
    through = flusher_->last_submitted();
  }
  if (flusher_->WaitWritten(db, measurement, through, timeout)) return Status::OK();
  return Status::Unavailable("rows of " + db + "." + measurement +
                             " still in memory could not be written to storage within " +
                             std::to_string(timeout.count() / 1000) +
                             " s (they are retried; see the flush errors in the log)");
}

IngestStats IngestEngine::stats() const {
  IngestStats s;
  for (const auto& w : workers_) s.buffered_rows += w->buffered_rows();
  s.flusher = flusher_->stats();
  s.admission_waiting = admission_->waiting();
  s.quarantine = quarantine_->totals();
  s.cardinality = limits_.counts();
  return s;
}

std::vector<wal::WalWriter*> IngestEngine::wal_writers() const {
  return wal_ != nullptr ? wal_->writers() : std::vector<wal::WalWriter*>{};
}

std::vector<Status> IngestEngine::worker_health() const {
  std::vector<Status> out;
  const std::vector<Status> open_errors =
      wal_ != nullptr ? wal_->open_errors() : std::vector<Status>();
  for (size_t i = 0; i < workers_.size(); ++i) {
    Status st = workers_[i]->health();
    if (st.ok() && i < open_errors.size()) st = open_errors[i];
    out.push_back(st);
  }
  return out;
}

const RecoveryTotals& IngestEngine::recovery() const {
  static const RecoveryTotals kNone;
  return wal_ != nullptr ? wal_->recovery() : kNone;
}

}  // namespace arc
