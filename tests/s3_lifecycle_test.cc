// The data lifecycle on object storage (issue 12) against a real S3-compatible server
// (s3rver): two servers with their own node ids sharing one bucket, one of them killed during
// compactions; compaction and delete with the S3 server stopped in the middle.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "util/s3rver_process.h"
#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class S3LifecycleTest : public ServerFixture {
 protected:
  void SetUp() override {
    s3_ = std::make_unique<S3rverProcess>(dir_.Sub("s3data"), "arc-bucket");
    ASSERT_TRUE(s3_->Start());
  }
  std::string S3Config() const {
    return "[storage]\nbackend = \"s3\"\ns3_bucket = \"arc-bucket\"\ns3_endpoint = \"" +
           s3_->endpoint() +
           "\"\ns3_access_key = \"S3RVER\"\ns3_secret_key = \"S3RVER\"\ns3_path_style = "
           "true\ns3_prefix = \"lake\"\n";
  }
  // Downloads the bucket into a fresh folder and returns the Parquet glob of db.m there.
  std::string Download(const std::string& db, const std::string& m) {
    const std::string copy = dir_.Sub("copy" + std::to_string(++downloads_));
    int rc = 0;
    const std::string out = s3_->Aws("s3 cp --recursive s3://arc-bucket/ " + copy, &rc);
    EXPECT_EQ(rc, 0) << out;
    return copy + "/lake/" + db + "/" + m + "/*/*/*/*/*.parquet";
  }
  // Triggers a compaction cycle on the server at `port` and waits until it has run.
  static void CompactNow(int port) {
    HttpClient c(port);
    HttpClient::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
    auto cycles = [&] {
      const json s = json::parse(c.Get("/api/v1/compaction/status", auth).body, nullptr, false);
      return std::make_pair(s.value("cycles", uint64_t{0}), s.value("running", false));
    };
    const uint64_t before = cycles().first;
    ASSERT_EQ(c.Post("/api/v1/compaction/trigger", "", auth).status, 202);
    for (int i = 0; i < 1200; ++i) {
      const auto [n, running] = cycles();
      if (n > before && !running) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
    FAIL() << "the compaction cycle did not finish";
  }
  std::unique_ptr<S3rverProcess> s3_;
  int downloads_ = 0;
};

// Servers "a" and "b" write disjoint ids into the same hours of one measurement in one
// bucket and compact, "a" killed again and again mid-compaction. Afterwards the bucket holds
// every acknowledged row exactly once, each hour at most one compacted file per node, and
// each server's queries see the other's compactions (its cache drops what left the bucket).
TEST_F(S3LifecycleTest, TwoServersOnOneBucketKeepEveryRowOnceThroughKillNineMidCompaction) {
  const char* env = std::getenv("ARC_KILL9_ROUNDS");
  const int rounds = env ? std::atoi(env) : 3;
  auto config = [&](const std::string&) {
    return S3Config() + "[wal]\nenabled = true\nsync_mode = \"fdatasync\"\n" +
           "[ingest]\nmax_buffer_size = 100\nmax_buffer_age_ms = 50\n" +
           "[compaction]\ninterval_seconds = 3600\ngrace_seconds = 0\n";
  };
  auto env_of = [](const std::string& node) {
    return std::map<std::string, std::string>{{"ARC_AUTH_BOOTSTRAP_TOKEN", kToken},
                                              {"ARC_SERVER_NODE_ID", node}};
  };
  std::filesystem::create_directories(dir_.Sub("b"));
  ServerProcess b(dir_.Sub("b"), BaseConfig() + config("b"), env_of("b"));
  ASSERT_TRUE(b.Start()) << b.Log();
  std::mutex mu;
  std::set<int64_t> acked;
  std::atomic<int64_t> next_a{0}, next_b{1};
  auto writer = [&](int port, std::atomic<int64_t>* next, std::atomic<bool>* stop) {
    HttpClient client(port);
    while (!*stop) {
      std::string body;
      std::vector<int64_t> ids;
      for (int i = 0; i < 20; ++i) {
        const int64_t id = next->fetch_add(2);  // a: even, b: odd
        ids.push_back(id);
        body += "m,src=s" + std::to_string(id % 3) + " id=" + std::to_string(id) + "i " +
                std::to_string(1700000000 + (id % 3) * 3600 + id % 1000) + "\n";
      }
      const int status = client.Post("/write?db=k&precision=s", body, Auth()).status;
      if (status == 0) return;
      if (status == 204) {
        std::lock_guard<std::mutex> lock(mu);
        acked.insert(ids.begin(), ids.end());
      }
    }
  };
  std::mt19937 rng(3);
  std::atomic<bool> stop_b{false};
  std::thread b_writes([&] { writer(b.port(), &next_b, &stop_b); });
  std::thread b_compacts([&] {
    HttpClient client(b.port());
    while (!stop_b) {
      client.Post("/api/v1/compaction/trigger", "", Auth());
      std::this_thread::sleep_for(milliseconds(200));
    }
  });
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(round);
    StartServer(config("a"), env_of("a"));
    std::atomic<bool> stop{false};
    std::thread a_writes([&] { writer(server_->port(), &next_a, &stop); });
    std::thread a_compacts([&] {
      HttpClient client(server_->port());
      while (!stop && client.Post("/api/v1/compaction/trigger", "", Auth()).status != 0)
        std::this_thread::sleep_for(milliseconds(50));
    });
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(800, 2000)(rng)));
    server_->Kill();
    stop = true;
    a_writes.join();
    a_compacts.join();
  }
  stop_b = true;
  b_writes.join();
  b_compacts.join();
  StartServer(config("a"), env_of("a"));
  CompactNow(server_->port());
  CompactNow(b.port());
  // Each server counts every row once, the other's compactions included.
  for (int port : {server_->port(), b.port()}) {
    HttpClient c(port);
    HttpResult r =
        c.Post("/api/v1/query", R"({"sql": "SELECT count(*), count(DISTINCT id) FROM m"})",
               Auth({{"x-arc-database", "k"}}));
    ASSERT_EQ(r.status, 200) << r.body;
    const json data = json::parse(r.body)["data"][0];
    EXPECT_EQ(data[0], data[1]) << "a row counted twice through port " << port;
    EXPECT_GE(data[0].get<size_t>(), acked.size()) << "rows missing through port " << port;
  }
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  ASSERT_EQ(b.Stop(), 0) << b.Log();

  const std::string glob = Download("k", "m");
  const Rows totals = Query("SELECT count(*), count(DISTINCT id) FROM '" + glob + "'");
  std::printf("two servers, one bucket: rounds=%d acknowledged=%zu stored=%s distinct=%s\n", rounds,
              acked.size(), totals[0][0].c_str(), totals[0][1].c_str());
  EXPECT_EQ(totals[0][0], totals[0][1]) << "a row stored twice";
  std::set<int64_t> stored;
  for (const auto& row : Query("SELECT id FROM '" + glob + "'")) stored.insert(std::stoll(row[0]));
  size_t lost = 0;
  for (int64_t id : acked) lost += stored.count(id) ? 0 : 1;
  EXPECT_EQ(lost, 0u) << "acknowledged rows lost";
  // File names carry the node; each hour has at most one compacted file per node.
  std::map<std::string, int> compacted;  // hour folder + node → compacted files
  for (const auto& row :
       Query("SELECT DISTINCT filename FROM read_parquet('" + glob + "', filename = true)")) {
    const std::filesystem::path p(row[0]);
    const std::string name = p.filename();
    ASSERT_TRUE(name.rfind("a_", 0) == 0 || name.rfind("b_", 0) == 0) << name;
    if (name[2] == 'c') ++compacted[p.parent_path().string() + " " + name.substr(0, 1)];
  }
  EXPECT_FALSE(compacted.empty()) << "no compaction finished";
  for (const auto& [key, n] : compacted) EXPECT_EQ(n, 1) << key;
}

// The S3 server goes away during a compaction: the compaction fails and rolls back (rows
// stay once), succeeds once S3 is back, and a delete then works on the bucket too.
TEST_F(S3LifecycleTest, CompactionAndDeleteSurviveTheS3ServerStoppedMidCompaction) {
  StartServer(S3Config() +
              "[ingest]\nmax_buffer_size = 50\nmax_buffer_age_ms = 30\n"
              "[compaction]\ninterval_seconds = 3600\ngrace_seconds = 0\n");
  for (int r = 0; r < 40; ++r) {
    std::string body;
    for (int i = 0; i < 50; ++i) {
      const int id = r * 50 + i;
      body += "m,host=h" + std::to_string(id % 2) + " id=" + std::to_string(id) + "i " +
              std::to_string(1700000000 + (id % 3) * 3600 + id) + "\n";
    }
    ASSERT_EQ(client_->Post("/write?db=k&precision=s", body, Auth()).status, 204);
  }
  auto count = [&] {
    HttpResult r =
        client_->Post("/api/v1/query", R"({"sql": "SELECT count(*), count(DISTINCT id) FROM m"})",
                      Auth({{"x-arc-database", "k"}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false)["data"][0];
  };
  for (int i = 0; i < 200 && count()[0] != 2000; ++i) std::this_thread::sleep_for(milliseconds(30));
  ASSERT_EQ(count(), json::parse("[2000, 2000]"));

  // Stop S3 while the cycle runs (it uploads one output per hour).
  ASSERT_EQ(client_->Post("/api/v1/compaction/trigger", "", Auth()).status, 202);
  std::this_thread::sleep_for(milliseconds(20));
  s3_->Stop();
  for (int i = 0; i < 400; ++i) {
    const json s = json::parse(client_->Get("/api/v1/compaction/status", Auth()).body);
    if (s["cycles"] == 1 && !s["running"].get<bool>()) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  const std::string log = server_->Log();
  EXPECT_NE(log.find("compaction of k.m"), std::string::npos) << "no compaction met the outage";
  ASSERT_TRUE(s3_->Start());
  CompactNow(server_->port());
  EXPECT_EQ(count(), json::parse("[2000, 2000]"));

  HttpResult d = client_->Post(
      "/api/v1/delete",
      R"({"database": "k", "measurement": "m", "where": "host = 'h1' AND time > '2020-01-01'", "confirm": true})",
      Auth());
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(json::parse(d.body)["deleted_count"], 1000);
  EXPECT_EQ(count(), json::parse("[1000, 1000]"));
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  const std::string glob = Download("k", "m");
  EXPECT_EQ(QueryValue("SELECT count(*) || ',' || count(DISTINCT id) || ',' || "
                       "count(*) FILTER (host = 'h1') FROM '" +
                       glob + "'"),
            "1000,1000,0");
  // One file per hour in the bucket: the compacted hours, rewritten by the delete.
  EXPECT_EQ(QueryValue("SELECT count(DISTINCT filename) FROM read_parquet('" + glob +
                       "', filename = true)"),
            "3");
  EXPECT_TRUE(FindFiles(dir_.path() + "/data/arc/.lifecycle", ".json").empty())
      << "a switch record left behind";
}

// Retention on S3 removes expired hours from the bucket even when the read cache lost them
// (a new cache disk, or hours another node wrote).
TEST_F(S3LifecycleTest, RetentionRemovesExpiredHoursTheCacheLacks) {
  const std::string config =
      S3Config() + "[ingest]\nmax_buffer_age_ms = 30\n" + "[compaction]\nenabled = false\n";
  StartServer(config);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string body;
  for (int i = 0; i < 100; ++i) {
    body += "m v=" + std::to_string(i) + "i " + std::to_string(1700000000 + i * 60) + "\n";
    body += "m v=" + std::to_string(i) + "i " + std::to_string(now - 3600 - i) + "\n";
  }
  ASSERT_EQ(client_->Post("/write?db=k&precision=s", body, Auth()).status, 204);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  std::filesystem::remove_all(dir_.Sub("data/arc/k/m/2023"));  // the cache lost the old hours
  StartServer(config);
  HttpResult r = client_->Post(
      "/api/v1/retention", R"({"name": "month", "database": "k", "retention_days": 30})", Auth());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = std::to_string(json::parse(r.body)["id"].get<int64_t>());
  r = client_->Post("/api/v1/retention/" + id + "/execute",
                    R"({"dry_run": false, "confirm": true})", Auth());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["deleted_rows"], 100) << r.body;
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) || ',' || count(*) FILTER (time < '2025-01-01') FROM '" +
                       Download("k", "m") + "'"),
            "100,0")
      << "only the recent rows are left in the bucket";
}

// The node id is created once and kept; a configured one must be valid.
class NodeIdTest : public ServerFixture {};

TEST_F(NodeIdTest, IsCreatedOnceKeptAndChecked) {
  StartServer();
  ASSERT_EQ(server_->Stop(), 0);
  const std::string kept = ReadFileOrEmpty(dir_.path() + "/data/arc/.node_id");
  ASSERT_EQ(kept.size(), 9u) << kept;
  EXPECT_NE(server_->Log().find("node " + kept.substr(0, 8) + ")"), std::string::npos)
      << server_->Log();
  StartServer();
  ASSERT_EQ(server_->Stop(), 0);
  EXPECT_EQ(ReadFileOrEmpty(dir_.path() + "/data/arc/.node_id"), kept) << "the same id again";
  ServerProcess bad(dir_.path(), BaseConfig(),
                    {{"ARC_AUTH_BOOTSTRAP_TOKEN", kToken}, {"ARC_SERVER_NODE_ID", "Bad_Id"}});
  EXPECT_EQ(bad.RunToExit(), 1);
  EXPECT_NE(bad.Log().find("server.node_id \"Bad_Id\" must be"), std::string::npos) << bad.Log();
}

}  // namespace
}  // namespace arc::test
