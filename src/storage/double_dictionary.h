// DoubleDictionary: numbers each distinct double of a column chunk 0, 1, 2, ... in first-seen
// order, for a Parquet dictionary page. Values are told apart by their bits, so -0.0 and 0.0,
// and NaNs with different payloads, are different entries and every value reads back exactly.
// Open addressing on the bits, grown as it fills; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace arc {

class DoubleDictionary {
 public:
  // Forgets every value; at most `limit` distinct values are numbered from now on.
  void Reset(size_t limit);
  // The number of `v`, numbering it if it is new; -1 when it is new and `limit` values are
  // already numbered (the caller then gives up on a dictionary).
  int64_t IndexOf(double v);
  // The numbered values, in number order.
  const std::vector<double>& values() const { return values_; }

 private:
  size_t SlotOf(uint64_t bits) const;
  void Grow();

  std::vector<uint64_t> keys_;
  std::vector<uint32_t> numbers_;  // number + 1; 0 = empty slot
  std::vector<double> values_;
  size_t limit_ = 0;
  int shift_ = 64;
};

}  // namespace arc
