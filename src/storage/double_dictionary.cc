#include "storage/double_dictionary.h"

#include <cstring>

namespace arc {
namespace {

constexpr int kInitialBits = 10;  // 1,024 slots: a chunk of few values stays in L1

uint64_t BitsOf(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  return bits;
}

}  // namespace

void DoubleDictionary::Reset(size_t limit) {
  limit_ = limit;
  values_.clear();
  keys_.assign(size_t{1} << kInitialBits, 0);
  numbers_.assign(size_t{1} << kInitialBits, 0);
  shift_ = 64 - kInitialBits;
}

// Fibonacci hashing: the top bits of a multiplication spread doubles that differ only in
// their low mantissa bits (the common case) over the whole table.
size_t DoubleDictionary::SlotOf(uint64_t bits) const {
  return static_cast<size_t>((bits * 0x9E3779B97F4A7C15ull) >> shift_);
}

int64_t DoubleDictionary::IndexOf(double v) {
  const uint64_t bits = BitsOf(v);
  const size_t mask = keys_.size() - 1;
  for (size_t slot = SlotOf(bits);; slot = (slot + 1) & mask) {
    if (numbers_[slot] == 0) break;
    if (keys_[slot] == bits) return numbers_[slot] - 1;
  }
  if (values_.size() >= limit_) return -1;
  values_.push_back(v);
  // Kept at most half full, so probes stay short.
  if (values_.size() * 2 > keys_.size()) {
    Grow();
  } else {
    size_t slot = SlotOf(bits);
    while (numbers_[slot] != 0) slot = (slot + 1) & mask;
    keys_[slot] = bits;
    numbers_[slot] = static_cast<uint32_t>(values_.size());
  }
  return static_cast<int64_t>(values_.size()) - 1;
}

// Doubles the table and re-inserts every numbered value (the newest included).
void DoubleDictionary::Grow() {
  keys_.assign(keys_.size() * 2, 0);
  numbers_.assign(numbers_.size() * 2, 0);
  --shift_;
  const size_t mask = keys_.size() - 1;
  for (size_t i = 0; i < values_.size(); ++i) {
    const uint64_t bits = BitsOf(values_[i]);
    size_t slot = SlotOf(bits);
    while (numbers_[slot] != 0) slot = (slot + 1) & mask;
    keys_[slot] = bits;
    numbers_[slot] = static_cast<uint32_t>(i + 1);
  }
}

}  // namespace arc
