#include "storage/live_files.h"

namespace arc {

LiveFileSet::Pin& LiveFileSet::Pin::operator=(Pin&& o) noexcept {
  if (this != &o) {
    Release();
    set_ = o.set_;
    epoch_ = o.epoch_;
    o.set_ = nullptr;
  }
  return *this;
}

void LiveFileSet::Pin::Release() {
  if (set_ != nullptr) set_->Unpin(epoch_);
  set_ = nullptr;
}

LiveFileSet::Pin LiveFileSet::PinNow() {
  std::lock_guard<std::mutex> lock(mu_);
  ++pins_[epoch_];
  return Pin(this, epoch_);
}

void LiveFileSet::Unpin(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pins_.find(epoch);
  if (it != pins_.end() && --it->second == 0) pins_.erase(it);
  drained_.notify_all();
}

uint64_t LiveFileSet::Retire(const std::vector<std::string>& relative_paths) {
  std::lock_guard<std::mutex> lock(mu_);
  retired_.insert(relative_paths.begin(), relative_paths.end());
  // Pins taken from now on see the set without these files.
  return ++epoch_;
}

void LiveFileSet::WaitDrained(uint64_t epoch) {
  std::unique_lock<std::mutex> lock(mu_);
  drained_.wait(lock, [&] { return pins_.empty() || pins_.begin()->first >= epoch; });
}

void LiveFileSet::Forget(const std::vector<std::string>& relative_paths) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& p : relative_paths) retired_.erase(p);
}

bool LiveFileSet::IsRetired(const std::string& relative_path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return retired_.count(relative_path) > 0;
}

bool LiveFileSet::AnyRetiredBelow(const std::string& relative_dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = retired_.lower_bound(relative_dir);
  return it != retired_.end() && it->compare(0, relative_dir.size(), relative_dir) == 0;
}

void LiveFileSet::BeginSettling(const std::vector<std::string>& relative_paths) {
  std::lock_guard<std::mutex> lock(mu_);
  settling_.insert(relative_paths.begin(), relative_paths.end());
}

void LiveFileSet::EndSettling(const std::vector<std::string>& relative_paths) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& p : relative_paths) {
    auto it = settling_.find(p);
    if (it != settling_.end()) settling_.erase(it);
  }
}

bool LiveFileSet::IsSettling(const std::string& relative_path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return settling_.count(relative_path) > 0;
}

}  // namespace arc
