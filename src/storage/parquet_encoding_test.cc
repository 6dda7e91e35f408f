#include "storage/parquet_encoding.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <random>
#include <vector>

namespace arc {
namespace {

// A reference decoder written from the format's description: header varint, then either an
// RLE run (count, value in ceil(w/8) bytes) or bit-packed groups of 8.
std::vector<uint32_t> DecodeHybrid(const std::string& in, int w, size_t n, int* rle_runs) {
  std::vector<uint32_t> out;
  size_t p = 0;
  *rle_runs = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const uint8_t b = static_cast<uint8_t>(in.at(p++));
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (out.size() < n) {
    const uint64_t h = varint();
    if (h & 1) {
      const size_t values = (h >> 1) * 8;
      uint64_t acc = 0;
      int bits = 0;
      for (size_t i = 0; i < values; ++i) {
        while (bits < w) {
          acc |= static_cast<uint64_t>(static_cast<uint8_t>(in.at(p++))) << bits;
          bits += 8;
        }
        out.push_back(static_cast<uint32_t>(acc & ((uint64_t{1} << w) - 1)));
        acc >>= w;
        bits -= w;
      }
    } else {
      ++*rle_runs;
      uint32_t v = 0;
      for (int b = 0; b < (w + 7) / 8; ++b) v |= static_cast<uint32_t>(static_cast<uint8_t>(in.at(p++))) << (8 * b);
      out.insert(out.end(), h >> 1, v);
    }
  }
  EXPECT_EQ(p, in.size()) << "no bytes after the last run";
  out.resize(n);  // the last group's padding
  return out;
}

// The Parquet specification's two examples, with our block of 128 values in 4 miniblocks:
// the layout byte for byte.
TEST(ParquetEncodingTest, DeltaBinaryPackedMatchesTheSpecificationsExamples) {
  auto hex = [](const std::string& s) {
    std::string out;
    char buf[4];
    for (unsigned char c : s) {
      std::snprintf(buf, sizeof(buf), "%02x ", c);
      out += buf;
    }
    return out;
  };
  const int64_t steady[] = {1, 2, 3, 4, 5};
  std::string out;
  AppendDeltaBinaryPacked(steady, 5, &out);
  // 128, 4 miniblocks, 5 values, first zigzag(1); block: min delta zigzag(1), 4 widths of 0.
  EXPECT_EQ(hex(out), "80 01 04 05 02 02 00 00 00 00 ");
  const int64_t mixed[] = {7, 5, 3, 1, 2, 3, 4, 5};
  out.clear();
  AppendDeltaBinaryPacked(mixed, 8, &out);
  // Deltas -2 -2 -2 1 1 1 1, minus the smallest (-2): 0 0 0 3 3 3 3 at 2 bits, zeros to 32.
  EXPECT_EQ(hex(out), "80 01 04 08 0e 03 02 00 00 00 c0 3f 00 00 00 00 00 00 ");
  out.clear();
  AppendDeltaBinaryPacked(mixed, 1, &out);
  EXPECT_EQ(hex(out), "80 01 04 01 0e ") << "one value: the header alone";
  out.clear();
  AppendDeltaBinaryPacked(nullptr, 0, &out);
  EXPECT_EQ(hex(out), "80 01 04 00 00 ") << "no value: the header alone";
}

TEST(ParquetEncodingTest, BitWidths) {
  EXPECT_EQ(BitWidthFor(0), 1);
  EXPECT_EQ(BitWidthFor(1), 1);
  EXPECT_EQ(BitWidthFor(2), 2);
  EXPECT_EQ(BitWidthFor(255), 8);
  EXPECT_EQ(BitWidthFor(256), 9);
  EXPECT_EQ(BitWidthFor(UINT32_MAX), 32);
}

TEST(ParquetEncodingTest, HybridRoundTripsRandomRunsAtEveryWidth) {
  std::mt19937 rng(7);
  for (int w = 1; w <= 32; ++w) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> values;
      const size_t n = rng() % 3000;
      while (values.size() < n) {
        const uint32_t v = w == 32 ? rng() : rng() & ((1u << w) - 1);
        const size_t run = rng() % 4 == 0 ? rng() % 40 : 1;  // some long runs, mostly noise
        values.insert(values.end(), std::min(run, n - values.size()), v);
      }
      std::string out;
      AppendRleHybrid(values.data(), values.size(), w, &out);
      int rle = 0;
      ASSERT_EQ(DecodeHybrid(out, w, values.size(), &rle), values) << "width " << w << " trial " << trial;
    }
  }
}

TEST(ParquetEncodingTest, LongRunsBecomeRleRuns) {
  std::vector<uint32_t> values(5, 3);          // 5 literals, then a run of 1000 sevens
  values.insert(values.end(), 1000, 7);
  std::string out;
  AppendRleHybrid(values.data(), values.size(), 3, &out);
  int rle = 0;
  EXPECT_EQ(DecodeHybrid(out, 3, values.size(), &rle), values);
  EXPECT_EQ(rle, 1);
  EXPECT_LT(out.size(), 12u) << "one group of literals and one run";
  std::vector<uint32_t> ones(100000, 1);
  out.clear();
  AppendRleHybrid(ones.data(), ones.size(), 1, &out);
  EXPECT_EQ(out.size(), 4u) << "a varint header of 3 bytes and the value";
}

TEST(ParquetEncodingTest, EveryCodecRoundTrips) {
  std::string page;
  for (int i = 0; i < 20000; ++i) page += "value-" + std::to_string(i % 300) + ";";
  std::string out;
  {
    PageCompressor c(ParquetCompression::kSnappy);
    EXPECT_EQ(c.parquet_codec(), 1);
    ASSERT_TRUE(c.Compress(page, &out).ok());
    std::string back;
    ASSERT_TRUE(snappy::Uncompress(out.data(), out.size(), &back));
    EXPECT_EQ(back, page);
  }
  {
    PageCompressor c(ParquetCompression::kZstd);
    EXPECT_EQ(c.parquet_codec(), 6);
    for (int round = 0; round < 2; ++round) {  // the context is reused
      ASSERT_TRUE(c.Compress(page, &out).ok());
      std::string back(page.size(), '\0');
      EXPECT_EQ(ZSTD_decompress(back.data(), back.size(), out.data(), out.size()), page.size());
      EXPECT_EQ(back, page);
    }
  }
  {
    PageCompressor c(ParquetCompression::kGzip);
    EXPECT_EQ(c.parquet_codec(), 2);
    for (int round = 0; round < 2; ++round) {
      ASSERT_TRUE(c.Compress(page, &out).ok());
      ASSERT_GE(out.size(), 2u);
      EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x1f) << "a gzip member";
      std::string back(page.size(), '\0');
      z_stream z{};
      ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
      z.next_in = reinterpret_cast<Bytef*>(out.data());
      z.avail_in = static_cast<uInt>(out.size());
      z.next_out = reinterpret_cast<Bytef*>(back.data());
      z.avail_out = static_cast<uInt>(back.size());
      EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
      inflateEnd(&z);
      EXPECT_EQ(back, page);
    }
  }
  {
    PageCompressor c(ParquetCompression::kNone);
    EXPECT_EQ(c.parquet_codec(), 0);
    ASSERT_TRUE(c.Compress(page, &out).ok());
    EXPECT_EQ(out, page);
  }
}

}  // namespace
}  // namespace arc
