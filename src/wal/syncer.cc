#include "wal/syncer.h"

#include "common/logging.h"

namespace arc::wal {

Syncer::Syncer(SyncMode mode, std::chrono::milliseconds async_interval)
    : mode_(mode), async_interval_(async_interval) {
  stats_.latency_buckets.assign(std::size(kSyncBucketsSeconds), 0);
}

Syncer::~Syncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Syncer::Start() { thread_ = std::thread([this] { Run(); }); }

void Syncer::Written(uint64_t lsn, std::shared_ptr<WritableFile> file) {
  std::lock_guard<std::mutex> lock(mu_);
  written_lsn_ = std::max(written_lsn_, lsn);
  if (file_ != file) file_ = std::move(file);
  if (mode_ != SyncMode::kAsync) cv_.notify_one();
}

void Syncer::SyncedThrough(uint64_t lsn) {
  std::unique_lock<std::mutex> lock(mu_);
  synced_lsn_ = std::max(synced_lsn_, lsn);
  CompleteReady(&lock);
}

// async mode answers at once: the entry is in the page cache, and the loop syncs it within
// async_interval (the README's promise: < 1 s lost on power failure, nothing on kill -9).
void Syncer::WhenDurable(uint64_t lsn, Callback done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!poison_.ok()) {
    Status why = poison_;
    lock.unlock();
    return done(why);
  }
  // Written to a file abandoned by a heal before a sync covered it: never durable. (The
  // writer releases its lock between the append and this call, so a heal can come between.)
  if (lsn >= abandoned_from_ && lsn <= abandoned_through_) {
    lock.unlock();
    return done(Status::Unavailable("the WAL segment holding this write failed and was abandoned"));
  }
  if (mode_ == SyncMode::kAsync || synced_lsn_ >= lsn) {
    lock.unlock();
    return done(Status::OK());
  }
  waiters_.push_back({lsn, std::move(done)});
  cv_.notify_one();
}

void Syncer::Poison(const Status& why) {
  std::unique_lock<std::mutex> lock(mu_);
  if (poison_.ok()) {
    poison_ = why;
    LOG_ERROR("WAL poisoned, writes on this worker answer 503 until it heals or restarts: "
              << why.ToString());
  }
  FailAll(&lock);
}

void Syncer::Abandon(uint64_t through) {
  std::lock_guard<std::mutex> lock(mu_);
  if (through > synced_lsn_) {
    abandoned_from_ = synced_lsn_ + 1;
    abandoned_through_ = through;
    synced_lsn_ = through;
  }
  abandoned_file_ = file_;
  written_lsn_ = std::max(written_lsn_, through);
  poison_ = Status::OK();
}

Status Syncer::poisoned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return poison_;
}

uint64_t Syncer::synced_lsn() const {
  std::lock_guard<std::mutex> lock(mu_);
  return synced_lsn_;
}

SyncStats Syncer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

// Calls (outside the lock) every waiter whose entry is now durable.
void Syncer::CompleteReady(std::unique_lock<std::mutex>* lock) {
  std::vector<Callback> ready;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->lsn <= synced_lsn_) {
      ready.push_back(std::move(it->done));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  if (ready.empty()) return;
  lock->unlock();
  for (Callback& cb : ready) cb(Status::OK());
  lock->lock();
}

void Syncer::FailAll(std::unique_lock<std::mutex>* lock) {
  std::vector<Waiter> failed = std::move(waiters_);
  waiters_.clear();
  const Status why = poison_;
  lock->unlock();
  for (Waiter& w : failed) w.done(why);
  lock->lock();
}

// The group-commit loop. It sleeps until an entry is written that someone waits for, then
// syncs everything written so far in one call. While that sync runs, new entries pile up and
// are covered by the next one, which starts as soon as this one returns: no timer, so the
// latency of an acknowledgement is at most two syncs and the sync rate adapts to the load
// (a fixed delay cost InfluxDB 30 % of its throughput; design.md). A failed sync poisons the
// WAL and is never retried on the same descriptor: after a failed fsync the kernel may have
// dropped the dirty pages, so a later "successful" fsync would prove nothing (fsyncgate).
void Syncer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (mode_ == SyncMode::kAsync) {
      cv_.wait_for(lock, async_interval_, [&] { return stopping_; });
    } else {
      cv_.wait(lock, [&] { return stopping_ || (poison_.ok() && written_lsn_ > synced_lsn_ && !waiters_.empty()); });
    }
    const bool work = poison_.ok() && written_lsn_ > synced_lsn_ && file_ != nullptr;
    if (!work) {
      if (stopping_) return;
      continue;
    }
    // Everything written before the sync starts is covered by it; the lock is released so
    // appends continue meanwhile.
    const uint64_t target = written_lsn_;
    std::shared_ptr<WritableFile> file = file_;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    const Status st = file->Sync(SyncKindFor(mode_));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    lock.lock();
    if (!st.ok() && file == abandoned_file_) continue;  // healed meanwhile: that file is given up
    if (!st.ok()) {
      ++stats_.sync_failures;
      lock.unlock();
      Poison(st.WithContext("WAL sync failed"));
      lock.lock();
      continue;
    }
    ++stats_.syncs;
    stats_.latency_sum_seconds += secs;
    for (size_t i = 0; i < std::size(kSyncBucketsSeconds); ++i) {
      if (secs <= kSyncBucketsSeconds[i]) {
        ++stats_.latency_buckets[i];
        break;
      }
    }
    synced_lsn_ = std::max(synced_lsn_, target);
    CompleteReady(&lock);
  }
}

}  // namespace arc::wal
