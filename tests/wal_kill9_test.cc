// kill -9 of the real server, many times, with clients writing numbered records. Afterwards
// every acknowledged record is in Parquet exactly once and nothing appears that was never
// sent. ARC_KILL9_ROUNDS (default 5) sets how many kills; raise it for a long run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

class Kill9Test : public ServerFixture {};

TEST_F(Kill9Test, AcknowledgedRecordsSurviveKillNineExactlyOnce) {
  const char* env = std::getenv("ARC_KILL9_ROUNDS");
  const int rounds = env ? std::atoi(env) : 5;
  const std::string extra =
      "[wal]\nenabled = true\nsync_mode = \"fdatasync\"\nmax_size_mb = 1\n"
      "[ingest]\nmax_buffer_size = 300\nmax_buffer_age_ms = 150\n";
  std::mt19937 rng(12345);
  std::mutex mu;
  std::set<int64_t> acked;
  std::atomic<int64_t> next_id{0};
  int64_t requests_ok = 0, requests_failed = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(round);
    StartServer(extra);
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&] {
        HttpClient client(server_->port());
        while (!stop) {
          const int64_t first = next_id.fetch_add(20);
          std::string body;
          for (int64_t id = first; id < first + 20; ++id) {
            body += "k,src=c id=" + std::to_string(id) + "i " +
                    std::to_string((1700000000LL + id) * 1000000000LL) + "\n";
          }
          const int status = client.Post("/write?db=k", body, Auth()).status;
          std::lock_guard<std::mutex> lock(mu);
          if (status == 204) {
            ++requests_ok;
            for (int64_t id = first; id < first + 20; ++id) acked.insert(id);
          } else {
            ++requests_failed;
            if (status == 0) return;  // the server is gone
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 700)(rng)));
    server_->Kill();
    stop = true;
    for (auto& t : clients) t.join();
  }
  StartServer(extra);  // the last recovery
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  std::printf("kill -9 rounds=%d acknowledged records=%zu requests ok=%lld failed=%lld sent ids=%lld\n",
              rounds, acked.size(), static_cast<long long>(requests_ok),
              static_cast<long long>(requests_failed), static_cast<long long>(next_id.load()));
  ASSERT_GT(acked.size(), 0u);
  const Rows totals = Query("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM '" + Files("k", "k") + "'");
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0][0], totals[0][1]) << "no record stored twice";
  EXPECT_GE(std::stoll(totals[0][2]), 0);
  EXPECT_LT(std::stoll(totals[0][3]), next_id.load()) << "nothing that was never sent";
  // Every acknowledged id is there.
  std::set<int64_t> stored;
  for (const auto& row : Query("SELECT id FROM '" + Files("k", "k") + "'")) stored.insert(std::stoll(row[0]));
  size_t missing = 0;
  for (int64_t id : acked) missing += stored.count(id) ? 0 : 1;
  EXPECT_EQ(missing, 0u) << "acknowledged records lost";
  const std::string log = server_->Log();
  EXPECT_NE(log.find("WAL recovery complete"), std::string::npos);
}

}  // namespace
}  // namespace arc::test
