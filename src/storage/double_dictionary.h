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
  DoubleDictionary() { Reset(0); }
  // Forgets every value; at most `limit` distinct values are numbered from now on. The table
  // keeps the size the previous chunk grew it to (when `limit` can use it), so the next
  // column of a file does not grow it again.
  void Reset(size_t limit);
  // The number of `v`, numbering it if it is new; -1 when it is new and `limit` values are
  // already numbered (the caller then gives up on a dictionary).
  int64_t IndexOf(double v);
  // The numbered values, in number order.
  const std::vector<double>& values() const { return values_; }

 private:
  // A key and its number side by side: a lookup touches one cache line, not two.
  struct Slot {
    uint64_t bits;
    uint32_t number;  // number + 1; 0 = empty slot
    uint32_t unused;
  };

  size_t SlotOf(uint64_t bits) const;
  void Insert(uint64_t bits, uint32_t number);
  void Resize(int bits);

  std::vector<Slot> slots_;
  std::vector<double> values_;
  size_t limit_ = 0;
  int shift_ = 64;
};

}  // namespace arc
