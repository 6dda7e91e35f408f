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
  // The table stays as large as a previous chunk made it, if this chunk may fill it half.
  int bits = kInitialBits;
  while (bits < 64 - shift_ && (size_t{1} << bits) < 2 * limit) ++bits;
  Resize(bits);
}

// Fibonacci hashing: the top bits of a multiplication spread doubles that differ only in
// their low mantissa bits (the common case) over the whole table.
size_t DoubleDictionary::SlotOf(uint64_t bits) const {
  return static_cast<size_t>((bits * 0x9E3779B97F4A7C15ull) >> shift_);
}

int64_t DoubleDictionary::IndexOf(double v) {
  const uint64_t bits = BitsOf(v);
  const size_t mask = slots_.size() - 1;
  size_t slot = SlotOf(bits);
  for (; slots_[slot].number != 0; slot = (slot + 1) & mask) {
    if (slots_[slot].bits == bits) return slots_[slot].number - 1;
  }
  if (values_.size() >= limit_) return -1;
  values_.push_back(v);
  const uint32_t number = static_cast<uint32_t>(values_.size());
  // Kept at most half full, so probes stay short.
  if (values_.size() * 2 > slots_.size()) {
    Resize(65 - shift_);
  } else {
    slots_[slot] = {bits, number, 0};
  }
  return static_cast<int64_t>(number) - 1;
}

void DoubleDictionary::Insert(uint64_t bits, uint32_t number) {
  const size_t mask = slots_.size() - 1;
  size_t slot = SlotOf(bits);
  while (slots_[slot].number != 0) slot = (slot + 1) & mask;
  slots_[slot] = {bits, number, 0};
}

// A table of 2^bits empty slots, then every numbered value re-inserted (the newest included).
void DoubleDictionary::Resize(int bits) {
  slots_.assign(size_t{1} << bits, Slot{0, 0, 0});
  shift_ = 64 - bits;
  for (size_t i = 0; i < values_.size(); ++i)
    Insert(BitsOf(values_[i]), static_cast<uint32_t>(i + 1));
}

}  // namespace arc
