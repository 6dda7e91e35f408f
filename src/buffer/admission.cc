#include "buffer/admission.h"

namespace arc {

using Clock = std::chrono::steady_clock;

Admission::Admission(Flusher* flusher, std::chrono::milliseconds max_wait, size_t max_queued_bytes)
    : flusher_(flusher), max_wait_(max_wait), max_queued_bytes_(max_queued_bytes),
      thread_([this] { Run(); }) {}

Admission::~Admission() { Stop(); }

void Admission::Enter(size_t bytes, Admit admit, Refuse refuse) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) {
      lock.unlock();
      return refuse(Status::Unavailable("server is shutting down"));
    }
    // Nobody may pass those already waiting (first come, first served).
    if (!queue_.empty() || !flusher_->HasRoom()) {
      if (queued_bytes_ + bytes > max_queued_bytes_ && !queue_.empty()) {
        lock.unlock();
        return refuse(Status::Unavailable("storage is behind and too many writes are waiting; retry later"));
      }
      queued_bytes_ += bytes;
      queue_.push_back({bytes, std::move(admit), std::move(refuse), Clock::now() + max_wait_});
      cv_.notify_one();
      return;
    }
  }
  admit();
}

void Admission::Stop() {
  std::deque<Waiter> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    refused.swap(queue_);
    queued_bytes_ = 0;
    cv_.notify_all();
  }
  for (Waiter& w : refused) w.refuse(Status::Unavailable("server is shutting down"));
  if (thread_.joinable()) thread_.join();
}

size_t Admission::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

// Serves the queue in order: the head is admitted as soon as the flusher has room, and
// every waiter past its deadline is refused. Room is polled in short waits so deadlines and
// Stop are noticed promptly.
void Admission::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const auto now = Clock::now();
    std::deque<Waiter> expired;
    while (!queue_.empty() && queue_.front().deadline <= now) {
      queued_bytes_ -= queue_.front().bytes;
      expired.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!expired.empty()) {
      lock.unlock();
      for (Waiter& w : expired) {
        w.refuse(Status::Unavailable("flush queue is full (storage is slower than ingest); retry later"));
      }
      lock.lock();
      continue;
    }
    lock.unlock();
    const bool room = flusher_->WaitForRoom(std::chrono::milliseconds(20));
    lock.lock();
    if (!room || queue_.empty() || stopping_) continue;
    Waiter head = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= head.bytes;
    lock.unlock();
    head.admit();
    lock.lock();
  }
}

}  // namespace arc
