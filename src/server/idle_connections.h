// IdleConnections: the connections waiting for a request head (new ones, and kept-alive ones
// between requests), oldest first. At the connection cap the server closes the one that has
// waited longest to make room for a new client, so sockets held open by an attacker (or
// forgotten by a careless client) cannot lock everyone else out; it refuses (503) only when
// no connection has been waiting for at least the given time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>

namespace arc {

class IdleConnections {
 public:
  using Id = uint64_t;
  using Clock = std::chrono::steady_clock;

  // Registers a connection that starts waiting now. `close` closes it; it is called at most
  // once, on the evicting thread, so it must be safe there (post to the connection's strand).
  // Thread-safe.
  Id Add(std::function<void()> close);
  // The connection stopped waiting (its head arrived, or it closed). Unknown ids (already
  // evicted, or 0) are ignored. Thread-safe.
  void Remove(Id id);
  // Closes the connection that has waited longest if it has waited at least `min_wait`;
  // true when one was closed. Thread-safe.
  bool EvictOldest(std::chrono::milliseconds min_wait);
  size_t size() const;

 private:
  struct Entry {
    Id id;
    Clock::time_point since;
    std::function<void()> close;
  };
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // oldest first: entries are only appended
  std::unordered_map<Id, std::list<Entry>::iterator> index_;
  Id next_ = 1;
};

}  // namespace arc
