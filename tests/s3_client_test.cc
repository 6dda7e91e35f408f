// The S3 client against a real S3-compatible server (s3rver checks SigV4), verified with
// Debian's aws CLI.
#include "s3/s3_client.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "util/s3rver_process.h"
#include "util/test_util.h"

namespace arc::test {
namespace {

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<S3rverProcess>(dir_.Sub("s3"), "arc-test");
    ASSERT_TRUE(server_->Start()) << "s3rver did not start (scripts/setup.sh runs npm ci in tests/s3rver)";
  }
  s3::S3Options Options(const std::string& secret = "S3RVER", const std::string& bucket = "arc-test") {
    s3::S3Options o;
    o.endpoint = server_->endpoint();
    o.bucket = bucket;
    o.access_key = "S3RVER";
    o.secret_key = secret;
    o.path_style = true;
    o.max_attempts = 2;
    return o;
  }
  TempDir dir_;
  std::unique_ptr<S3rverProcess> server_;
};

TEST_F(S3ClientTest, PutGetListDeleteSeenByTheAwsCli) {
  s3::S3Client c(Options());
  ASSERT_TRUE(c.CheckBucket().ok());
  ASSERT_TRUE(c.PutObject("db/cpu/2024/01/01/00/w1-1-2.parquet", "hello parquet").ok());
  ASSERT_TRUE(c.PutObject("db/cpu/2024/01/01/01/a b+c.parquet", "x").ok()) << "keys needing encoding";
  auto keys = c.ListKeys("db/cpu/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(*c.GetObject("db/cpu/2024/01/01/00/w1-1-2.parquet"), "hello parquet");
  const std::string listed = server_->Aws("s3api list-objects-v2 --bucket arc-test --query 'Contents[].Key' --output text");
  EXPECT_NE(listed.find("db/cpu/2024/01/01/00/w1-1-2.parquet"), std::string::npos) << listed;
  ASSERT_TRUE(c.DeleteObject("db/cpu/2024/01/01/00/w1-1-2.parquet").ok());
  EXPECT_EQ(c.ListKeys("db/cpu/")->size(), 1u);
}

TEST_F(S3ClientTest, MultipartUploadOfAFileLargerThanOnePart) {
  s3::S3Options o = Options();
  o.part_size = 5 << 20;  // S3's minimum part size; the default is 16 MiB
  s3::S3Client c(o);
  std::string data(12 << 20, '\0');
  std::mt19937_64 rng(1);
  for (size_t i = 0; i < data.size(); i += 8) {
    const uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  const std::string path = dir_.Sub("big.bin");
  WriteTextFile(path, data);
  ASSERT_TRUE(c.UploadFile("big/object.bin", path).ok());
  const std::string head = server_->Aws("s3api head-object --bucket arc-test --key big/object.bin --query ContentLength");
  EXPECT_NE(head.find(std::to_string(data.size())), std::string::npos) << head;
  int rc = 0;
  server_->Aws("s3 cp s3://arc-test/big/object.bin " + dir_.Sub("back.bin"), &rc);
  ASSERT_EQ(rc, 0);
  std::ifstream back(dir_.Sub("back.bin"), std::ios::binary);
  std::string copy((std::istreambuf_iterator<char>(back)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(copy == data) << "3 parts reassembled byte for byte";
}

TEST_F(S3ClientTest, WrongCredentialsAndMissingBucketAreNamed) {
  Status wrong = s3::S3Client(Options("not-the-secret")).CheckBucket();
  EXPECT_EQ(wrong.code(), StatusCode::kPermissionDenied) << wrong.ToString();
  EXPECT_NE(wrong.message().find("SignatureDoesNotMatch"), std::string::npos) << wrong.message();
  EXPECT_NE(wrong.message().find("s3_secret_key"), std::string::npos);
  Status missing = s3::S3Client(Options("S3RVER", "no-such-bucket")).CheckBucket();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  EXPECT_NE(missing.message().find("no-such-bucket"), std::string::npos);
  server_->Stop();
  Status down = s3::S3Client(Options()).CheckBucket();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down.ToString();
}

}  // namespace
}  // namespace arc::test
