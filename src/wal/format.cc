#include "wal/format.h"

#include <isa-l/crc.h>

namespace arc::wal {

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  // isa-l works on the inverted register: invert on the way in and out.
  return crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<char*>(data.data())),
                     static_cast<int>(data.size()), crc ^ 0xFFFFFFFFu) ^ 0xFFFFFFFFu;
}

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  std::string out(kSegmentHeaderSize, '\0');
  std::memcpy(out.data(), kMagic, 8);
  PutU32(&out[8], kVersion);
  PutU32(&out[12], h.worker);
  PutU64(&out[16], h.segment);
  PutU64(&out[24], h.first_lsn);
  PutU64(&out[32], static_cast<uint64_t>(h.created_us));
  PutU32(&out[kSegmentHeaderCrcOffset],
         MaskCrc(Crc32c(std::string_view(out.data(), kSegmentHeaderCrcOffset))));
  return out;
}

bool DecodeSegmentHeader(std::string_view b, SegmentHeader* out) {
  if (b.size() < kSegmentHeaderSize) return false;
  if (std::memcmp(b.data(), kMagic, 8) != 0 || GetU32(b.data() + 8) != kVersion) return false;
  const uint32_t crc = UnmaskCrc(GetU32(b.data() + kSegmentHeaderCrcOffset));
  if (crc != Crc32c(b.substr(0, kSegmentHeaderCrcOffset))) return false;
  out->worker = GetU32(b.data() + 12);
  out->segment = GetU64(b.data() + 16);
  out->first_lsn = GetU64(b.data() + 24);
  out->created_us = static_cast<int64_t>(GetU64(b.data() + 32));
  return true;
}

void EncodeEntryHeader(const EntryHeader& h, std::string_view payload, char out[kEntryHeaderSize]) {
  std::memset(out, 0, kEntryHeaderSize);
  PutU32(out + 4, static_cast<uint32_t>(payload.size()));
  PutU64(out + 8, h.lsn);
  PutU64(out + 16, h.segment);
  out[24] = static_cast<char>(h.type);
  uint32_t crc = Crc32c(std::string_view(out + 4, kEntryHeaderSize - 4));
  crc = Crc32c(payload, crc);
  PutU32(out, MaskCrc(crc));
}

EntryHeader ParseEntryHeader(const char* p) {
  EntryHeader h;
  h.length = GetU32(p + 4);
  h.lsn = GetU64(p + 8);
  h.segment = GetU64(p + 16);
  h.type = static_cast<uint8_t>(p[24]);
  return h;
}

bool EntryCrcMatches(const char* header, std::string_view payload) {
  uint32_t crc = Crc32c(std::string_view(header + 4, kEntryHeaderSize - 4));
  crc = Crc32c(payload, crc);
  return UnmaskCrc(GetU32(header)) == crc;
}

}  // namespace arc::wal
