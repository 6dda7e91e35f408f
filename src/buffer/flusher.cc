#include "buffer/flusher.h"

#include <algorithm>

#include "common/logging.h"
#include "ingest/batch_codec.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;

// How long a part that failed because of its rows waits before it is tried again alone.
constexpr std::chrono::milliseconds kDataRetryDelay{100};
// Failures alone, with an error from the rows, after which a request is quarantined. The
// second try runs on a freshly opened DuckDB when the first error was an internal one.
constexpr int kDataFailuresBeforeQuarantine = 2;
// Out-of-memory failures of one part before it is split like a data failure.
constexpr int kSuspectFailuresBeforeSplit = 3;

std::chrono::milliseconds Backoff(int attempts) {
  return std::chrono::milliseconds(std::min<int64_t>(30000, 100LL << std::min(attempts, 9)));
}

}  // namespace

Result<std::unique_ptr<Flusher>> Flusher::Start(Storage* storage, Options options,
                                                OnWritten on_written, LiveFileSet* live,
                                                Quarantine* quarantine) {
  auto f = std::make_unique<Flusher>(storage, options, std::move(on_written), live, quarantine);
  for (int i = 0; i < options.threads; ++i) {
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<ParquetWriter> w,
                         ParquetWriter::Create(storage, options.compression));
    f->writers_.push_back(std::move(w));
  }
  for (auto& w : f->writers_)
    f->threads_.emplace_back([fp = f.get(), wp = w.get()] { fp->Run(wp); });
  return f;
}

Flusher::Flusher(Storage* storage, Options options, OnWritten on_written, LiveFileSet* live,
                 Quarantine* quarantine)
    : storage_(storage),
      options_(std::move(options)),
      on_written_(std::move(on_written)),
      live_(live),
      view_lock_(live != nullptr ? live->view_lock() : nullptr),
      quarantine_(quarantine) {}

Flusher::~Flusher() {
  if (!threads_.empty()) Stop(std::chrono::milliseconds(0));
}

void Flusher::Hold() {
  std::lock_guard<std::mutex> lock(mu_);
  held_ = true;
}

void Flusher::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  held_ = false;
  work_cv_.notify_all();
}

void Flusher::Submit(FlushJob job) {
  job.parts.erase(std::remove_if(job.parts.begin(), job.parts.end(),
                                 [](const FlushPart& p) { return p.rows == 0; }),
                  job.parts.end());
  if (job.parts.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  ++last_seq_;
  for (FlushPart& part : job.parts) {
    if (part.seq == 0) part.seq = last_seq_;
  }
  stats_.pending_rows += static_cast<int64_t>(job.rows());
  stats_.pending_bytes += static_cast<int64_t>(job.bytes());
  stats_.pending_parts += static_cast<int64_t>(job.parts.size());
  queue_.push_back({std::move(job), Clock::now()});
  work_cv_.notify_one();
}

uint64_t Flusher::last_submitted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_seq_;
}

bool Flusher::WaitWritten(const std::string& db, const std::string& m, uint64_t through,
                          std::chrono::milliseconds timeout) {
  auto pending = [&](uint64_t seq, const std::string& pdb, const std::string& pm) {
    return seq <= through && pm == m && pdb == db;
  };
  std::unique_lock<std::mutex> lock(mu_);
  return room_cv_.wait_for(lock, timeout, [&] {
    for (const Pending& p : queue_) {
      for (const FlushPart& part : p.job.parts) {
        if (pending(part.seq, part.target.database, part.target.measurement)) return false;
      }
    }
    for (const std::vector<PartKey>* keys : running_parts_) {
      for (const PartKey& k : *keys) {
        if (pending(k.seq, k.database, k.measurement)) return false;
      }
    }
    return true;
  });
}

bool Flusher::HasRoom() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_.pending_rows < options_.max_pending_rows &&
         stats_.pending_bytes < options_.max_pending_bytes &&
         stats_.pending_parts < options_.max_pending_parts;
}

bool Flusher::WaitForRoom(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return room_cv_.wait_for(lock, timeout, [&] {
    return stats_.pending_rows < options_.max_pending_rows &&
           stats_.pending_bytes < options_.max_pending_bytes &&
           stats_.pending_parts < options_.max_pending_parts;
  });
}

void Flusher::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  room_cv_.wait(lock, [&] { return queue_.empty() && in_flight_ == 0; });
}

bool Flusher::DrainFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return room_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; });
}

void Flusher::Stop(std::chrono::milliseconds give_up) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    give_up_at_ = Clock::now() + give_up;
    work_cv_.notify_all();
    // Long drains (thousands of measurements) report progress like the seed's log lines.
    auto done = [&] { return (queue_.empty() && in_flight_ == 0) || Clock::now() >= give_up_at_; };
    while (!room_cv_.wait_until(lock, std::min(Clock::now() + std::chrono::seconds(5), give_up_at_),
                                done)) {
      LOG_INFO("shutdown: " << stats_.pending_rows << " rows of " << stats_.pending_parts
                            << " measurements left to flush");
    }
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Pending& p : queue_) {
    for (const FlushPart& part : p.job.parts) {
      LOG_WARN("flush of " << part.target.database << "." << part.target.measurement << " ("
                           << part.rows << " rows) abandoned at shutdown (" << p.job.attempts
                           << " failed attempts): "
                           << (part.lsns.empty()
                                   ? "these rows are lost"
                                   : "they stay in the WAL and are replayed at the next start"));
      stats_.rows_dropped += part.rows;
      Forget(part);
    }
  }
  queue_.clear();
  room_cv_.notify_all();
}

FlusherStats Flusher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

// Takes the first job whose retry time has come. Returns false when the thread should exit.
bool Flusher::PopReady(Pending* out, std::unique_lock<std::mutex>* lock) {
  for (;;) {
    const auto now = Clock::now();
    // Shutdown is bounded: past the deadline nothing more is started, ready or not.
    if (stopping_ && now >= give_up_at_) return false;
    // Held (start-up): memory may hold the queue up to its memory and file bounds. Not up to
    // the rows bound: that one paces live writers (4 buffers per worker by default, a fraction
    // of a WAL), and flushing past it made the replay share the cores with the flush.
    if (held_ && !stopping_ && stats_.pending_bytes < options_.max_pending_bytes &&
        stats_.pending_parts < options_.max_pending_parts) {
      work_cv_.wait(*lock);
      continue;
    }
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const Pending& p) { return p.ready_at <= now; });
    if (it != queue_.end()) {
      *out = std::move(*it);
      queue_.erase(it);
      ++in_flight_;
      return true;
    }
    if (stopping_ && (queue_.empty() || now >= give_up_at_)) return false;
    auto next = Clock::time_point::max();
    for (const Pending& p : queue_) next = std::min(next, p.ready_at);
    if (stopping_) next = std::min(next, give_up_at_);
    if (next == Clock::time_point::max())
      work_cv_.wait(*lock);
    else
      work_cv_.wait_until(*lock, next);
  }
}

void Flusher::ListUnpublished(std::set<std::pair<std::string, std::string>>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto add = [&](const FlushJob& j) {
    for (const FlushPart& p : j.parts) out->emplace(p.target.database, p.target.measurement);
  };
  for (const Pending& p : queue_) add(p.job);
  for (const FlushJob* j : in_flight_jobs_) add(*j);
}

bool Flusher::HasUnpublished(const std::string& db, const std::string& m) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto match = [&](const FlushJob& j) {
    return std::any_of(j.parts.begin(), j.parts.end(), [&](const FlushPart& p) {
      return p.target.database == db && p.target.measurement == m;
    });
  };
  for (const Pending& p : queue_) {
    if (match(p.job)) return true;
  }
  for (const FlushJob* j : in_flight_jobs_) {
    if (match(*j)) return true;
  }
  return false;
}

void Flusher::UnpublishedColumns(const std::string& db, const std::string& m,
                                 std::vector<SchemaColumn>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto add = [&](const FlushJob& job) {
    for (const FlushPart& part : job.parts) {
      if (part.target.database != db || part.target.measurement != m) continue;
      for (const Batch& b : part.batches) {
        for (const Column& c : b.columns) out->push_back({c.name(), c.type(), c.is_tag()});
      }
    }
  };
  for (const Pending& p : queue_) add(p.job);
  for (const FlushJob* job : in_flight_jobs_) add(*job);
}

void Flusher::CopyUnpublished(const std::string& db, const std::string& m,
                              std::vector<Batch>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto copy = [&](const FlushJob& job) {
    for (const FlushPart& part : job.parts) {
      if (part.target.database != db || part.target.measurement != m) continue;
      out->insert(out->end(), part.batches.begin(), part.batches.end());
    }
  };
  for (const Pending& p : queue_) copy(p.job);
  for (const FlushJob* job : in_flight_jobs_) copy(*job);
}

void Flusher::Run(ParquetWriter* writer) {
  std::unique_lock<std::mutex> lock(mu_);
  Pending p;
  while (PopReady(&p, &lock)) {
    in_flight_jobs_.push_back(&p.job);
    std::vector<PartKey> keys;
    for (const FlushPart& part : p.job.parts)
      keys.push_back({part.seq, part.target.database, part.target.measurement});
    running_parts_.push_back(&keys);
    lock.unlock();
    const auto start = Clock::now();
    const int attempts = p.job.attempts;
    Attempt attempt = Write(writer, &p);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!attempt.done.parts.empty() && on_written_) on_written_(attempt.done, attempt.files);
    if (live_ != nullptr) live_->EndSettling(attempt.settling);  // recorded, or withdrawn
    Account(attempt, p.job.worker, attempts, seconds);
    lock.lock();
    running_parts_.erase(std::find(running_parts_.begin(), running_parts_.end(), &keys));
    --in_flight_;
    room_cv_.notify_all();
  }
}

Status Flusher::DeleteStaleFiles(FlushPart* part) {
  for (const std::string& path : part->stale_files) {
    Status st = storage_->Delete(path);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  }
  part->stale_files.clear();
  return Status::OK();
}

Flusher::Fate Flusher::PreparePart(ParquetWriter* writer, FlushPart* part,
                                   std::vector<DataFile>* files, Status* error) {
  *error = DeleteStaleFiles(part);
  if (!error->ok()) return Fate::kTransient;
  if (quarantine_ != nullptr && part->data_failures >= kDataFailuresBeforeQuarantine) {
    *error = QuarantinePart(*part);
    return error->ok() ? Fate::kQuarantined : Fate::kTransient;
  }
  Result<std::vector<DataFile>> written = writer->Prepare(part->target, part->batches);
  if (written.ok()) {
    files->insert(files->end(), written->begin(), written->end());
    return Fate::kPublish;
  }
  *error = written.status();
  if (quarantine_ == nullptr) return Fate::kTransient;
  if (IsDataDependent(*error)) return Fate::kData;
  // Running out of memory may be the rows' fault (one huge request) or the machine's: after a
  // few such failures the part is treated like a data failure, so a huge request is isolated
  // instead of holding the watermark back forever. A full disk never is.
  if (error->code() == StatusCode::kUnavailable &&
      ++part->suspect_failures >= kSuspectFailuresBeforeSplit) {
    return Fate::kData;
  }
  return Fate::kTransient;
}

// One attempt at a job. Temp files are written and made durable (Stage) without any lock;
// only Expose (renames) runs under the view lock held shared, together with moving the
// parts out of in_flight_jobs_ (to done or back to the queue), so a query, which takes the
// view lock exclusively for its snapshot, sees each row in exactly one place. Seal (syncing
// the names) runs after; if it fails the files are withdrawn and the rows requeued, again
// under the view lock.
Flusher::Attempt Flusher::Write(ParquetWriter* writer, Pending* p) {
  Attempt a;
  a.done.worker = a.transient.worker = p->job.worker;
  a.transient.attempts = p->job.attempts + 1;
  const size_t n = p->job.parts.size();
  std::vector<Fate> fate(n);
  std::vector<Status> errors(n);
  std::vector<size_t> owner;  // owner[f]: the part of a.files[f]
  for (size_t i = 0; i < n; ++i) {
    fate[i] = PreparePart(writer, &p->job.parts[i], &a.files, &errors[i]);
    owner.resize(a.files.size(), i);
  }
  auto fail_published = [&](const Status& st) {
    for (Fate& f : fate) {
      if (f == Fate::kPublish) f = Fate::kTransient;
    }
    for (size_t i = 0; i < n; ++i) {
      if (fate[i] == Fate::kTransient && errors[i].ok()) errors[i] = st;
    }
  };
  bool published = !a.files.empty();
  if (published) {
    Status st = storage_->Stage(&a.files);
    if (!st.ok()) fail_published(st);
    published = st.ok();
  }
  if (published && live_ != nullptr) {
    for (const DataFile& f : a.files) a.settling.push_back(f.relative_path);
    live_->BeginSettling(a.settling);
  }
  if (view_lock_ != nullptr) view_lock_->lock_shared();
  if (published) {
    Status st = storage_->Expose(&a.files);
    if (!st.ok()) fail_published(st);
    published = st.ok();
  }
  Settle(&p->job, fate, errors, a.files, owner, &a);
  if (view_lock_ != nullptr) view_lock_->unlock_shared();
  if (!published) a.files.clear();  // withdrawn: nothing of them is written
  if (published) {
    Status st = storage_->Seal(&a.files);
    if (!st.ok()) {
      // The names may not survive a crash, so the rows must not count as written: the files
      // go (Seal withdrew them) and the rows go back to the queue, under the view lock.
      if (view_lock_ != nullptr) view_lock_->lock_shared();
      std::lock_guard<std::mutex> lock(mu_);
      FlushJob retry;
      retry.worker = p->job.worker;
      retry.attempts = p->job.attempts + 1;
      for (FlushPart& part : a.done.parts) {
        for (const DataFile& f : a.files) {
          if (f.exposed) part.stale_files.push_back(f.relative_path);
        }
        stats_.pending_rows += static_cast<int64_t>(part.rows);
        stats_.pending_bytes += static_cast<int64_t>(part.bytes);
        stats_.pending_parts += 1;
        retry.parts.push_back(std::move(part));
      }
      a.failed_parts += retry.parts.size();
      a.failed_example =
          retry.parts.front().target.database + "." + retry.parts.front().target.measurement;
      a.done.parts.clear();
      a.files.clear();
      if (a.error.ok()) a.error = st;
      const auto delay = Backoff(retry.attempts);
      Requeue(std::move(retry), delay);
      if (view_lock_ != nullptr) view_lock_->unlock_shared();
    }
  }
  return a;
}

void Flusher::Settle(FlushJob* job, const std::vector<Fate>& fate,
                     const std::vector<Status>& errors, const std::vector<DataFile>& files,
                     const std::vector<size_t>& owner, Attempt* a) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_jobs_.erase(std::find(in_flight_jobs_.begin(), in_flight_jobs_.end(), job));
  for (size_t i = 0; i < job->parts.size(); ++i) {
    FlushPart& part = job->parts[i];
    if (!errors[i].ok() && a->error.ok()) a->error = errors[i];
    // Files of this part that a failed publication could not withdraw.
    for (size_t f = 0; f < files.size(); ++f) {
      if (owner[f] == i && files[f].exposed && fate[i] != Fate::kPublish) {
        part.stale_files.push_back(files[f].relative_path);
      }
    }
    switch (fate[i]) {
      case Fate::kQuarantined:
        a->quarantined_rows += part.rows;
        [[fallthrough]];
      case Fate::kPublish:
        Forget(part);
        a->done.parts.push_back(std::move(part));
        break;
      case Fate::kTransient:
        a->transient.parts.push_back(std::move(part));
        break;
      case Fate::kData:
        // The first line says what failed; the rest is the engine pointing into our SQL.
        part.last_error = errors[i].message().substr(0, errors[i].message().find('\n'));
        a->data_failed.push_back(std::move(part));
        break;
    }
  }
  a->failed_parts = a->transient.parts.size() + a->data_failed.size();
  a->failures_split = a->transient.parts.empty() && !a->data_failed.empty();
  if (a->failed_parts > 0) {
    const FlushPart& first =
        !a->transient.parts.empty() ? a->transient.parts.front() : a->data_failed.front();
    a->failed_example = first.target.database + "." + first.target.measurement;
  }
  // Back to the queue before the view lock is released: never out of a query's sight.
  if (!a->transient.parts.empty()) {
    const auto delay = Backoff(a->transient.attempts);
    Requeue(std::move(a->transient), delay);
  }
  for (FlushPart& part : a->data_failed) {
    FlushJob retry;
    retry.worker = job->worker;
    if (part.batches.size() > 1) {
      const int64_t bytes_before = static_cast<int64_t>(part.bytes);
      auto [first, second] = Bisect(std::move(part), job->worker);
      stats_.pending_parts += 1;
      stats_.pending_bytes += static_cast<int64_t>(first.bytes + second.bytes) - bytes_before;
      retry.parts.push_back(std::move(first));
      retry.parts.push_back(std::move(second));
      Requeue(std::move(retry), std::chrono::milliseconds(0));
    } else {
      ++part.data_failures;
      retry.parts.push_back(std::move(part));
      Requeue(std::move(retry), kDataRetryDelay);
    }
  }
}

Status Flusher::QuarantinePart(const FlushPart& part) {
  std::vector<std::string> payloads;
  for (const Batch& b : part.batches) {
    BatchSet set(part.target.database);
    set.batches().push_back(b);
    payloads.push_back(EncodeBatchSet(set));
  }
  // With the WAL the request's LSN names it: a crash before the watermark moves replays the
  // request, which fails again, and the quarantine keeps one record, not two.
  const std::string key =
      part.lsns.empty() ? std::string()
                        : "w" + std::to_string(part.lsns.front()) + "/" + part.target.database +
                              "/" + part.target.measurement + "/" + part.target.file_stem;
  return quarantine_
      ->Add(part.target.database, part.target.measurement, payloads, part.rows,
            "writing these rows to Parquet failed " + std::to_string(part.data_failures) +
                " times: " + part.last_error,
            "flush", key)
      .status();
}

void Flusher::Requeue(FlushJob job, std::chrono::milliseconds delay) {
  queue_.push_back({std::move(job), Clock::now() + delay});
  work_cv_.notify_one();
}

void Flusher::Forget(const FlushPart& part) {
  stats_.pending_rows -= static_cast<int64_t>(part.rows);
  stats_.pending_bytes -= static_cast<int64_t>(part.bytes);
  stats_.pending_parts -= 1;
}

void Flusher::Account(const Attempt& a, int worker, int attempts, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.flush_seconds += seconds;
  size_t rows = 0;
  for (const FlushPart& part : a.done.parts) rows += part.rows;
  if (!a.done.parts.empty()) {
    ++stats_.jobs_written;
    stats_.files_written += a.files.size();
    for (const DataFile& f : a.files) {
      stats_.rows_written += f.rows;
      stats_.bytes_written += f.bytes;
    }
    stats_.rows_quarantined += a.quarantined_rows;
    for (size_t i = 0; i < std::size(kFlushBucketsSeconds); ++i) {
      if (seconds <= kFlushBucketsSeconds[i]) {
        ++stats_.flush_buckets[i];
        break;
      }
    }
    if (seconds >= 1.0) {  // big flushes are reported like the seed's long-work lines
      LOG_INFO("flushed " << a.done.parts.size() << " measurements of worker " << worker << ": "
                          << rows << " rows, " << a.files.size() << " files in " << seconds
                          << " s");
    } else {
      LOG_DEBUG("flushed " << a.done.parts.size() << " measurements: " << rows << " rows, "
                           << a.files.size() << " files, " << seconds * 1000 << " ms");
    }
  }
  if (a.failed_parts > 0) {
    ++stats_.errors;
    LOG_ERROR("flush of "
              << a.failed_example
              << (a.failed_parts > 1 ? " and " + std::to_string(a.failed_parts - 1) + " more" : "")
              << " failed, attempt " << attempts + 1 << ", "
              << (a.failures_split
                      ? "splitting it to isolate the rows at fault"
                      : "retrying in " + std::to_string(Backoff(attempts + 1).count()) + " ms")
              << ": " << a.error.ToString());
  }
}

}  // namespace arc
