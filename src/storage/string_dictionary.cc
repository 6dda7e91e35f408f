#include "storage/string_dictionary.h"

#include "common/hash.h"

namespace arc {
namespace {

constexpr int kInitialBits = 8;  // tags have few values: 256 slots (4 KB) stay in L1

}  // namespace

void StringDictionary::Reset(size_t limit, size_t limit_bytes) {
  limit_ = limit;
  limit_bytes_ = limit_bytes;
  bytes_ = 0;
  values_.clear();
  hashes_.clear();
  Resize(kInitialBits);
}

int64_t StringDictionary::IndexOf(std::string_view s) {
  const uint64_t hash = HashBytes(s);
  const size_t mask = slots_.size() - 1;
  size_t slot = static_cast<size_t>(hash >> shift_);
  for (; slots_[slot].number != 0; slot = (slot + 1) & mask) {
    if (slots_[slot].hash == hash && values_[slots_[slot].number - 1] == s)
      return slots_[slot].number - 1;
  }
  if (values_.size() >= limit_ || bytes_ + s.size() > limit_bytes_) return -1;
  values_.push_back(s);
  hashes_.push_back(hash);
  bytes_ += s.size();
  const uint32_t number = static_cast<uint32_t>(values_.size());
  // Kept at most half full, so probes stay short.
  if (values_.size() * 2 > slots_.size()) {
    Resize(65 - shift_);
  } else {
    slots_[slot] = {hash, number, 0};
  }
  return static_cast<int64_t>(number) - 1;
}

void StringDictionary::Insert(uint64_t hash, uint32_t number) {
  const size_t mask = slots_.size() - 1;
  size_t slot = static_cast<size_t>(hash >> shift_);
  while (slots_[slot].number != 0) slot = (slot + 1) & mask;
  slots_[slot] = {hash, number, 0};
}

// A table of 2^bits empty slots, then every numbered value re-inserted (the newest included).
void StringDictionary::Resize(int bits) {
  slots_.assign(size_t{1} << bits, Slot{0, 0, 0});
  shift_ = 64 - bits;
  for (size_t i = 0; i < hashes_.size(); ++i) Insert(hashes_[i], static_cast<uint32_t>(i + 1));
}

}  // namespace arc
