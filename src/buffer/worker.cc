#include "buffer/worker.h"

#include "ingest/batch_codec.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

// What the manifest must wait for: AddLocked buffers only non-empty batches.
size_t NonEmpty(const std::vector<Batch>& batches) {
  size_t n = 0;
  for (const Batch& b : batches) n += b.rows() > 0 ? 1 : 0;
  return n;
}

}  // namespace

// Shared hold of the view lock (a null lock is no lock).
class SharedHold {
 public:
  explicit SharedHold(RwLock* lock) : lock_(lock) {
    if (lock_ != nullptr) lock_->lock_shared();
  }
  ~SharedHold() {
    if (lock_ != nullptr) lock_->unlock_shared();
  }
  SharedHold(const SharedHold&) = delete;
  SharedHold& operator=(const SharedHold&) = delete;

 private:
  RwLock* lock_;
};

Worker::Worker(int id, int64_t max_buffer_rows, Flusher* flusher, uint64_t boot_id,
               RwLock* view_lock)
    : id_(id), max_buffer_rows_(max_buffer_rows), flusher_(flusher), boot_id_(boot_id),
      view_lock_(view_lock) {}

void Worker::AttachWal(wal::WalWriter* wal, wal::Manifest* manifest) {
  std::lock_guard<std::mutex> lock(mu_);
  wal_ = wal;
  manifest_ = manifest;
}

void Worker::RequireWal() {
  std::lock_guard<std::mutex> lock(mu_);
  wal_required_ = true;
}

FlushPart Worker::Detach(const std::string& key, MeasurementBuffer* buffer) {
  const size_t sep = key.find('\0');
  WriteTarget target{key.substr(0, sep), key.substr(sep + 1), ""};
  std::vector<uint64_t> lsns = buffer->TakeLsns();
  target.file_stem = lsns.empty() ? BootFlushStem(boot_id_, id_, next_sequence_++)
                                  : WalFlushStem(id_, lsns.front(), lsns.back());
  FlushPart part = MakePart(std::move(target), buffer->TakeBatches(), std::move(lsns));
  buffered_rows_ -= static_cast<int64_t>(part.rows);
  return part;
}

FlushJob Worker::JobOf(FlushPart part) const {
  FlushJob job;
  job.worker = id_;
  job.parts.push_back(std::move(part));
  return job;
}

void Worker::AddLocked(std::vector<Batch>&& batches, uint64_t lsn, int64_t now_us,
                       std::vector<FlushJob>* ready) {
  for (Batch& b : batches) {
    if (b.rows() == 0) continue;
    std::string key = b.database + '\0' + b.measurement;
    auto it = buffers_.try_emplace(std::move(key), now_us).first;
    MeasurementBuffer& buf = it->second;
    if (!buf.empty() && buf.ConflictsWith(b)) ready->push_back(JobOf(Detach(it->first, &buf)));
    if (buf.empty()) buf = MeasurementBuffer(now_us);
    buffered_rows_ += static_cast<int64_t>(b.rows());
    buf.Add(std::move(b), lsn);
    if (static_cast<int64_t>(buf.rows()) >= max_buffer_rows_) {
      ready->push_back(JobOf(Detach(it->first, &buf)));
    }
  }
}

void Worker::Write(BatchSet&& set, int64_t now_us, Done done) {
  std::vector<FlushJob> ready;
  uint64_t lsn = 0;
  wal::WalWriter* wal = nullptr;
  {
    SharedHold hold(view_lock_);
    std::lock_guard<std::mutex> lock(mu_);
    wal = wal_;
    if (wal_ == nullptr && wal_required_) {
      return done(Status::Unavailable("WAL of worker " + std::to_string(id_) + " is not open"));
    }
    if (wal_ != nullptr) {
      // Written into the log's staging memory: the request's columns are copied once (not
      // encoded, then copied). Sizing walks the columns only, so it costs little under the lock.
      const BatchSetEncoder encoder(set);
      Result<uint64_t> appended =
          wal_->Append(encoder.size(), [&encoder](char* out) { encoder.EncodeTo(out); }, now_us);
      if (!appended.ok()) return done(appended.status());
      lsn = *appended;
      manifest_->Register(lsn, NonEmpty(set.batches()));
    }
    AddLocked(std::move(set.batches()), lsn, now_us, &ready);
    for (FlushJob& job : ready) flusher_->Submit(std::move(job));
  }
  if (wal == nullptr) return done(Status::OK());
  wal->WhenDurable(lsn, std::move(done));
}

void Worker::Replay(std::vector<Batch>&& batches, uint64_t lsn, int64_t now_us) {
  std::vector<FlushJob> ready;
  SharedHold hold(view_lock_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (manifest_ != nullptr) manifest_->Register(lsn, NonEmpty(batches));
    AddLocked(std::move(batches), lsn, now_us, &ready);
  }
  for (FlushJob& job : ready) flusher_->Submit(std::move(job));
}

// Aged buffers are flushed together, several measurements per job (up to kMaxPartsPerJob and
// about one full buffer of rows), so that a worker holding thousands of small measurements
// publishes them with a few syncs and one manifest update per job.
void Worker::FlushOlderThan(int64_t cutoff_us) {
  std::vector<FlushJob> ready;
  SharedHold hold(view_lock_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    FlushJob group;
    group.worker = id_;
    size_t group_rows = 0;
    for (auto it = buffers_.begin(); it != buffers_.end();) {
      MeasurementBuffer& buf = it->second;
      if (!buf.empty() && buf.created_us() <= cutoff_us) {
        FlushPart part = Detach(it->first, &buf);
        group_rows += part.rows;
        group.parts.push_back(std::move(part));
        if (group.parts.size() >= kMaxPartsPerJob || static_cast<int64_t>(group_rows) >= max_buffer_rows_) {
          ready.push_back(std::move(group));
          group = FlushJob();
          group.worker = id_;
          group_rows = 0;
        }
      }
      if (buf.empty()) it = buffers_.erase(it);
      else ++it;
    }
    if (!group.parts.empty()) ready.push_back(std::move(group));
  }
  for (FlushJob& job : ready) flusher_->Submit(std::move(job));
}

void Worker::FlushMeasurement(const std::string& db, const std::string& measurement) {
  SharedHold hold(view_lock_);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(db + '\0' + measurement);
  if (it == buffers_.end() || it->second.empty()) return;
  FlushJob job = JobOf(Detach(it->first, &it->second));
  buffers_.erase(it);
  // Submitted under mu_, like Write: once this returns the rows are the flusher's.
  flusher_->Submit(std::move(job));
}

void Worker::MaintainWal(int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);  // serializes with Append
  if (wal_ == nullptr) return;
  // Failures are the WAL's own state (poison, health), reported by /api/wal/health.
  if (!wal_->health().ok()) (void)wal_->Heal(now_us);
  else (void)wal_->RotateIfOld(now_us);
}

void Worker::SetMaxBufferRows(int64_t rows) {
  std::lock_guard<std::mutex> lock(mu_);
  max_buffer_rows_ = rows;
}

Status Worker::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wal_ == nullptr ? Status::OK() : wal_->health();
}

bool Worker::HasBuffered(const std::string& db, const std::string& m) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(db + '\0' + m);
  return it != buffers_.end() && !it->second.empty();
}

void Worker::ListBuffered(std::set<std::pair<std::string, std::string>>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, buffer] : buffers_) {
    if (buffer.empty()) continue;
    const size_t sep = key.find('\0');
    out->emplace(key.substr(0, sep), key.substr(sep + 1));
  }
}

void Worker::BufferedColumns(const std::string& db, const std::string& m,
                             std::vector<SchemaColumn>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(db + '\0' + m);
  if (it != buffers_.end()) it->second.AppendColumns(out);
}

void Worker::CopyBuffered(const std::string& db, const std::string& m,
                          std::vector<Batch>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buffers_.find(db + '\0' + m);
  if (it != buffers_.end()) it->second.CopyBatches(out);
}

int64_t Worker::buffered_rows() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffered_rows_;
}

}  // namespace arc
