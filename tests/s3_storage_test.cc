// arc with storage.backend = "s3" against a real S3-compatible server (s3rver), checked with
// the aws CLI and DuckDB.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "util/s3rver_process.h"
#include "util/server_fixture.h"

namespace arc::test {
namespace {

class S3StorageTest : public ServerFixture {
 protected:
  void SetUp() override {
    s3_ = std::make_unique<S3rverProcess>(dir_.Sub("s3data"), "arc-bucket");
    ASSERT_TRUE(s3_->Start());
  }
  std::string S3Config(const std::string& secret = "S3RVER") {
    return "[storage]\nbackend = \"s3\"\ns3_bucket = \"arc-bucket\"\ns3_endpoint = \"" + s3_->endpoint() +
           "\"\ns3_access_key = \"S3RVER\"\ns3_secret_key = \"" + secret +
           "\"\ns3_path_style = true\ns3_prefix = \"lake\"\n";
  }
  // Downloads the bucket and returns the Parquet glob of db.m in the copy.
  std::string Download(const std::string& db, const std::string& m) {
    int rc = 0;
    const std::string out = s3_->Aws("s3 cp --recursive s3://arc-bucket/ " + dir_.Sub("copy"), &rc);
    EXPECT_EQ(rc, 0) << out;
    return dir_.Sub("copy") + "/lake/" + db + "/" + m + "/*/*/*/*/*.parquet";
  }
  std::unique_ptr<S3rverProcess> s3_;
};

TEST_F(S3StorageTest, ObjectsLandAtTheirKeysAndDuckDbReadsThem) {
  StartServer(S3Config());
  ASSERT_EQ(client_->Post("/write?db=s3db&precision=s",
                          "cpu,host=a v=1i 1700000000\ncpu,host=b v=2i 1700003600\ncpu,host=a v=3i 1700007200\n",
                          Auth()).status, 204);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  const std::string keys = s3_->Aws("s3api list-objects-v2 --bucket arc-bucket --query 'Contents[].Key' --output text");
  EXPECT_NE(keys.find("lake/s3db/cpu/2023/11/14/22/"), std::string::npos) << keys;
  EXPECT_NE(keys.find("lake/s3db/cpu/2023/11/14/23/"), std::string::npos) << keys;
  EXPECT_NE(keys.find("lake/s3db/cpu/2023/11/15/00/"), std::string::npos) << keys;
  EXPECT_EQ(QueryValue("SELECT count(*) || ',' || sum(v) FROM '" + Download("s3db", "cpu") + "'"), "3,6");
}

TEST_F(S3StorageTest, QueriesReadThroughTheLocalCache) {
  StartServer(S3Config());
  ASSERT_EQ(client_->Post("/write?db=s3db&precision=s", "cpu,host=a v=1i 1700000000\ncpu,host=b v=2i 1700003600\n",
                          Auth()).status, 204);
  ASSERT_EQ(server_->Stop(), 0);
  std::filesystem::remove_all(dir_.Sub("data/arc/s3db"));  // the cache is gone: only S3 has the data
  StartServer(S3Config());
  HttpResult r = client_->Post("/api/v1/query", R"({"sql": "SELECT count(*), sum(v) FROM cpu"})",
                               Auth({{"x-arc-database", "s3db"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"data\":[[2,3]]"), std::string::npos) << r.body;
  ASSERT_EQ(server_->Stop(), 0);
}

TEST_F(S3StorageTest, WrongCredentialsStopStartUpWithAClearError) {
  ServerProcess p(dir_.path(), BaseConfig() + S3Config("wrong-secret"), {{"ARC_AUTH_BOOTSTRAP_TOKEN", kToken}});
  EXPECT_EQ(p.RunToExit(), 1);
  EXPECT_NE(p.Log().find("SignatureDoesNotMatch"), std::string::npos) << p.Log();
  EXPECT_NE(p.Log().find("s3_secret_key"), std::string::npos) << p.Log();
}

TEST_F(S3StorageTest, S3OutageDuringIngestWithWalLosesNothingAndDuplicatesNothing) {
  StartServer(S3Config() + "[wal]\nenabled = true\n[ingest]\nmax_buffer_size = 200\nmax_buffer_age_ms = 100\n");
  std::set<int64_t> acked;
  int64_t next = 0;
  auto write = [&](int requests) {
    for (int r = 0; r < requests; ++r) {
      std::string body;
      for (int i = 0; i < 50; ++i, ++next) body += "o id=" + std::to_string(next) + "i " + std::to_string(1700000000 + next) + "\n";
      if (client_->Post("/write?db=s3db&precision=s", body, Auth()).status == 204) {
        for (int64_t id = next - 50; id < next; ++id) acked.insert(id);
      }
    }
  };
  write(10);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  s3_->Stop();  // S3 goes away mid-ingest
  write(10);    // writes continue: the WAL has them, the flusher retries
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  write(10);
  ASSERT_TRUE(s3_->Start());  // back, same port and data
  write(10);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();  // shutdown retries until everything is up
  EXPECT_EQ(acked.size(), 2000u) << "writes kept being acknowledged during the outage";
  const std::string files = Download("s3db", "o");
  EXPECT_EQ(QueryValue("SELECT count(*) || ',' || count(DISTINCT id) FROM '" + files + "'"),
            std::to_string(acked.size()) + "," + std::to_string(acked.size()));
  EXPECT_NE(server_->Log().find("failed, attempt"), std::string::npos) << "the outage was seen and retried";
}

}  // namespace
}  // namespace arc::test
