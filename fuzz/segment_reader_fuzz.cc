// libFuzzer target: the WAL segment reader (SegmentReader::FromBytes + Next), what recovery
// runs over every segment at start-up.
// Input: byte 0 even → the rest is a segment file as is (raw mode);
//        byte 0 odd  → the rest is a recipe (structured mode): a valid segment is written with
//        the wal/format.h helpers (entries with payloads from the input, an optional trailer:
//        zeros, a stale entry of another segment or garbage), then damaged (bytes flipped,
//        spans zeroed, the file truncated) at positions from the input.
// Invariants (both modes): the reader ends within a bounded number of events; every event's
// offsets lie inside the data; every entry returned is at its offset in the bytes, with a
// matching CRC, this segment's number, a known type and an LSN above the previous one; a
// corruption report is followed by the entry it resynchronised to; the end repeats.
// Structured mode also checks that no intact entry is lost — unless the bytes hold a valid
// looking entry that the writer did not put there (a payload may embed one; libFuzzer can
// solve CRCs) — before the point where the reader legitimately stops (an entry of another
// segment: the documented end of log; a zero run ends the log only with nothing valid after
// it); and that
// without damage there is no corruption report.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "wal/format.h"
#include "wal/segment_reader.h"

namespace {

using namespace arc;
using namespace arc::wal;

struct Original {
  uint64_t start = 0, end = 0, lsn = 0;
  std::string payload;
};

std::string EntryBytes(uint64_t lsn, uint64_t segment, std::string_view payload) {
  EntryHeader h;
  h.lsn = lsn;
  h.segment = segment;
  char header[kEntryHeaderSize];
  EncodeEntryHeader(h, payload, header);
  return std::string(header, kEntryHeaderSize) + std::string(payload);
}

// A ReadEvent that outlives its reader (the payload view points into the reader's copy).
struct Event {
  ReadEvent::Kind kind;
  uint64_t lsn, offset;
  std::string payload;
  EndReason end;
};
struct Observed {
  std::vector<Event> events;  // entries and corruption reports, then the end
};
Event Keep(const ReadEvent& e) { return Event{e.kind, e.lsn, e.offset, std::string(e.payload), e.end}; }

// Reads everything and checks what holds for any input. `bytes` is what the reader was given.
bool ReadAndCheck(const std::string& bytes, Observed* seen) {
  Result<std::unique_ptr<SegmentReader>> opened = SegmentReader::FromBytes(bytes);
  if (!opened.ok()) {
    FUZZ_CHECK(opened.status().code() == StatusCode::kCorruption, opened.status().ToString());
    return false;
  }
  SegmentReader& reader = **opened;
  const SegmentHeader& header = reader.header();
  const uint64_t size = bytes.size();
  FUZZ_CHECK(reader.size() == size, "size()");
  // Each entry takes 28 bytes or more and each corruption report is followed by an entry.
  const uint64_t max_events = 2 * (size / kEntryHeaderSize) + 2;
  uint64_t last_lsn = header.first_lsn == 0 ? 0 : header.first_lsn - 1;
  uint64_t pos = kSegmentHeaderSize;  // where the previous event ended
  bool expect_entry_at = false;
  uint64_t expected_offset = 0, expected_lost = 0;
  for (uint64_t n = 0;; ++n) {
    FUZZ_CHECK(n <= max_events, "more than " + std::to_string(max_events) + " events from " +
                                    std::to_string(size) + " bytes");
    const ReadEvent e = reader.Next();
    if (e.kind == ReadEvent::Kind::kEnd) {
      FUZZ_CHECK(!expect_entry_at, "a corruption report followed by the end");
      FUZZ_CHECK(e.offset >= pos && e.offset <= size, "end offset " + std::to_string(e.offset));
      if (e.end == EndReason::kClean) FUZZ_CHECK(e.offset == size, "clean end before the end of the data");
      for (int again = 0; again < 2; ++again) {
        const ReadEvent e2 = reader.Next();
        FUZZ_CHECK(e2.kind == ReadEvent::Kind::kEnd && e2.end == e.end, "the end does not repeat");
      }
      seen->events.push_back(Keep(e));
      return true;
    }
    if (e.kind == ReadEvent::Kind::kCorruption) {
      FUZZ_CHECK(!expect_entry_at, "two corruption reports in a row");
      FUZZ_CHECK(e.offset == pos, "corruption at " + std::to_string(e.offset) + ", expected " + std::to_string(pos));
      FUZZ_CHECK(e.skipped_bytes > 0 && e.offset + e.skipped_bytes + kEntryHeaderSize <= size,
                 "corrupt span outside the data");
      expect_entry_at = true;
      expected_offset = e.offset + e.skipped_bytes;
      expected_lost = e.lost_entries;
      pos = expected_offset;
      seen->events.push_back(Keep(e));
      continue;
    }
    FUZZ_CHECK(e.kind == ReadEvent::Kind::kEntry, "unknown event kind");
    const std::string at = "entry LSN " + std::to_string(e.lsn) + " at " + std::to_string(e.offset);
    FUZZ_CHECK(e.offset == pos, at + ": expected offset " + std::to_string(pos));
    FUZZ_CHECK(e.offset + kEntryHeaderSize + e.payload.size() <= size, at + ": runs past the data");
    FUZZ_CHECK(e.payload == std::string_view(bytes).substr(e.offset + kEntryHeaderSize, e.payload.size()),
               at + ": payload is not the bytes after its header");
    const EntryHeader h = ParseEntryHeader(bytes.data() + e.offset);
    FUZZ_CHECK(h.length == e.payload.size() && h.lsn == e.lsn && h.type == e.type, at + ": header fields");
    FUZZ_CHECK(EntryCrcMatches(bytes.data() + e.offset, e.payload), at + ": CRC does not match");
    FUZZ_CHECK(h.segment == header.segment, at + ": another segment's entry");
    FUZZ_CHECK(e.type == kEntryRecords, at + ": unknown type");
    FUZZ_CHECK(e.lsn > last_lsn, at + ": LSN not above " + std::to_string(last_lsn));
    if (expect_entry_at) {
      FUZZ_CHECK(e.offset == expected_offset, at + ": not where the corruption report pointed");
      FUZZ_CHECK(expected_lost == e.lsn - last_lsn - 1, at + ": lost_entries is not the LSN gap");
      expect_entry_at = false;
    }
    last_lsn = e.lsn;
    pos = e.offset + kEntryHeaderSize + e.payload.size();
    seen->events.push_back(Keep(e));
  }
}

void Structured(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  SegmentHeader sh;
  sh.worker = in.ConsumeIntegralInRange<uint32_t>(1, 4);
  sh.segment = in.ConsumeIntegralInRange<uint64_t>(1, 3);
  sh.first_lsn = in.ConsumeIntegralInRange<uint64_t>(1, 1000);
  sh.created_us = fuzz::kFuzzNowUs;
  std::string bytes = EncodeSegmentHeader(sh);
  std::vector<Original> originals;
  const int entries = in.ConsumeIntegralInRange<int>(0, 12);
  for (int i = 0; i < entries; ++i) {
    Original o;
    o.lsn = sh.first_lsn + static_cast<uint64_t>(i);
    o.payload = in.ConsumeRandomLengthString(200);
    o.start = bytes.size();
    bytes += EntryBytes(o.lsn, sh.segment, o.payload);
    o.end = bytes.size();
    originals.push_back(std::move(o));
  }
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 1: bytes.append(in.ConsumeIntegralInRange<size_t>(1, 100), '\0'); break;   // preallocated
    case 2: bytes += EntryBytes(sh.first_lsn + 100, sh.segment + 1, "stale"); break;  // reused file
    case 3: bytes += in.ConsumeRandomLengthString(64); break;                          // torn write
    default: break;
  }
  const std::string written = bytes;
  bool damaged = false;
  const int mutations = in.ConsumeIntegralInRange<int>(0, 4);
  for (int i = 0; i < mutations && bytes.size() > kSegmentHeaderSize; ++i) {
    const size_t p = in.ConsumeIntegralInRange<size_t>(kSegmentHeaderSize, bytes.size() - 1);
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0:
        bytes[p] = static_cast<char>(bytes[p] ^ in.ConsumeIntegralInRange<uint8_t>(1, 255));
        damaged = true;
        break;
      case 1: {
        const size_t n = std::min<size_t>(in.ConsumeIntegralInRange<size_t>(1, 64), bytes.size() - p);
        for (size_t j = 0; j < n; ++j) bytes[p + j] = '\0';
        damaged = true;
        break;
      }
      default: bytes.resize(p); break;  // a crash mid-append
    }
  }

  Observed seen;
  const bool opened = ReadAndCheck(bytes, &seen);
  FUZZ_CHECK(opened == (bytes.size() >= kSegmentHeaderSize), "a valid segment header was refused");
  if (!opened) return;

  auto intact = [&](const Original& o) {
    return o.end <= bytes.size() && bytes.compare(o.start, o.end - o.start, written, o.start, o.end - o.start) == 0;
  };
  // Valid-looking entries the writer did not put where they are (embedded in a payload,
  // forged by the fuzzer): with those the reader may rightly resynchronise elsewhere.
  bool forged = false;
  for (uint64_t off = kSegmentHeaderSize; off + kEntryHeaderSize <= bytes.size() && !forged; ++off) {
    bool original = false;
    for (const Original& o : originals) original |= o.start == off && intact(o);
    if (original) continue;
    const EntryHeader h = ParseEntryHeader(bytes.data() + off);
    if (h.segment != sh.segment || h.type != kEntryRecords || h.length > bytes.size() - off - kEntryHeaderSize) continue;
    forged = EntryCrcMatches(bytes.data() + off, std::string_view(bytes).substr(off + kEntryHeaderSize, h.length));
  }
  if (forged) return;

  const Event& end = seen.events.back();
  const uint64_t cutoff = end.end == EndReason::kStaleEntry ? end.offset : UINT64_MAX;
  size_t next = 0;
  for (const Event& e : seen.events) {
    if (e.kind == ReadEvent::Kind::kCorruption) {
      FUZZ_CHECK(damaged, "corruption reported in an undamaged segment at " + std::to_string(e.offset));
      continue;
    }
    if (e.kind != ReadEvent::Kind::kEntry) continue;
    // Only the writer's entries come back, each intact and at its place.
    while (next < originals.size() && originals[next].start < e.offset) {
      FUZZ_CHECK(!intact(originals[next]), "intact entry LSN " + std::to_string(originals[next].lsn) +
                                                " at " + std::to_string(originals[next].start) + " was skipped");
      ++next;
    }
    FUZZ_CHECK(next < originals.size() && originals[next].start == e.offset && originals[next].lsn == e.lsn &&
                   originals[next].payload == e.payload,
               "entry LSN " + std::to_string(e.lsn) + " at " + std::to_string(e.offset) + " is not one written there");
    ++next;
  }
  for (; next < originals.size(); ++next) {
    if (originals[next].start >= cutoff) break;
    FUZZ_CHECK(!intact(originals[next]), "intact entry LSN " + std::to_string(originals[next].lsn) + " at " +
                                              std::to_string(originals[next].start) + " lost before the end (" +
                                              EndReasonName(end.end) + " at " + std::to_string(end.offset) + ")");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    Structured(data + 1, size - 1);
  } else {
    Observed seen;
    ReadAndCheck(std::string(reinterpret_cast<const char*>(data + 1), size - 1), &seen);
  }
  return 0;
}
