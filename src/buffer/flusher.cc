#include "buffer/flusher.h"

#include <algorithm>
#include <shared_mutex>

#include "common/logging.h"

namespace arc {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<Flusher>> Flusher::Start(const DuckDatabase& db, Storage* storage,
                                                Options options, OnWritten on_written,
                                                RwLock* view_lock) {
  auto f = std::make_unique<Flusher>(options, std::move(on_written), view_lock);
  for (int i = 0; i < options.threads; ++i) {
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<ParquetWriter> w,
                         ParquetWriter::Create(db, storage, options.compression));
    f->writers_.push_back(std::move(w));
  }
  for (auto& w : f->writers_) f->threads_.emplace_back([fp = f.get(), wp = w.get()] { fp->Run(wp); });
  return f;
}

Flusher::Flusher(Options options, OnWritten on_written, RwLock* view_lock)
    : options_(std::move(options)), on_written_(std::move(on_written)), view_lock_(view_lock) {}

Flusher::~Flusher() {
  if (!threads_.empty()) Stop(std::chrono::seconds(0));
}

void Flusher::Submit(FlushJob job) {
  if (job.rows == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  stats_.pending_rows += static_cast<int64_t>(job.rows);
  queue_.push_back({std::move(job), Clock::now()});
  work_cv_.notify_one();
}

bool Flusher::WaitForRoom(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return room_cv_.wait_for(lock, timeout,
                           [&] { return stats_.pending_rows < options_.max_pending_rows; });
}

void Flusher::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  room_cv_.wait(lock, [&] { return queue_.empty() && in_flight_ == 0; });
}

bool Flusher::DrainFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return room_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; });
}

void Flusher::Stop(std::chrono::seconds give_up) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    give_up_at_ = Clock::now() + give_up;
    work_cv_.notify_all();
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Pending& p : queue_) {
    LOG_ERROR("flush of " << p.job.target.database << "." << p.job.target.measurement << " (" << p.job.rows
                          << " rows) abandoned at shutdown after " << p.job.attempts
                          << " failed attempts: "
                          << (p.job.lsns.empty() ? "these rows are lost"
                                                 : "they stay in the WAL and are replayed at the next start"));
    stats_.rows_dropped += p.job.rows;
    stats_.pending_rows -= static_cast<int64_t>(p.job.rows);
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
    if (next == Clock::time_point::max()) work_cv_.wait(*lock);
    else work_cv_.wait_until(*lock, next);
  }
}

bool Flusher::HasUnpublished(const std::string& db, const std::string& m) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto match = [&](const FlushJob& j) { return j.target.database == db && j.target.measurement == m; };
  for (const Pending& p : queue_) {
    if (match(p.job)) return true;
  }
  for (const FlushJob* j : in_flight_jobs_) {
    if (match(*j)) return true;
  }
  return false;
}

void Flusher::CopyUnpublished(const std::string& db, const std::string& m,
                              std::vector<Batch>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto copy = [&](const FlushJob& job) {
    if (job.target.database != db || job.target.measurement != m) return;
    out->insert(out->end(), job.batches.begin(), job.batches.end());
  };
  for (const Pending& p : queue_) copy(p.job);
  for (const FlushJob* job : in_flight_jobs_) copy(*job);
}

// One flusher thread. Writing the temp files (Prepare) runs without the view lock, because
// it is the slow part and queries must not wait for it. Publishing (renames or uploads) and
// dropping the job from in_flight_jobs_ happen under the view lock held shared, so a query
// (which takes it exclusively for its snapshot) sees the rows either in the job or in the
// published files, never in both and never in neither.
void Flusher::Run(ParquetWriter* writer) {
  std::unique_lock<std::mutex> lock(mu_);
  Pending p;
  while (PopReady(&p, &lock)) {
    in_flight_jobs_.push_back(&p.job);
    lock.unlock();
    const auto start = Clock::now();
    Result<std::vector<WrittenFile>> result = std::vector<WrittenFile>{};
    Result<ParquetWriter::Prepared> prepared = writer->Prepare(p.job.target, p.job.batches);
    if (!prepared.ok()) {
      result = prepared.status();
      lock.lock();
    } else {
      // Publishing the files and forgetting the job is one step for queries.
      if (view_lock_ != nullptr) view_lock_->lock_shared();
      result = writer->Publish(std::move(*prepared));
      lock.lock();
      // On failure the job goes back to the queue in Finish, under this same mu_ hold.
      in_flight_jobs_.erase(std::find(in_flight_jobs_.begin(), in_flight_jobs_.end(), &p.job));
      if (view_lock_ != nullptr) view_lock_->unlock_shared();
    }
    in_flight_jobs_.erase(std::remove(in_flight_jobs_.begin(), in_flight_jobs_.end(), &p.job),
                          in_flight_jobs_.end());
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (result.ok() && on_written_) {
      lock.unlock();
      on_written_(p.job, *result);
      lock.lock();
    }
    Finish(std::move(p), result, seconds);
  }
}

// A failed job goes back to the queue with exponential backoff (100 ms doubling to 30 s): its
// rows were acknowledged, so it is never dropped while the server runs, and the backoff keeps
// a storage outage from turning into a busy loop.
void Flusher::Finish(Pending p, const Result<std::vector<WrittenFile>>& result, double seconds) {
  --in_flight_;
  stats_.flush_seconds += seconds;
  if (result.ok()) {
    ++stats_.jobs_written;
    stats_.files_written += result->size();
    stats_.rows_written += p.job.rows;
    for (const WrittenFile& f : *result) stats_.bytes_written += f.bytes;
    for (size_t i = 0; i < std::size(kFlushBucketsSeconds); ++i) {
      if (seconds <= kFlushBucketsSeconds[i]) {
        ++stats_.flush_buckets[i];
        break;
      }
    }
    stats_.pending_rows -= static_cast<int64_t>(p.job.rows);
    if (seconds >= 1.0) {  // big flushes are reported like the seed's long-work lines
      LOG_INFO("flushed " << p.job.target.database << "." << p.job.target.measurement << ": " << p.job.rows
                          << " rows, " << result->size() << " files in " << seconds << " s");
    } else {
      LOG_DEBUG("flushed " << p.job.target.database << "." << p.job.target.measurement << ": " << p.job.rows
                           << " rows, " << result->size() << " files, " << seconds * 1000 << " ms");
    }
  } else {
    ++stats_.errors;
    ++p.job.attempts;
    const auto delay = std::chrono::milliseconds(
        std::min<int64_t>(30000, 100LL << std::min(p.job.attempts, 9)));
    LOG_ERROR("flush of " << p.job.target.database << "." << p.job.target.measurement << " (" << p.job.rows
                          << " rows) failed, attempt " << p.job.attempts << ", retrying in "
                          << delay.count() << " ms: " << result.status().ToString());
    p.ready_at = Clock::now() + delay;
    queue_.push_back(std::move(p));
    work_cv_.notify_one();
  }
  room_cv_.notify_all();
}

}  // namespace arc
