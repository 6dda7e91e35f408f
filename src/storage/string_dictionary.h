// StringDictionary: numbers each distinct string of a column chunk 0, 1, 2, ... in first-seen
// order, for a Parquet dictionary page. Holds views: the strings must outlive it (or the next
// Reset). Open addressing on a 64-bit hash kept beside each number, so a lookup compares bytes
// only when the hashes match; grown as it fills; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace arc {

class StringDictionary {
 public:
  StringDictionary() { Reset(0, 0); }
  // Forgets every value; at most `limit` distinct values and `limit_bytes` bytes of them are
  // numbered from now on.
  void Reset(size_t limit, size_t limit_bytes);
  // The number of `s`, numbering it if it is new; -1 when it is new and a limit would be
  // passed (the caller then gives up on a dictionary).
  int64_t IndexOf(std::string_view s);
  // The numbered values, in number order.
  const std::vector<std::string_view>& values() const { return values_; }

 private:
  struct Slot {
    uint64_t hash;
    uint32_t number;  // number + 1; 0 = empty slot
    uint32_t unused;
  };

  void Insert(uint64_t hash, uint32_t number);
  void Resize(int bits);

  std::vector<Slot> slots_;
  std::vector<std::string_view> values_;
  std::vector<uint64_t> hashes_;  // of values_, for Resize
  size_t limit_ = 0, limit_bytes_ = 0, bytes_ = 0;
  int shift_ = 64;
};

}  // namespace arc
