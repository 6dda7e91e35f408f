#include "wal/segment_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "wal/format.h"

namespace arc::wal {
namespace {

std::string Entry(uint64_t lsn, uint64_t segment, const std::string& payload) {
  EntryHeader h;
  h.lsn = lsn;
  h.segment = segment;
  char header[kEntryHeaderSize];
  EncodeEntryHeader(h, payload, header);
  return std::string(header, kEntryHeaderSize) + payload;
}

struct Built {
  std::string bytes;
  std::vector<size_t> starts;  // offset of each entry
};

Built Segment(uint64_t segment, uint64_t first_lsn, int n, uint32_t worker = 1) {
  SegmentHeader h;
  h.worker = worker;
  h.segment = segment;
  h.first_lsn = first_lsn;
  h.created_us = 1700000000000000;
  Built b{EncodeSegmentHeader(h), {}};
  for (int i = 0; i < n; ++i) {
    b.starts.push_back(b.bytes.size());
    b.bytes += Entry(first_lsn + i, segment, "payload-" + std::to_string(first_lsn + i) +
                                               std::string(static_cast<size_t>(i * 7 % 50), 'x'));
  }
  return b;
}

struct Outcome {
  std::vector<uint64_t> lsns;
  int corruptions = 0;
  uint64_t lost = 0;
  EndReason end = EndReason::kClean;
};

Outcome ReadAll(std::string bytes) {
  auto reader = SegmentReader::FromBytes(std::move(bytes));
  Outcome o;
  if (!reader.ok()) {
    ADD_FAILURE() << reader.status().ToString();
    return o;
  }
  SegmentReader& r = **reader;
  ReadEvent e;
  for (int guard = 0; guard < 100000; ++guard) {
    e = r.Next();
    if (e.kind == ReadEvent::Kind::kEnd) break;
    if (e.kind == ReadEvent::Kind::kEntry) {
      EXPECT_EQ(e.payload.rfind("payload-" + std::to_string(e.lsn), 0), 0u) << "payload of " << e.lsn;
      o.lsns.push_back(e.lsn);
    } else {
      ++o.corruptions;
      o.lost += e.lost_entries;
    }
  }
  o.end = e.end;
  return o;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> v;
  for (uint64_t i = first; i <= last; ++i) v.push_back(i);
  return v;
}

// Reads through the public Open path's header check, then every entry.
Outcome Open(const std::string& bytes) {
  SegmentHeader h;
  EXPECT_TRUE(DecodeSegmentHeader(bytes, &h));
  return ReadAll(bytes);
}

TEST(SegmentReaderTest, ReadsEveryEntryAndEndsClean) {
  Built b = Segment(3, 100, 10);
  Outcome o = Open(b.bytes);
  EXPECT_EQ(o.lsns, Range(100, 109));
  EXPECT_EQ(o.corruptions, 0);
  EXPECT_EQ(o.end, EndReason::kClean);
}

TEST(SegmentReaderTest, TruncationAtEveryByteOfTheLastEntriesIsATornTail) {
  Built b = Segment(1, 1, 8);
  for (size_t cut = b.starts[5]; cut < b.bytes.size(); ++cut) {
    Outcome o = Open(b.bytes.substr(0, cut));
    const uint64_t complete = cut >= b.starts[7] ? 7 : cut >= b.starts[6] ? 6 : 5;
    EXPECT_EQ(o.lsns, Range(1, complete)) << "cut at " << cut;
    EXPECT_EQ(o.corruptions, 0) << "a torn tail is not corruption, cut at " << cut;
    const bool boundary = cut == b.starts[5] || cut == b.starts[6] || cut == b.starts[7];
    EXPECT_EQ(o.end, boundary ? EndReason::kClean : EndReason::kTornTail) << cut;
  }
}

TEST(SegmentReaderTest, ZeroFilledTail) {
  Built b = Segment(1, 1, 4);
  Outcome o = Open(b.bytes + std::string(4096, '\0'));
  EXPECT_EQ(o.lsns, Range(1, 4));
  EXPECT_EQ(o.end, EndReason::kZeroTail);
  // A torn entry followed by zeros (a preallocated file) is a torn tail.
  Outcome torn = Open(b.bytes.substr(0, b.starts[3] + 10) + std::string(4096, '\0'));
  EXPECT_EQ(torn.lsns, Range(1, 3));
  EXPECT_EQ(torn.corruptions, 0);
}

// Regression (found by segment_reader_fuzz): 28 zero bytes at an entry boundary in the middle
// of a segment were read as the zero-filled tail, and the intact entries after them were
// dropped without a corruption report (their LSNs could then be handed out again).
TEST(SegmentReaderTest, ZeroedEntriesWithIntactOnesAfterAreCorruption) {
  Built b = Segment(1, 1, 6);
  for (size_t zeros : {size_t{28}, b.starts[3] - b.starts[2], b.starts[4] - b.starts[2]}) {
    std::string bytes = b.bytes;
    std::fill(bytes.begin() + static_cast<long>(b.starts[2]), bytes.begin() + static_cast<long>(b.starts[2] + zeros), '\0');
    Outcome o = Open(bytes);
    const uint64_t lost = zeros == 28 || zeros == b.starts[3] - b.starts[2] ? 1 : 2;
    std::vector<uint64_t> want = Range(1, 6);
    want.erase(want.begin() + 2, want.begin() + 2 + static_cast<long>(lost));
    EXPECT_EQ(o.lsns, want) << zeros << " zero bytes";
    EXPECT_EQ(o.corruptions, 1) << zeros;
    EXPECT_EQ(o.lost, lost) << zeros;
    EXPECT_EQ(o.end, EndReason::kClean) << zeros;
  }
  // Zeros then only garbage: still the end of the log, not corruption.
  Outcome tail = Open(b.bytes + std::string(100, '\0') + "garbage that is no entry at all....");
  EXPECT_EQ(tail.lsns, Range(1, 6));
  EXPECT_EQ(tail.corruptions, 0);
  EXPECT_EQ(tail.end, EndReason::kZeroTail);
}

TEST(SegmentReaderTest, GarbageTailIsATornTail) {
  Built b = Segment(1, 1, 4);
  std::mt19937 rng(7);
  std::string garbage(3000, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  Outcome o = Open(b.bytes + garbage);
  EXPECT_EQ(o.lsns, Range(1, 4));
  EXPECT_EQ(o.corruptions, 0);
  EXPECT_EQ(o.end, EndReason::kTornTail);
}

TEST(SegmentReaderTest, BitFlipAnywhereInOneEntryCostsOnlyThatEntry) {
  Built b = Segment(1, 1, 9);
  const size_t begin = b.starts[4], end = b.starts[5];  // entry with LSN 5
  for (size_t off = begin; off < end; ++off) {
    for (char mask : {'\x01', '\x80'}) {
      std::string bytes = b.bytes;
      bytes[off] ^= mask;
      Outcome o = Open(bytes);
      std::vector<uint64_t> want = Range(1, 9);
      want.erase(want.begin() + 4);
      EXPECT_EQ(o.lsns, want) << "flip at " << off - begin;
      EXPECT_EQ(o.corruptions, 1) << off - begin;
      EXPECT_EQ(o.lost, 1u) << off - begin;
      EXPECT_EQ(o.end, EndReason::kClean);
    }
  }
}

TEST(SegmentReaderTest, CorruptLengthFieldDoesNotDerailTheReader) {
  Built b = Segment(1, 1, 6);
  for (uint32_t bad : {0u, 1u, 27u, 0x7fffffffu, 0xffffffffu, 5000u}) {
    std::string bytes = b.bytes;
    PutU32(&bytes[b.starts[2] + 4], bad);
    Outcome o = Open(bytes);
    EXPECT_EQ(o.lsns, (std::vector<uint64_t>{1, 2, 4, 5, 6})) << bad;
    EXPECT_EQ(o.lost, 1u) << bad;
  }
}

TEST(SegmentReaderTest, TwoDamagedEntriesInARow) {
  Built b = Segment(1, 1, 6);
  std::string bytes = b.bytes;
  bytes[b.starts[1] + 30] ^= 1;
  bytes[b.starts[2] + 30] ^= 1;
  Outcome o = Open(bytes);
  EXPECT_EQ(o.lsns, (std::vector<uint64_t>{1, 4, 5, 6}));
  EXPECT_EQ(o.lost, 2u);
  EXPECT_EQ(o.corruptions, 1);
}

TEST(SegmentReaderTest, EntriesFromAnEarlierLifeEndTheLog) {
  Built b = Segment(5, 10, 3);
  // A reused file: an intact entry of segment 4 follows our last entry.
  Outcome o = Open(b.bytes + Entry(50, 4, "payload-50") + Entry(51, 4, "payload-51"));
  EXPECT_EQ(o.lsns, Range(10, 12));
  EXPECT_EQ(o.end, EndReason::kStaleEntry);
  EXPECT_EQ(o.corruptions, 0);
  // Old bytes cut mid-entry are a torn tail; old intact entries further on do not count.
  Built old = Segment(4, 1, 20);
  Outcome cut = Open(b.bytes + old.bytes.substr(b.bytes.size()));
  EXPECT_EQ(cut.lsns, Range(10, 12));
  EXPECT_EQ(cut.corruptions, 0);
}

// What a reused spare looks like after a crash (docs/wal-format.md, "Reusing segment files"):
// the new entries, the zero padding of their last 4096-byte block, then the old file's bytes.
// The old segment number may even be the same (segment numbers restart in an emptied
// directory); its LSNs are then lower. Either way: the new entries, no corruption.
TEST(SegmentReaderTest, ReusedFileWithAZeroPaddedBlockReadsOnlyTheNewEntries) {
  for (const uint64_t old_segment : {4u, 5u}) {
    Built old = Segment(old_segment, 1, 400);
    for (int n = 0; n <= 3; ++n) {
      Built b = Segment(5, 1000, n);
      std::string bytes = b.bytes;
      bytes.resize((bytes.size() + 4095) / 4096 * 4096, '\0');
      ASSERT_LT(bytes.size(), old.bytes.size());
      bytes += old.bytes.substr(bytes.size());
      Outcome o = Open(bytes);
      EXPECT_EQ(o.lsns, n == 0 ? std::vector<uint64_t>{} : Range(1000, 1000 + n - 1))
          << "old segment " << old_segment << ", " << n << " new entries";
      EXPECT_EQ(o.corruptions, 0) << "old segment " << old_segment << ", " << n << " new entries";
    }
  }
}

TEST(SegmentReaderTest, InvalidSegmentHeadersAreReported) {
  Built b = Segment(1, 1, 2, 3);
  SegmentHeader h;
  ASSERT_TRUE(DecodeSegmentHeader(b.bytes, &h));
  EXPECT_EQ(h.worker, 3u);
  EXPECT_EQ(h.segment, 1u);
  for (size_t off : {size_t{0}, size_t{9}, size_t{13}, size_t{20}, size_t{61}}) {
    std::string bad = b.bytes;
    bad[off] ^= 0x10;
    EXPECT_FALSE(DecodeSegmentHeader(bad, &h)) << off;
  }
  EXPECT_FALSE(DecodeSegmentHeader(b.bytes.substr(0, 40), &h));
}

TEST(FormatTest, Crc32cKnownValueAndMasking) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(UnmaskCrc(MaskCrc(0xdeadbeef)), 0xdeadbeefu);
  EXPECT_EQ(Crc32c("456789", Crc32c("123")), 0xE3069283u) << "incremental";
}

}  // namespace
}  // namespace arc::wal
