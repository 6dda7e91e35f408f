#include "common/hash.h"

#include <cstring>
#include <random>

namespace arc {
namespace {

constexpr uint64_t kK0 = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kK1 = 0xe7037ed1a0b428dbull;

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// splitmix64's finaliser: a bijection, so two inputs that differ in one word never collide
// by construction (a product-based mix would send every input whose word equals a constant
// to one value, which a hostile client could use to make a hash table quadratic).
uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A key drawn once per process and mixed into every hash: the values cannot be predicted from
// outside, so a client cannot craft tag values that crowd one slot of a table.
uint64_t NewProcessKey() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ kK1;
}

}  // namespace

// Up to 8 bytes (most tag values) is one word and one mix; up to 16, two overlapping words;
// longer strings 8 bytes a step, the last step overlapping the end. No byte loop runs.
uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  const char* p = bytes.data();
  const size_t n = bytes.size();
  static const uint64_t key = NewProcessKey();
  const uint64_t h = seed ^ key ^ (n * kK0);
  if (n > 8) {
    uint64_t x = Mix64(h ^ Load64(p));
    for (size_t i = 8; i + 8 < n; i += 8) x = Mix64(x ^ Load64(p + i));
    return Mix64(x ^ Load64(p + n - 8));
  }
  uint64_t word = 0;
  if (n >= 4) {
    word = Load32(p) | (Load32(p + n - 4) << 32);
  } else if (n > 0) {
    const auto u = [&](size_t i) {
      return static_cast<uint64_t>(static_cast<unsigned char>(p[i]));
    };
    word = (u(0) << 16) | (u(n >> 1) << 8) | u(n - 1);
  }
  return Mix64(h ^ word);
}

}  // namespace arc
