#include "server/idle_connections.h"

namespace arc {

IdleConnections::Id IdleConnections::Add(std::function<void()> close) {
  std::lock_guard<std::mutex> lock(mu_);
  const Id id = next_++;
  entries_.push_back({id, Clock::now(), std::move(close)});
  index_.emplace(id, std::prev(entries_.end()));
  return id;
}

void IdleConnections::Remove(Id id) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = index_.find(id);
  if (it == index_.end()) return;
  entries_.erase(it->second);
  index_.erase(it);
}

bool IdleConnections::EvictOldest(std::chrono::milliseconds min_wait) {
  std::function<void()> close;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.empty() || Clock::now() - entries_.front().since < min_wait) return false;
    close = std::move(entries_.front().close);
    index_.erase(entries_.front().id);
    entries_.pop_front();
  }
  close();  // outside the lock: it may end up in Remove (ignored: already gone)
  return true;
}

size_t IdleConnections::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace arc
