// HashBytes: a fast 64-bit hash of a short byte string, for in-memory hash tables and
// counting distinct values (tag sets, dictionary pages). Not cryptographic, not stable across
// versions or processes (a random key per process): never persist or exchange its values.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace arc {

// The hash of `bytes` under `seed`. The seed is XOR-ed into the first word, so distinct seeds
// give distinct hashes but not independent ones: chain hashes through the seed only with
// values that are themselves hashes, and give different kinds of names different seeds.
uint64_t HashBytes(std::string_view bytes, uint64_t seed = 0);

}  // namespace arc
