#include "buffer/flusher.h"

#include <algorithm>

#include "common/logging.h"

namespace arc {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<Flusher>> Flusher::Start(const DuckDatabase& db, Storage* storage,
                                                Options options, OnWritten on_written) {
  auto f = std::make_unique<Flusher>(options, std::move(on_written));
  for (int i = 0; i < options.threads; ++i) {
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<ParquetWriter> w,
                         ParquetWriter::Create(db, storage, options.compression));
    f->writers_.push_back(std::move(w));
  }
  for (auto& w : f->writers_) f->threads_.emplace_back([fp = f.get(), wp = w.get()] { fp->Run(wp); });
  return f;
}

Flusher::Flusher(Options options, OnWritten on_written)
    : options_(std::move(options)), on_written_(std::move(on_written)) {}

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
    LOG_ERROR("flush of " << p.job.database << "." << p.job.measurement << " (" << p.job.rows
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

void Flusher::Run(ParquetWriter* writer) {
  std::unique_lock<std::mutex> lock(mu_);
  Pending p;
  while (PopReady(&p, &lock)) {
    lock.unlock();
    const auto start = Clock::now();
    Result<std::vector<WrittenFile>> result = writer->Write(p.job);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (result.ok() && on_written_) on_written_(p.job, *result);
    lock.lock();
    Finish(std::move(p), result, seconds);
  }
}

void Flusher::Finish(Pending p, const Result<std::vector<WrittenFile>>& result, double seconds) {
  --in_flight_;
  stats_.flush_seconds += seconds;
  if (result.ok()) {
    ++stats_.jobs_written;
    stats_.files_written += result->size();
    stats_.rows_written += p.job.rows;
    stats_.pending_rows -= static_cast<int64_t>(p.job.rows);
    LOG_DEBUG("flushed " << p.job.database << "." << p.job.measurement << ": " << p.job.rows
                         << " rows, " << result->size() << " files, " << seconds * 1000 << " ms");
  } else {
    ++stats_.errors;
    ++p.job.attempts;
    const auto delay = std::chrono::milliseconds(
        std::min<int64_t>(30000, 100LL << std::min(p.job.attempts, 9)));
    LOG_ERROR("flush of " << p.job.database << "." << p.job.measurement << " (" << p.job.rows
                          << " rows) failed, attempt " << p.job.attempts << ", retrying in "
                          << delay.count() << " ms: " << result.status().ToString());
    p.ready_at = Clock::now() + delay;
    queue_.push_back(std::move(p));
    work_cv_.notify_one();
  }
  room_cv_.notify_all();
}

}  // namespace arc
