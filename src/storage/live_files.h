// LiveFileSet: which data files a query may read while file-set switches run
// (docs/lifecycle.md). A switch retires its inputs when it exposes its outputs; listings skip
// retired files from then on. Queries pin the set while they read: a switch deletes its inputs
// only once every query that might have listed them has finished. It also owns the view lock
// (queries take it exclusively for their snapshot; moving rows or files takes it shared) and
// knows which files are still settling: exposed by the flusher but not yet recorded as
// written (docs/lifecycle.md, "Composition with the WAL"), which no switch may consume.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/rw_lock.h"

namespace arc {

class LiveFileSet {
 public:
  // Held by a query from its snapshot until it has read its files. Movable; releases on
  // destruction.
  class Pin {
   public:
    Pin() = default;
    Pin(LiveFileSet* set, uint64_t epoch) : set_(set), epoch_(epoch) {}
    Pin(Pin&& o) noexcept : set_(o.set_), epoch_(o.epoch_) { o.set_ = nullptr; }
    Pin& operator=(Pin&& o) noexcept;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    ~Pin() { Release(); }
    void Release();

   private:
    LiveFileSet* set_ = nullptr;
    uint64_t epoch_ = 0;
  };

  // Pins the current file set. Take it under the same lock as the listing it protects.
  // Thread-safe.
  Pin PinNow();
  // Retires `relative_paths` (listings skip them from now on) and returns the epoch a later
  // WaitDrained needs. Call under the view lock, together with exposing the replacements.
  // Thread-safe.
  uint64_t Retire(const std::vector<std::string>& relative_paths);
  // Blocks until no pin taken before the Retire that returned `epoch` is held. Thread-safe.
  void WaitDrained(uint64_t epoch);
  // The retired files were deleted: they leave the set. Thread-safe.
  void Forget(const std::vector<std::string>& relative_paths);
  // True when `relative_path` (<db>/<m>/YYYY/MM/DD/HH/<file>) is retired. Thread-safe.
  bool IsRetired(const std::string& relative_path) const;
  // True when any retired file lies below `relative_dir` (e.g. "<db>/<m>/"). Thread-safe.
  bool AnyRetiredBelow(const std::string& relative_dir) const;

  // The flusher marks files from before their Expose until their rows are recorded as
  // written (or the files withdrawn). Thread-safe.
  void BeginSettling(const std::vector<std::string>& relative_paths);
  void EndSettling(const std::vector<std::string>& relative_paths);
  bool IsSettling(const std::string& relative_path) const;

  RwLock* view_lock() { return &view_lock_; }

 private:
  void Unpin(uint64_t epoch);

  mutable std::mutex mu_;
  std::condition_variable drained_;
  uint64_t epoch_ = 0;
  std::map<uint64_t, int> pins_;  // epoch → pins held
  std::set<std::string> retired_;
  std::multiset<std::string> settling_;
  RwLock view_lock_;
};

}  // namespace arc
