// Nothing a client writes may stop the pipeline (issue 10): bad names and values are refused
// with a 400, a type change never breaks queries, rows storage cannot take go to the
// quarantine, full disks heal, back-pressure never blocks /health, limits answer a 400,
// shutdown is bounded and leaves nothing to replay. All through the real server.
#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "ingest/batch_codec.h"
#include "util/server_fixture.h"
#include "util/tmpfs.h"
#include "wal/format.h"
#include "wal/segment_name.h"

namespace arc::test {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class PipelineTest : public ServerFixture {
 protected:
  json QueryJson(const std::string& sql, const std::string& db = "default") {
    HttpResult r = client_->Post("/api/v1/query", json{{"sql", sql}}.dump(),
                                 Auth({{"x-arc-database", db}}));
    EXPECT_EQ(r.status, 200) << sql << " -> " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  int Write(const std::string& db, const std::string& lines) {
    return client_->Post("/write?db=" + db + "&precision=s", lines, Auth()).status;
  }
};

// Regressions: each of these was accepted with 204, and then every flush of the measurement
// failed and was retried forever (with the WAL on, recovery failed the same way and the port
// never opened again).
TEST_F(PipelineTest, NamesAndValuesStorageCannotHoldAreRefusedWith400) {
  StartServer("[wal]\nenabled = true\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"m,Time=a v=1 1700000000\n", "reserved for the timestamp"},
      {"m TIME=1 1700000000\n", "reserved for the timestamp"},
      {std::string("m,h\0st=a v=1 1700000000\n", 24), "control character"},
      {"m,host=a\xff v=1 1700000000\n", "not valid UTF-8"},
      {"m v=\"caf\xe9\" 1700000000\n", "not valid UTF-8"},
      {"m v=1 253402300800\n", "outside the supported range"},
  };
  for (const auto& [body, expect] : cases) {
    HttpResult r = client_->Post("/write?db=p&precision=s", body, Auth());
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(r.body.find(expect), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("line 1"), std::string::npos) << r.body;
  }
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(3);
  pk.pack("m"); pk.pack("cpu");
  pk.pack("t"); pk.pack(-5000);
  pk.pack("fields"); pk.pack_map(1); pk.pack("v"); pk.pack(1);
  HttpResult r = client_->Post("/api/v1/write/msgpack", std::string(buf.data(), buf.size()),
                               Auth({{"x-arc-database", "p"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("time_unit"), std::string::npos) << r.body;
  ASSERT_EQ(Write("p", "m,host=a v=1 1700000000\n"), 204) << "the pipeline still flows";
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) FROM '" + Files("p", "m") + "'"), "1");
}

// Regression: an integer field that turned into a string while both rows were in memory made
// DuckDB raise an internal error ("Expected vector of type VARCHAR, but found INT64") that
// invalidated the query database: every later query failed, even SELECT 1, with a stack trace.
TEST_F(PipelineTest, TypeChangeWhileBufferedNeverBreaksQueries) {
  StartServer("[ingest]\nmax_buffer_age_ms = 600000\n");
  ASSERT_EQ(Write("default", "m x=1i 1700000000\n"), 204);
  ASSERT_EQ(Write("default", "m x=\"s\" 1700000001\n"), 204);
  ASSERT_EQ(Write("default", "m x=2.5 1700000002\n"), 204);
  json r = QueryJson("SELECT x FROM m ORDER BY time");
  ASSERT_TRUE(r.value("success", false)) << r.dump();
  EXPECT_EQ(r["data"], json::parse(R"([["1"], ["s"], ["2.5"]])")) << r.dump();
  EXPECT_EQ(QueryJson("SELECT 1 AS one")["data"], json::parse("[[1]]"));
  for (const char* bad : {"SELECT * FROM no_such_table", "SELECT 1/0::INT + 'x'"}) {
    HttpResult e = client_->Post("/api/v1/query", json{{"sql", bad}}.dump(), Auth());
    EXPECT_EQ(e.body.find("Stack Trace"), std::string::npos) << e.body;
  }
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) FROM read_parquet('" + Files("default", "m") +
                       "', union_by_name = true)"),
            "3");
}

// One row of measurement m in database w: tag `tag` = "a", field id = `id`.
BatchSet OneRowSet(const std::string& tag, int64_t id) {
  BatchSet set("w");
  Batch* b = nullptr;
  EXPECT_TRUE(set.GetOrCreate("m", &b).ok());
  b->columns[b->AddColumn(tag, ColumnType::kString, true)].AppendString("a");
  b->columns[b->AddColumn("id", ColumnType::kInt64, false)].AppendInt(id);
  b->FinishRow(1700000000000000 + id);
  return set;
}

// Worker 1's first segment holding `payloads` as records entries with LSNs 100, 101, ...
void WriteSegment(const std::string& wal_dir, const std::vector<std::string>& payloads) {
  wal::SegmentHeader h;
  h.worker = 1;
  h.segment = 1;
  h.first_lsn = 100;
  h.created_us = 1700000000000000;
  std::string data = wal::EncodeSegmentHeader(h);
  for (size_t i = 0; i < payloads.size(); ++i) {
    wal::EntryHeader e;
    e.length = static_cast<uint32_t>(payloads[i].size());
    e.lsn = 100 + i;
    e.segment = 1;
    char header[wal::kEntryHeaderSize];
    wal::EncodeEntryHeader(e, payloads[i], header);
    data.append(header, wal::kEntryHeaderSize);
    data += payloads[i];
  }
  std::filesystem::create_directories(wal_dir);
  WriteTextFile(wal_dir + "/" + wal::FormatSegmentName(1, 1700000000), data);
}

// A WAL segment as an older version would have left it (MessagePack payloads): its middle
// entry passes its CRC but holds a tag named "Time", which this version refuses.
void WriteSegmentWithAPoisonedEntry(const std::string& wal_dir) {
  WriteSegment(wal_dir, {EncodeBatchSetAsMessagePack(OneRowSet("host", 1)),
                         EncodeBatchSetAsMessagePack(OneRowSet("Time", 2)),
                         EncodeBatchSetAsMessagePack(OneRowSet("host", 3))});
}

// An upgrade: the log holds entries an older build wrote (MessagePack) and entries this build
// writes (columnar binary); the restarted server stores every row of both exactly once.
TEST_F(PipelineTest, WalOfBothPayloadEncodingsReplaysAfterAnUpgrade) {
  WriteSegment(dir_.path() + "/data/wal", {EncodeBatchSetAsMessagePack(OneRowSet("host", 1)),
                                           EncodeBatchSet(OneRowSet("host", 2)),
                                           EncodeBatchSetAsMessagePack(OneRowSet("host", 3)),
                                           EncodeBatchSet(OneRowSet("host", 4))});
  StartServer("[wal]\nenabled = true\n");
  EXPECT_EQ(json::parse(client_->Get("/api/v1/quarantine", Auth()).body)["total_records"], 0);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT string_agg(id::VARCHAR || host, ',' ORDER BY id) FROM '" + Files("w", "m") + "'"),
            "1a,2a,3a,4a");
}

TEST_F(PipelineTest, WalEntryThatNoLongerDecodesIsQuarantinedAndStartUpGoesOn) {
  WriteSegmentWithAPoisonedEntry(dir_.path() + "/data/wal");
  const std::string wal = "[wal]\nenabled = true\n";
  StartServer(wal);
  HttpResult list = client_->Get("/api/v1/quarantine", Auth());
  ASSERT_EQ(list.status, 200) << list.body;
  json q = json::parse(list.body);
  ASSERT_EQ(q["total_records"], 1) << q.dump();
  const json rec = q["records"][0];
  EXPECT_EQ(rec["source"], "replay");
  EXPECT_EQ(rec["database"], "w");
  EXPECT_EQ(rec["measurement"], "m");
  EXPECT_EQ(rec["rows"], 1);
  EXPECT_NE(rec["reason"].get<std::string>().find("reserved for the timestamp"), std::string::npos) << rec;
  HttpResult again = client_->Post("/api/v1/quarantine/replay", "", Auth());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["failed"].size(), 1u) << "it still does not decode: kept";
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM '" + Files("w", "m") + "'"), "1,3")
      << "every other row exactly once";
  StartServer(wal);  // the quarantined entry is not replayed a second time
  q = json::parse(client_->Get("/api/v1/quarantine", Auth()).body);
  ASSERT_EQ(q["total_records"], 1) << q.dump();
  const std::string id = q["records"][0]["id"];
  EXPECT_EQ(client_->Request("DELETE", "/api/v1/quarantine/" + id, "", Auth({{"x-api-key", kToken}})).status, 200);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/quarantine", Auth()).body)["total_records"], 0);
  EXPECT_EQ(client_->Request("DELETE", "/api/v1/quarantine/" + id, "", Auth()).status, 404);
  EXPECT_EQ(client_->Request("DELETE", "/api/v1/quarantine/..%2F..%2Fetc", "", Auth()).status, 404);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
}

TEST_F(PipelineTest, CardinalityLimitsAnswer400NamingTheLimit) {
  StartServer(
      "[ingest]\nmax_databases = 2\nmax_measurements_per_database = 3\n"
      "max_columns_per_measurement = 4\nmax_series_per_database = 5\n");
  EXPECT_EQ(Write("a", "m1 v=1 1\nm2 v=1 1\nm3 v=1 1\n"), 204);
  HttpResult r = client_->Post("/write?db=a&precision=s", "m4 v=1 1\n", Auth());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("ingest.max_measurements_per_database"), std::string::npos) << r.body;
  r = client_->Post("/write?db=a&precision=s", "m1,t=x a=1,b=2,c=3,d=4 2\n", Auth());
  EXPECT_NE(r.body.find("ingest.max_columns_per_measurement"), std::string::npos) << r.body;
  std::string series;
  for (int i = 0; i < 6; ++i) series += "m2,host=h" + std::to_string(i) + " v=1 " + std::to_string(10 + i) + "\n";
  r = client_->Post("/write?db=a&precision=s", series, Auth());
  EXPECT_NE(r.body.find("ingest.max_series_per_database"), std::string::npos) << r.body;
  EXPECT_EQ(Write("b", "m v=1 1\n"), 204);
  r = client_->Post("/write?db=c&precision=s", "m v=1 1\n", Auth());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("ingest.max_databases"), std::string::npos) << r.body;
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) FROM read_parquet('" + Files("a", "*") + "', union_by_name = true)"), "3")
      << "nothing of a refused request was stored";
}

// Regression: after a clean SIGTERM with the WAL on, the next start re-read the WAL that was
// already in Parquet (up to 45 MB).
TEST_F(PipelineTest, CleanShutdownLeavesNothingToReplay) {
  const std::string wal = "[wal]\nenabled = true\n";
  StartServer(wal);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Write("c", "m v=" + std::to_string(i) + " " + std::to_string(1700000000 + i) + "\n"), 204);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_TRUE(FindFiles(dir_.path() + "/data/wal", ".wal").empty()) << "flushed segments are gone";
  const size_t log_before = server_->Log().size();
  StartServer(wal);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(server_->Log().find("WAL recovery started", log_before), std::string::npos) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) FROM '" + Files("c", "m") + "'"), "20");
}

// Many small measurements: flushes batch them (several measurements per job, one commit and
// one manifest write per job), shutdown is bounded, and the next start replays what was left.
TEST_F(PipelineTest, ThousandsOfMeasurementsFlushAndShutdownStaysBounded) {
  constexpr int kMeasurements = 2000, kRowsEach = 3;
  const std::string extra = "[wal]\nenabled = true\n";
  const std::map<std::string, std::string> env = {{"ARC_SERVER_SHUTDOWN_TIMEOUT_SECONDS", "20"}};
  StartServer(extra, env);
  for (int start = 0; start < kMeasurements; start += 250) {
    std::string body;
    for (int m = start; m < start + 250; ++m) {
      for (int r = 0; r < kRowsEach; ++r) {
        body += "m" + std::to_string(m) + ",host=h v=" + std::to_string(r) + " " +
                std::to_string(1700000000 + r) + "\n";
      }
    }
    ASSERT_EQ(Write("many", body), 204);
  }
  const auto t0 = Clock::now();
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("SIGTERM with %d measurements buffered: %.1f s\n", kMeasurements, seconds);
  EXPECT_LT(seconds, 20 + 10) << "bounded by shutdown_timeout_seconds";
  StartServer(extra, env);  // whatever the bound left in the WAL is replayed now
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) FROM read_parquet('" + dir_.path() +
                       "/data/arc/many/*/*/*/*/*/*.parquet', union_by_name = true)"),
            std::to_string(kMeasurements * kRowsEach));
}

// The WAL on a small real file system that fills up: writes get 503 while it is full and are
// accepted again within seconds of space coming back; nothing acknowledged is lost.
// Regression: a full WAL disk never healed (writes stayed 503 until restart).
TEST_F(PipelineTest, FullWalDiskHealsOnceSpaceIsBack) {
  if (!CanMount()) GTEST_SKIP() << "mounting a tmpfs needs root";
  Tmpfs disk(dir_.path() + "/waldisk", 8 << 20);
  ASSERT_TRUE(disk.ok()) << disk.error();
  StartServer("[wal]\nenabled = true\nmax_size_mb = 1\ndir = \"" + disk.dir() + "/wal\"\n");
  disk.Fill(64 << 10);
  std::set<int64_t> acked;
  int64_t next = 0;
  auto write_some = [&](int requests) {
    int refused = 0;
    for (int i = 0; i < requests; ++i, next += 100) {
      std::string body;
      for (int64_t id = next; id < next + 100; ++id) {
        body += "d,src=x id=" + std::to_string(id) + "i " + std::to_string(1700000000 + id) + "\n";
      }
      HttpResult r = client_->Post("/write?db=d&precision=s", body, Auth());
      if (r.status == 204) {
        for (int64_t id = next; id < next + 100; ++id) acked.insert(id);
      } else {
        EXPECT_EQ(r.status, 503) << r.body;
        ++refused;
      }
    }
    return refused;
  };
  EXPECT_GT(write_some(40), 0) << "the full disk must refuse some writes";
  HttpResult health = client_->Get("/api/wal/health", Auth());
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("No space left on device"), std::string::npos) << health.body;
  disk.Free();
  const auto freed = Clock::now();
  bool healed = false;
  while (Clock::now() - freed < std::chrono::seconds(10)) {
    if (write_some(1) == 0 && write_some(4) == 0) {
      healed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(healed) << server_->Log();
  std::printf("WAL healed %.1f s after space came back\n",
              std::chrono::duration<double>(Clock::now() - freed).count());
  // Writes go to healthy workers at once; every worker heals within about a second more.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (client_->Get("/api/wal/health", Auth()).status != 200 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(client_->Get("/api/wal/health", Auth()).status, 200) << "every worker healed";
  EXPECT_EQ(write_some(10), 0);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  std::set<int64_t> stored;
  for (const auto& row : Query("SELECT id FROM '" + Files("d", "d") + "'")) {
    EXPECT_TRUE(stored.insert(std::stoll(row[0])).second) << "stored twice: " << row[0];
  }
  for (int64_t id : acked) ASSERT_TRUE(stored.count(id)) << "acknowledged id lost: " << id;
}

// A spare segment file (docs/wal-format.md, "Reusing segment files") must not pin the space a
// full WAL disk needs: healing deletes it and continues in a new file, before anyone frees the
// disk. Every acknowledged record survives.
TEST_F(PipelineTest, FullWalDiskHealsByDeletingTheSpare) {
  if (!CanMount()) GTEST_SKIP() << "mounting a tmpfs needs root";
  Tmpfs disk(dir_.path() + "/waldisk", 16 << 20);
  ASSERT_TRUE(disk.ok()) << disk.error();
  StartServer("[wal]\nenabled = true\nmax_size_mb = 1\ndir = \"" + disk.dir() + "/wal\"\n" +
              "[ingest]\nmax_buffer_size = 2000\nmax_buffer_age_ms = 100\n");
  std::set<int64_t> acked;
  int64_t next = 0;
  auto write_one = [&] {
    std::string body;
    for (int64_t id = next; id < next + 400; ++id) {
      body += "d,src=x id=" + std::to_string(id) + "i " + std::to_string(1700000000 + id) + "\n";
    }
    const int status = client_->Post("/write?db=d&precision=s", body, Auth()).status;
    if (status == 204) {
      for (int64_t id = next; id < next + 400; ++id) acked.insert(id);
    }
    next += 400;
    return status;
  };
  auto spares = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(disk.dir() + "/wal")) {
      n += e.path().extension() == ".spare";
    }
    return n;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (spares() < 2 && Clock::now() < deadline) ASSERT_EQ(write_one(), 204);
  ASSERT_EQ(spares(), 2) << "both workers keep a spare before the disk fills";
  disk.Fill(64 << 10);
  int refused = 0, accepted_after = 0;
  while (Clock::now() < deadline + std::chrono::seconds(15) && accepted_after < 5) {
    const int status = write_one();
    if (status == 503) ++refused;
    else if (refused > 0 && status == 204) ++accepted_after;
    if (status == 503) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(refused, 0) << "the full disk must refuse some writes";
  EXPECT_EQ(accepted_after, 5) << "healed without the disk being freed\n" << server_->Log();
  EXPECT_NE(server_->Log().find("spare segment file deleted (the WAL is healing)"),
            std::string::npos);
  disk.Free();
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  std::set<int64_t> stored;
  for (const auto& row : Query("SELECT id FROM '" + Files("d", "d") + "'")) {
    EXPECT_TRUE(stored.insert(std::stoll(row[0])).second) << "stored twice: " << row[0];
  }
  for (int64_t id : acked) ASSERT_TRUE(stored.count(id)) << "acknowledged id lost: " << id;
}

// Storage on a full disk: flushes fail and are retried, writes wait for room and then get
// 503, and all the while /health answers at once (the waits never hold an HTTP I/O thread).
// Regression: /health took 6-7 s while storage was stalled.
TEST_F(PipelineTest, StalledStorageNeverSlowsHealth) {
  if (!CanMount()) GTEST_SKIP() << "mounting a tmpfs needs root";
  Tmpfs disk(dir_.path() + "/datadisk", 16 << 20);
  ASSERT_TRUE(disk.ok()) << disk.error();
  StartServer("[storage]\nlocal_path = \"" + disk.dir() + "/arc\"\n"
              "[ingest]\nmax_buffer_size = 100\nmax_pending_rows = 300\nmax_buffer_age_ms = 50\n");
  disk.Fill(0);
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 6; ++t) {
    writers.emplace_back([&, t] {
      HttpClient c(server_->port());
      for (int i = 0; i < 4; ++i) {
        std::string body;
        for (int r = 0; r < 100; ++r) body += "s,t=" + std::to_string(t) + " v=" + std::to_string(r) + " " + std::to_string(1700000000 + i * 100 + r) + "\n";
        const int status = c.Post("/write?db=s&precision=s", body, Auth()).status;
        (status == 204 ? ok : refused)++;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the flush queue is full by now
  double worst_ms = 0;
  for (int i = 0; i < 20; ++i) {
    HttpClient probe(server_->port());
    const auto t0 = Clock::now();
    EXPECT_EQ(probe.Get("/health").status, 200);
    worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::printf("/health while storage is stalled: worst of 20 = %.1f ms\n", worst_ms);
  EXPECT_LT(worst_ms, 500) << "health must not wait for storage";
  disk.Free();
  for (auto& t : writers) t.join();
  EXPECT_GT(ok.load(), 0);
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) FROM '" + disk.dir() + "/arc/s/s/*/*/*/*/*.parquet'"),
            std::to_string(ok.load() * 100))
      << "every acknowledged row, once";
}

}  // namespace
}  // namespace arc::test
