#include "buffer/wal_set.h"

#include <algorithm>

#include "common/logging.h"
#include "ingest/time_units.h"

namespace arc {

WalSet::WalSet(const Config& config, FileSystem* fs, Storage* storage, Quarantine* quarantine)
    : config_(config), fs_(fs), storage_(storage), quarantine_(quarantine) {}

wal::WalOptions WalSet::WriterOptions(int worker) const {
  wal::WalOptions o;
  o.dir = config_.wal.dir;
  o.worker = worker;
  o.sync_mode = config_.wal.sync_mode;
  o.max_size_bytes = static_cast<uint64_t>(config_.wal.max_size_mb) << 20;
  o.max_age_us = config_.wal.max_age_seconds * 1000000;
  return o;
}

Status WalSet::Open(Flusher* flusher, const std::vector<Worker*>& workers) {
  workers_ = workers;
  const std::string& dir = config_.wal.dir;
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir).WithContext("wal.dir " + dir));
  ARC_ASSIGN_OR_RETURN(const wal::LogListing listing, wal::ListLogDirectory(fs_, dir));
  std::vector<int> ids = listing.workers;
  for (int i = 1; i <= static_cast<int>(workers_.size()); ++i) ids.push_back(i);
  for (int k : ids) {
    if (manifests_.count(k)) continue;
    auto m = std::make_unique<wal::Manifest>(fs_, dir, k);
    ARC_RETURN_IF_ERROR(m->Load());
    manifests_[k] = std::move(m);
  }
  // Logs of ids that exist only on disk (server.workers was lowered) replay through a
  // temporary Worker with the same id; its rows are handed to the flusher before it goes.
  std::map<int, std::unique_ptr<Worker>> extra;
  // Replay flushes in larger units than live ingest: fewer files and manifest writes.
  const int64_t replay_rows = std::max<int64_t>(config_.ingest.max_buffer_size * 10, 500000);
  auto worker_for = [&](int k) -> Worker* {
    if (k >= 1 && k <= static_cast<int>(workers_.size())) return workers_[k - 1];
    auto& w = extra[k];
    if (!w) w = std::make_unique<Worker>(k, replay_rows, flusher, 0);
    return w.get();
  };
  for (Worker* w : workers_) w->SetMaxBufferRows(replay_rows);
  for (Worker* w : workers_) w->RequireWal();
  for (int k : ids) worker_for(k)->AttachWal(nullptr, manifests_.at(k).get());
  WalReplay replay(fs_, dir, storage_, quarantine_, worker_for, [&](int k) { return manifests_.at(k).get(); });
  ARC_RETURN_IF_ERROR(replay.Run(listing));
  for (int k : ids) worker_for(k)->FlushOlderThan(INT64_MAX);
  for (Worker* w : workers_) w->SetMaxBufferRows(config_.ingest.max_buffer_size);
  recovery_ = replay.totals();
  resume_ = replay.resume();
  {
    std::lock_guard<std::mutex> lock(mu_);
    replayed_ = replay.replayed();
  }
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
  // Segments replay found nothing new in (all at or below the watermark) go at once.
  for (auto& [k, m] : manifests_) {
    if (m->watermark() > m->persisted_watermark()) {
      Result<uint64_t> w = m->Persist();
      if (!w.ok()) LOG_ERROR("WAL manifest of worker " << k << " not saved: " << w.status().ToString());
    }
    Cleanup(k, m->persisted_watermark());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    writers_.resize(workers_.size());
    open_errors_.assign(workers_.size(), Status::OK());
  }
  for (int k = 1; k <= static_cast<int>(workers_.size()); ++k) {
    Status st = OpenWriter(k);
    if (!st.ok()) LOG_ERROR("WAL of worker " << k << " cannot open, its writes answer 503: " << st.ToString());
  }
  return Status::OK();
}

Status WalSet::OpenWriter(int k) {
  const wal::WorkerResume& r = resume_[k];
  Result<std::unique_ptr<wal::WalWriter>> w =
      wal::WalWriter::Open(fs_, WriterOptions(k), r.next_lsn, r.next_segment, r.last_name_seconds);
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

void WalSet::RetryOpen(int64_t now_us) {
  if (now_us - last_open_retry_us_ < 1000000) return;
  last_open_retry_us_ = now_us;
  for (int k = 1; k <= static_cast<int>(workers_.size()); ++k) {
    bool missing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      missing = writers_[k - 1] == nullptr;
    }
    if (missing && OpenWriter(k).ok()) LOG_INFO("WAL of worker " << k << " opened");
  }
}

void WalSet::OnFlushed(const FlushJob& job) {
  // Pointers, not copies: a part holds its rows, and copying them cost 2 % of ingest CPU.
  std::vector<const FlushPart*> logged;
  for (const FlushPart& part : job.parts) {
    if (!part.lsns.empty()) logged.push_back(&part);
  }
  if (logged.empty()) return;
  wal::Manifest* m = manifests_.at(job.worker).get();
  for (const FlushPart* part : logged) m->Complete(part->target.database, part->target.measurement, part->lsns);
  Result<uint64_t> w = m->Persist();  // once per job, however many measurements it held
  if (!w.ok()) {
    LOG_ERROR("WAL manifest of worker " << job.worker << " not saved (segments are kept, replay "
              << "stays idempotent): " << w.status().ToString());
    return;
  }
  Cleanup(job.worker, *w);
}

// Only what the persisted watermark covers may go: a segment above it is replayed again after
// a crash, and the manifest makes that idempotent.
void WalSet::Cleanup(int worker, uint64_t persisted_watermark) {
  std::vector<std::string> archive;
  wal::WalWriter* writer = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = replayed_.find(worker);
    if (it != replayed_.end()) {
      auto& segs = it->second;
      while (!segs.empty() && segs.front().last_lsn <= persisted_watermark) {
        archive.push_back(segs.front().name);
        segs.erase(segs.begin());
      }
    }
    if (worker >= 1 && worker <= static_cast<int>(writers_.size())) writer = writers_[worker - 1].get();
  }
  if (!archive.empty()) wal::ArchiveSegments(fs_, config_.wal.dir, archive);
  if (writer == nullptr) return;
  Status st = writer->DeleteSegmentsThrough(persisted_watermark);
  if (!st.ok()) LOG_ERROR("WAL segment cleanup of worker " << worker << " failed: " << st.ToString());
}

void WalSet::Close() {
  std::vector<std::unique_ptr<wal::WalWriter>> writers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    writers.swap(writers_);
  }
  for (Worker* w : workers_) w->AttachWal(nullptr, nullptr);
  for (auto& [k, m] : manifests_) {
    Result<uint64_t> w = m->Persist();
    if (!w.ok()) {
      LOG_ERROR("WAL manifest of worker " << k << " not saved at shutdown: " << w.status().ToString());
      continue;
    }
    if (k >= 1 && k <= static_cast<int>(writers.size()) && writers[k - 1] != nullptr) {
      // Everything the current segment holds is flushed: it goes too.
      Status st = writers[k - 1]->Close(*w);
      if (!st.ok()) LOG_ERROR("WAL of worker " << k << " close: " << st.ToString());
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = replayed_.find(k);
    std::vector<std::string> archive;
    if (it != replayed_.end()) {
      for (const auto& seg : it->second) {
        if (seg.last_lsn <= *w) archive.push_back(seg.name);
      }
    }
    if (!archive.empty()) wal::ArchiveSegments(fs_, config_.wal.dir, archive);
  }
  writers.clear();  // each syncs what it wrote and closes
}

std::vector<wal::WalWriter*> WalSet::writers() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<wal::WalWriter*> out;
  for (const auto& w : writers_) out.push_back(w.get());
  return out;
}

std::vector<Status> WalSet::open_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_errors_;
}

}  // namespace arc
