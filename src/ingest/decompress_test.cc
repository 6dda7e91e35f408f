#include "ingest/decompress.h"

#include <gtest/gtest.h>

#include "util/test_util.h"

namespace arc {
namespace {

std::string Sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "cpu,host=h" + std::to_string(i % 7) + " v=" + std::to_string(i) + "\n";
  return s;
}

TEST(DecompressTest, DetectsByMagicBytesThenHeader) {
  EXPECT_EQ(*DetectEncoding(test::GzipCompress("x"), ""), BodyEncoding::kGzip);
  EXPECT_EQ(*DetectEncoding(test::ZstdCompress("x"), ""), BodyEncoding::kZstd);
  EXPECT_EQ(*DetectEncoding("plain", ""), BodyEncoding::kIdentity);
  EXPECT_EQ(*DetectEncoding("plain", "identity"), BodyEncoding::kIdentity);
  EXPECT_FALSE(DetectEncoding("plain", "gzip").ok());
  EXPECT_FALSE(DetectEncoding("plain", "zstd").ok());
  Result<BodyEncoding> br = DetectEncoding("plain", "br");
  ASSERT_FALSE(br.ok());
  EXPECT_NE(br.status().message().find("unsupported Content-Encoding \"br\""), std::string::npos);
}

TEST(DecompressTest, GzipAndZstdRoundTrip) {
  const std::string s = Sample();
  std::string out;
  ASSERT_TRUE(Decompress(test::GzipCompress(s), BodyEncoding::kGzip, 1 << 30, &out).ok());
  EXPECT_EQ(out, s);
  ASSERT_TRUE(Decompress(test::ZstdCompress(s), BodyEncoding::kZstd, 1 << 30, &out).ok());
  EXPECT_EQ(out, s);
}

TEST(DecompressTest, BombsStopAtTheLimit) {
  const std::string zeros(64 << 20, '\0');  // 64 MiB of zeros compresses to ~64 KiB
  std::string out;
  Status g = Decompress(test::GzipCompress(zeros), BodyEncoding::kGzip, 1 << 20, &out);
  EXPECT_EQ(g.code(), StatusCode::kPayloadTooLarge) << g.ToString();
  EXPECT_LE(out.capacity(), (4u << 20)) << "must not inflate far past the limit";
  Status z = Decompress(test::ZstdCompress(zeros), BodyEncoding::kZstd, 1 << 20, &out);
  EXPECT_EQ(z.code(), StatusCode::kPayloadTooLarge) << z.ToString();
  EXPECT_LE(out.capacity(), (4u << 20));
}

TEST(DecompressTest, LyingGzipSizeTrailerStillBounded) {
  std::string gz = test::GzipCompress(std::string(8 << 20, 'a'));
  gz[gz.size() - 4] = 1;  // ISIZE claims 1 byte
  gz[gz.size() - 3] = gz[gz.size() - 2] = gz[gz.size() - 1] = 0;
  std::string out;
  Status st = Decompress(gz, BodyEncoding::kGzip, 1 << 20, &out);
  EXPECT_EQ(st.code(), StatusCode::kPayloadTooLarge) << st.ToString();
}

// Regression (issue 11): a 28-byte gzip whose size trailer claimed 1 GiB made the server
// allocate and zero 1 GiB before decompressing a few bytes.
TEST(DecompressTest, ForgedHugeSizeTrailerAllocatesNothingLarge) {
  std::string gz = test::GzipCompress("m v=1 1\n");
  gz[gz.size() - 4] = gz[gz.size() - 3] = gz[gz.size() - 2] = '\xff';
  gz[gz.size() - 1] = '\x3f';  // ISIZE ≈ 1 GiB
  std::string out;
  Status st = Decompress(gz, BodyEncoding::kGzip, 512u << 20, &out);
  EXPECT_FALSE(st.code() == StatusCode::kPayloadTooLarge) << st.ToString();
  EXPECT_LE(out.capacity(), (1u << 20)) << "allocated from the claim, not from the data";
}

TEST(DecompressTest, TruncatedAndCorruptInputIsInvalidArgument) {
  const std::string gz = test::GzipCompress(Sample());
  const std::string zs = test::ZstdCompress(Sample());
  std::string out;
  for (size_t cut : {size_t{10}, gz.size() / 2, gz.size() - 1}) {
    Status st = Decompress(gz.substr(0, cut), BodyEncoding::kGzip, 1 << 30, &out);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << cut << " " << st.ToString();
    EXPECT_NE(st.message().find("invalid gzip body"), std::string::npos);
  }
  for (size_t cut : {size_t{5}, zs.size() / 2, zs.size() - 1}) {
    Status st = Decompress(zs.substr(0, cut), BodyEncoding::kZstd, 1 << 30, &out);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << cut << " " << st.ToString();
  }
  std::string bad = gz;
  bad[20] ^= 0x55;
  EXPECT_EQ(Decompress(bad, BodyEncoding::kGzip, 1 << 30, &out).code(), StatusCode::kInvalidArgument);
}

// Regression (found by decompress_fuzz): a body of two gzip members (`cat a.gz b.gz`) decoded
// to the first only, and the write of the rest was acknowledged and lost.
TEST(DecompressTest, EveryGzipMemberIsDecoded) {
  const std::string a = "cpu,host=a v=1\n", b = "cpu,host=b v=2\n";
  const std::string both = test::GzipCompress(a) + test::GzipCompress(b);
  std::string out;
  ASSERT_TRUE(Decompress(both, BodyEncoding::kGzip, 1 << 20, &out).ok());
  EXPECT_EQ(out, a + b);
  // The limit counts all members together.
  Status st = Decompress(both, BodyEncoding::kGzip, a.size() + b.size() - 1, &out);
  EXPECT_EQ(st.code(), StatusCode::kPayloadTooLarge) << st.ToString();
  EXPECT_TRUE(Decompress(both, BodyEncoding::kGzip, a.size() + b.size(), &out).ok());
  // Bytes after a member that are not another member: an error, never ignored.
  st = Decompress(test::GzipCompress(a) + "garbage", BodyEncoding::kGzip, 1 << 20, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("after the last gzip member"), std::string::npos) << st.ToString();
  st = Decompress(test::GzipCompress(a) + test::GzipCompress(b).substr(0, 12), BodyEncoding::kGzip, 1 << 20, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << "a truncated second member";
}

}  // namespace
}  // namespace arc
