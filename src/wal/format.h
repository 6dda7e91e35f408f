// WAL on-disk format constants (docs/wal-format.md), shared by writer and reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace arc::wal {

inline constexpr char kMagic[8] = {'A', 'R', 'C', 'W', 'A', 'L', '\r', '\n'};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 64;
inline constexpr size_t kSegmentHeaderCrcOffset = 60;
inline constexpr size_t kEntryHeaderSize = 28;
inline constexpr uint64_t kMaxPayload = (1ull << 30) + (64u << 10);
inline constexpr uint8_t kEntryRecords = 1;

struct SegmentHeader {
  uint32_t worker = 0;
  uint64_t segment = 0;
  uint64_t first_lsn = 0;
  int64_t created_us = 0;
};

struct EntryHeader {
  uint32_t length = 0;
  uint64_t lsn = 0;
  uint64_t segment = 0;
  uint8_t type = kEntryRecords;
};

// CRC32C (Castagnoli) of `data`, continuing from `crc` (0 to start).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
// LevelDB-style masking so that CRCs of data that contains CRCs stay well distributed.
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

inline void PutU32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void PutU64(char* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline uint32_t GetU32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t GetU64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

// The 64-byte segment header, CRC included.
std::string EncodeSegmentHeader(const SegmentHeader& h);
// False when the bytes are not a valid version-1 header (magic, version or CRC).
bool DecodeSegmentHeader(std::string_view bytes, SegmentHeader* out);

// Writes the 28-byte entry header for `payload` into `out` (CRC over header tail + payload).
void EncodeEntryHeader(const EntryHeader& h, std::string_view payload, char out[kEntryHeaderSize]);
// Parses the fixed fields (no CRC check).
EntryHeader ParseEntryHeader(const char* p);
// True when the stored CRC matches the header tail and `payload`.
bool EntryCrcMatches(const char* header, std::string_view payload);

}  // namespace arc::wal
