// kill -9 of the real server, many times, with clients writing numbered records. Afterwards
// every acknowledged record is in Parquet exactly once and nothing appears that was never
// sent. ARC_KILL9_ROUNDS (default 5) sets how many kills; raise it for a long run.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

class Kill9Test : public ServerFixture {
 protected:
  // Kills the server `rounds` times while 4 clients write numbered records, `per_request` a
  // request, then checks that every acknowledged record is in Parquet exactly once and nothing
  // appears that was never sent. Each kill waits (up to 30 s past its random delay) until
  // `ready_to_kill` holds, so a slow build still reaches the state a test is about.
  void KillRounds(const std::string& extra, int rounds, int per_request,
                  const std::function<bool()>& ready_to_kill = [] { return true; });
};

void Kill9Test::KillRounds(const std::string& extra, int rounds, int per_request,
                           const std::function<bool()>& ready_to_kill) {
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
          const int64_t first = next_id.fetch_add(per_request);
          std::string body;
          for (int64_t id = first; id < first + per_request; ++id) {
            body += "k,src=c id=" + std::to_string(id) + "i " +
                    std::to_string((1700000000LL + id) * 1000000000LL) + "\n";
          }
          const int status = client.Post("/write?db=k", body, Auth()).status;
          std::lock_guard<std::mutex> lock(mu);
          if (status == 204) {
            ++requests_ok;
            for (int64_t id = first; id < first + per_request; ++id) acked.insert(id);
          } else {
            ++requests_failed;
            if (status == 0) return;  // the server is gone
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 700)(rng)));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!ready_to_kill() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
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

TEST_F(Kill9Test, AcknowledgedRecordsSurviveKillNineExactlyOnce) {
  const char* env = std::getenv("ARC_KILL9_ROUNDS");
  KillRounds("[wal]\nenabled = true\nsync_mode = \"fdatasync\"\nmax_size_mb = 1\n"
             "[ingest]\nmax_buffer_size = 300\nmax_buffer_age_ms = 150\n",
             env ? std::atoi(env) : 5, 20);
}

// 1 MB segments filled in a fraction of a second and flushed at once: retired segments become
// spares (docs/wal-format.md, "Reusing segment files") and the next segments, the restarts'
// first ones included, are written over their old entries. Recovery must replay the new
// entries and never the old ones.
TEST_F(Kill9Test, KillNineWhileSegmentsAreWrittenIntoSpares) {
  // Regression (CI, Debug + ASan): too slow to fill a segment before a timed kill, so each
  // kill now waits until a spare exists.
  int rounds_with_spare = 0;
  KillRounds("[wal]\nenabled = true\nsync_mode = \"fdatasync\"\nmax_size_mb = 1\n"
             "[ingest]\nmax_buffer_size = 2000\nmax_buffer_age_ms = 100\n",
             5, 400, [&] {
               for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("data/wal"))) {
                 if (e.path().extension() == ".spare") {
                   ++rounds_with_spare;
                   return true;
                 }
               }
               return false;
             });
  std::printf("kill -9 rounds that left a spare: %d of 5\n", rounds_with_spare);
  EXPECT_EQ(rounds_with_spare, 5) << "every kill must find a spare to reuse";
  if (server_->Log().find("refuses O_DIRECT") == std::string::npos) {
    EXPECT_EQ(server_->Log().find("spare segment file not reused"), std::string::npos)
        << server_->Log();
  }
}

// The restart flushes the replayed rows once its port is open (they wait in memory while
// start-up finishes): they must reach Parquet while the server runs, not only at its stop.
TEST_F(Kill9Test, ReplayedRowsReachParquetWhileTheRestartedServerRuns) {
  const std::string extra =
      "[wal]\nenabled = true\nsync_mode = \"fdatasync\"\n"
      "[ingest]\nmax_buffer_size = 1000000\nmax_buffer_age_ms = 3600000\n";  // no flush before the kill
  StartServer(extra);
  std::string body;
  for (int id = 0; id < 500; ++id) {
    body += "r,src=c id=" + std::to_string(id) + "i " + std::to_string((1700000000LL + id) * 1000000000LL) + "\n";
  }
  ASSERT_EQ(client_->Post("/write?db=k", body, Auth()).status, 204);
  server_->Kill();
  ASSERT_TRUE(ListParquet("k").empty()) << "flushed before the kill: the test proves nothing";
  StartServer(extra);
  std::vector<std::string> files;
  for (int i = 0; i < 200 && files.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    files = ListParquet("k");
  }
  ASSERT_FALSE(files.empty()) << "replayed rows not flushed within 10 s of the restart\n" << server_->Log();
  const Rows n = Query("SELECT count(*), count(DISTINCT id) FROM '" + Files("k", "r") + "'");
  EXPECT_EQ(n[0][0], "500");
  EXPECT_EQ(n[0][1], "500");
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
}

// In the sync modes the WAL is written with O_DIRECT: the segment a kill -9 leaves behind ends
// in a zero-padded block, and the restart replays every acknowledged row of it, once.
TEST_F(Kill9Test, DirectWalSegmentEndsInAPaddedBlockAndReplaysWhole) {
  const std::string extra =
      "[wal]\nenabled = true\nsync_mode = \"fdatasync\"\n"
      "[ingest]\nmax_buffer_size = 1000000\nmax_buffer_age_ms = 3600000\n";  // no flush
  StartServer(extra);
  int next = 0;
  for (int request = 0; request < 7; ++request) {  // bodies of odd sizes: a partial last block
    std::string body;
    for (int i = 0; i < 37 + request * 11; ++i, ++next) {
      body += "p,src=c id=" + std::to_string(next) + "i " +
              std::to_string((1700000000LL + next) * 1000000000LL) + "\n";
    }
    ASSERT_EQ(client_->Post("/write?db=k", body, Auth()).status, 204);
  }
  server_->Kill();
  if (server_->Log().find("refuses O_DIRECT") != std::string::npos) {
    GTEST_SKIP() << "this file system refuses O_DIRECT; the page-cache path is tested elsewhere";
  }
  uint64_t segment_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("data/wal"))) {
    if (e.path().extension() != ".wal") continue;
    EXPECT_EQ(e.file_size() % 4096, 0u) << e.path() << ": whole blocks on disk";
    segment_bytes += e.file_size();
  }
  ASSERT_GT(segment_bytes, 0u);
  StartServer(extra);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  const Rows stored =
      Query("SELECT count(*), count(DISTINCT id), max(id) FROM '" + Files("k", "p") + "'");
  EXPECT_EQ(stored[0][0], std::to_string(next));
  EXPECT_EQ(stored[0][1], std::to_string(next));
  EXPECT_EQ(stored[0][2], std::to_string(next - 1));
  EXPECT_NE(server_->Log().find(" 0 corrupted (end: zero-filled tail)"), std::string::npos)
      << "the padding reads as the end of the log, not as damage\n" << server_->Log();
}

// The same promise under a mixed workload: one client spreads rows over thousands of
// measurements, one changes a field's type between requests, one sends poison names that must
// be refused, and the usual numbered records go on. Run with the WAL (fdatasync: nothing
// acknowledged may be lost) and without (the README's promise: at most max_buffer_age_ms of
// acknowledged data, plus the flush in progress, lost to a kill -9).
class MixedKill9Test : public ServerFixture, public ::testing::WithParamInterface<bool> {};

TEST_P(MixedKill9Test, MixedWorkloadKeepsThePromiseTable) {
  const bool wal = GetParam();
  const char* env = std::getenv("ARC_KILL9_ROUNDS");
  const int rounds = env ? std::max(1, std::atoi(env) / 2) : 3;
  constexpr int kMeasurements = 2000;
  constexpr int64_t kBufferAgeMs = 1000;
  const std::string extra = std::string(wal ? "[wal]\nenabled = true\nsync_mode = \"fdatasync\"\nmax_size_mb = 1\n" : "") +
                            "[ingest]\nmax_buffer_age_ms = " + std::to_string(kBufferAgeMs) + "\n";
  using Clock = std::chrono::steady_clock;
  std::mt19937 rng(wal ? 7 : 8);
  std::mutex mu;
  std::map<int64_t, Clock::time_point> acked;   // id → when its 204 arrived
  std::set<int64_t> poison_ids;
  std::vector<Clock::time_point> kills;
  std::atomic<int64_t> next_id{0};
  int64_t bad_status = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(round);
    StartServer(extra);
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int kind = 0; kind < 4; ++kind) {
      clients.emplace_back([&, kind] {
        HttpClient client(server_->port());
        for (int64_t n = 0; !stop; ++n) {
          const int64_t first = next_id.fetch_add(50);
          std::string body;
          for (int64_t id = first; id < first + 50; ++id) {
            const std::string ts = std::to_string((1700000000LL + id % 7200) * 1000000000LL);
            switch (kind) {
              case 0: body += "k,src=c id=" + std::to_string(id) + "i " + ts + "\n"; break;
              case 1: body += "mm" + std::to_string(id % kMeasurements) + ",src=m id=" + std::to_string(id) + "i " + ts + "\n"; break;
              case 2:  // a field whose type changes from request to request
                body += "tc,src=t id=" + std::to_string(id) + "i,x=" + (n % 2 ? std::string("\"s\"") : std::string("1i")) + " " + ts + "\n";
                break;
              case 3:  // poison names: refused whole with a 400
                body += std::string(n % 2 ? "p,Time=a" : "p,ok=\xff") + " id=" + std::to_string(id) + "i " + ts + "\n";
                break;
            }
          }
          const int status = client.Post("/write?db=k", body, Auth()).status;
          const auto now = Clock::now();
          std::lock_guard<std::mutex> lock(mu);
          if (kind == 3) {
            for (int64_t id = first; id < first + 50; ++id) poison_ids.insert(id);
            if (status != 400 && status != 0) ++bad_status;
          } else if (status == 204) {
            for (int64_t id = first; id < first + 50; ++id) acked[id] = now;
          }
          if (status == 0) return;  // the server is gone
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(800, 2000)(rng)));
    server_->Kill();
    kills.push_back(Clock::now());
    stop = true;
    for (auto& t : clients) t.join();
  }
  StartServer(extra);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(bad_status, 0) << "poison writes must be refused with 400";
  std::map<int64_t, int> stored;
  for (const auto& row : Query("SELECT id, count(*) FROM read_parquet('" + dir_.path() +
                               "/data/arc/k/*/*/*/*/*/*.parquet', union_by_name = true) GROUP BY id")) {
    stored[std::stoll(row[0])] = std::stoi(row[1]);
  }
  size_t doubled = 0, poison_stored = 0, lost = 0;
  double worst_loss_age_ms = 0;
  for (const auto& [id, n] : stored) {
    doubled += n > 1 ? 1 : 0;
    poison_stored += poison_ids.count(id);
  }
  for (const auto& [id, when] : acked) {
    if (stored.count(id)) continue;
    ++lost;
    // Its age when the next kill came.
    for (const auto& k : kills) {
      if (k >= when) {
        worst_loss_age_ms = std::max(worst_loss_age_ms, std::chrono::duration<double, std::milli>(k - when).count());
        break;
      }
    }
  }
  std::printf("mixed kill -9 (WAL %s): rounds=%d acknowledged=%zu stored=%zu lost=%zu "
              "(oldest %.0f ms before its kill) doubled=%zu poison stored=%zu\n",
              wal ? "fdatasync" : "off", rounds, acked.size(), stored.size(), lost, worst_loss_age_ms,
              doubled, poison_stored);
  EXPECT_EQ(doubled, 0u);
  EXPECT_EQ(poison_stored, 0u);
  if (wal) {
    EXPECT_EQ(lost, 0u) << "with the WAL nothing acknowledged is lost";
  } else {
    // The promise: at most max_buffer_age_ms of data, plus the flush in progress.
    EXPECT_LE(worst_loss_age_ms, kBufferAgeMs + 2000.0);
  }
}

INSTANTIATE_TEST_SUITE_P(WalOnAndOff, MixedKill9Test, ::testing::Bool(),
                         [](const auto& info) { return info.param ? std::string("WalFdatasync") : std::string("WalOff"); });

// GET /api/wal/files lists the spares beside the segments and counts them in the total.
TEST_F(Kill9Test, WalFilesListsSpares) {
  StartServer("[wal]\nenabled = true\nsync_mode = \"fdatasync\"\nmax_size_mb = 1\n"
              "[ingest]\nmax_buffer_size = 2000\nmax_buffer_age_ms = 100\n");
  std::string body;
  for (int id = 0; id < 2000; ++id) {
    body += "s,src=c id=" + std::to_string(id) + "i " +
            std::to_string((1700000000LL + id) * 1000000000LL) + "\n";
  }
  nlohmann::json files;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(client_->Post("/write?db=k", body, Auth()).status, 204);
    const HttpResult r = client_->Get("/api/wal/files", Auth());
    ASSERT_EQ(r.status, 200) << r.body;
    files = nlohmann::json::parse(r.body);
    if (!files["spare"].empty()) break;
  }
  ASSERT_FALSE(files["spare"].empty()) << "no segment retired into a spare within 30 s: " << files;
  double total = 0;
  size_t count = 0;
  for (const char* kind : {"active", "recovered", "spare"}) {
    for (const auto& f : files[kind]) {
      total += f["size_mb"].get<double>();
      ++count;
    }
  }
  EXPECT_NEAR(files["total_size_mb"].get<double>(), total, 0.01 * static_cast<double>(count + 1))
      << "the spares count in the total: " << files;
  for (const auto& f : files["spare"]) {
    const std::string name = f["name"];
    EXPECT_TRUE(name == "worker-1.spare" || name == "worker-2.spare") << name;
    EXPECT_GE(f["size_mb"].get<double>(), 0.5) << "only segments of half max_size_mb are kept";
  }
  // The next rotation writes into the spare, and /metrics counts it.
  double reused = 0;
  const auto metrics_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (reused < 1 && std::chrono::steady_clock::now() < metrics_deadline) {
    ASSERT_EQ(client_->Post("/write?db=k", body, Auth()).status, 204);
    const HttpResult m = client_->Get("/metrics", Auth());
    ASSERT_EQ(m.status, 200);
    reused = 0;
    for (const char* worker : {"1", "2"}) {
      const std::string key = std::string("arc_wal_reused_files_total{worker=\"") + worker + "\"} ";
      const size_t at = m.body.find(key);
      ASSERT_NE(at, std::string::npos) << m.body;
      reused += std::stod(m.body.substr(at + key.size()));
    }
  }
  EXPECT_GE(reused, 1) << "no segment was written into a spare within 30 s";
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
}

}  // namespace
}  // namespace arc::test
