// End to end: real server process, real HTTP, Parquet read back with DuckDB.
#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <thread>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

using E2eTest = ServerFixture;

const char kLines[] =
    "cpu,host=a,region=eu usage=1.5,count=3i,ok=true,msg=\"hi there\" 1700000000000000000\n"
    "cpu,host=b,region=us usage=2.25,count=-4i,ok=false,msg=\"x\\\"y\" 1700000001000000000\n"
    "# comment\n"
    "cpu,host=c usage=3 1700000002000000000\n";

void ExpectLineRows(const std::string& files) {
  Rows rows = Query("SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.%f'), host, region, usage, count, ok, msg "
                    "FROM read_parquet('" + files + "', union_by_name=true) ORDER BY time");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"2023-11-14T22:13:20.000000", "a", "eu", "1.5", "3", "true", "hi there"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2023-11-14T22:13:21.000000", "b", "us", "2.25", "-4", "false", "x\"y"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2023-11-14T22:13:22.000000", "c", "NULL", "3.0", "NULL", "NULL", "NULL"}));
  Rows types = Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" +
                     files + "', union_by_name=true)) ORDER BY column_name");
  std::vector<std::string> got;
  for (auto& r : types) got.push_back(r[0] + ":" + r[1]);
  EXPECT_EQ(got, (std::vector<std::string>{"count:BIGINT", "host:VARCHAR", "msg:VARCHAR", "ok:BOOLEAN",
                                           "region:VARCHAR", "time:TIMESTAMP WITH TIME ZONE",
                                           "usage:DOUBLE"}));
}

TEST_F(E2eTest, LineProtocolOnEveryEndpoint) {
  StartServer();
  EXPECT_EQ(client_->Post("/write?db=v1db", kLines, Auth()).status, 204);
  EXPECT_EQ(client_->Post("/api/v2/write?bucket=v2db/autogen&org=ignored", kLines,
                          {{"Authorization", std::string("Token ") + kToken}}).status, 204);
  EXPECT_EQ(client_->Post("/api/v1/write/line-protocol", kLines,
                          {{"x-api-key", kToken}, {"x-arc-database", "arcdb"}}).status, 204);
  EXPECT_EQ(client_->Post(std::string("/write?db=precdb&precision=s&u=me&p=") + kToken,
                          "cpu,host=a usage=1 1700000000\n").status, 204);
  EXPECT_EQ(client_->Post("/write?db=ignored", "cpu,host=a usage=1 1700000000\n",
                          Auth({{"x-arc-database", "hdrdb"}})).status, 204) << "header overrides ?db=";
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  for (const char* db : {"v1db", "v2db", "arcdb"}) {
    SCOPED_TRACE(db);
    ExpectLineRows(Files(db, "cpu"));
    const std::string meta = QueryValue("SELECT decode(value) FROM parquet_kv_metadata('" +
                                        Files(db, "cpu") + "') WHERE decode(key) = 'arc:tags' LIMIT 1");
    EXPECT_EQ(meta, "host,region");
  }
  EXPECT_EQ(QueryValue("SELECT epoch(time) FROM '" + Files("precdb", "cpu") + "'"), "1700000000.0");
  EXPECT_EQ(ListParquet("hdrdb").size(), 1u);
  EXPECT_TRUE(ListParquet("ignored").empty());
}

// Two servers on one data or WAL directory would break exactly-once (each would replay the
// log, delete "orphans" and name files as if it were alone): the second must refuse to start,
// naming the directory and the holder.
TEST_F(E2eTest, SecondServerOnTheSameDirectoriesRefusesToStart) {
  StartServer("[wal]\nenabled = true\n");
  const std::string data = dir_.path() + "/data/arc", wal = dir_.path() + "/data/wal";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[storage]\nlocal_path = \"" + data + "\"\n", "storage.local_path " + data},
      {"[storage]\nlocal_path = \"./other\"\n[wal]\nenabled = true\ndir = \"" + wal + "\"\n",
       "wal.dir " + wal}};
  for (const auto& [toml, expect] : cases) {
    SCOPED_TRACE(expect);
    TempDir other;
    ServerProcess second(other.path(), BaseConfig() + toml, {{"ARC_AUTH_BOOTSTRAP_TOKEN", kToken}});
    EXPECT_EQ(second.RunToExit(), 1);
    const std::string log = second.Log();
    EXPECT_NE(log.find(expect + " is in use by another arc server"), std::string::npos) << log;
    EXPECT_NE(log.find(".lock is locked by another process (pid "), std::string::npos) << log;
  }
  EXPECT_EQ(client_->Post("/write?db=d", "m v=1 1\n", Auth()).status, 204) << "the first keeps serving";
  // One directory spelled two ways is locked once (the server must not lock itself out).
  TempDir solo;
  ServerProcess same(solo.path(), BaseConfig() + "[storage]\nlocal_path = \"./d\"\n[wal]\nenabled = true\n"
                                  "dir = \"" + solo.path() + "/d/\"\n",
                     {{"ARC_AUTH_BOOTSTRAP_TOKEN", kToken}});
  EXPECT_TRUE(same.Start()) << same.Log();
}

std::string ColumnarDoc(int n, int64_t base_ms) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(3);
  pk.pack("m"); pk.pack("cpu");
  pk.pack("tags"); pk.pack(std::vector<std::string>{"host"});
  pk.pack("columns"); pk.pack_map(4);
  pk.pack("time"); pk.pack_array(n); for (int i = 0; i < n; ++i) pk.pack(base_ms + i * 1000);
  pk.pack("host"); pk.pack_array(n); for (int i = 0; i < n; ++i) pk.pack("host" + std::to_string(i % 10));
  pk.pack("usage"); pk.pack_array(n); for (int i = 0; i < n; ++i) pk.pack(i * 0.25);
  pk.pack("flag"); pk.pack_array(n); for (int i = 0; i < n; ++i) { if (i % 5 == 0) pk.pack_nil(); else pk.pack(i % 2 == 0); }
  return std::string(buf.data(), buf.size());
}

TEST_F(E2eTest, MsgpackPlainGzipAndZstdGiveIdenticalRows) {
  StartServer();
  const std::string doc = ColumnarDoc(1000, 1700000000000);
  EXPECT_EQ(client_->Post("/api/v1/write/msgpack", doc, Auth({{"x-arc-database", "plain"}})).status, 204);
  EXPECT_EQ(client_->Post("/api/v1/write/msgpack", GzipCompress(doc),
                          Auth({{"x-arc-database", "gz"}, {"Content-Encoding", "gzip"}})).status, 204);
  EXPECT_EQ(client_->Post("/api/v1/write/msgpack", ZstdCompress(doc),
                          Auth({{"x-arc-database", "zs"}})).status, 204) << "zstd found by magic bytes";
  EXPECT_EQ(client_->Post("/api/v1/write/line-protocol", GzipCompress("cpu,host=z usage=1 1700000000000000000"),
                          Auth({{"x-arc-database", "lpgz"}})).status, 204);
  ASSERT_EQ(server_->Stop(), 0);
  const std::string sql = "SELECT count(*), count(DISTINCT host), sum(usage), count(flag), "
                          "sum(flag::INT), min(epoch_ms(time)), max(epoch_ms(time)) FROM ";
  const Rows want = {{"1000", "10", "124875.0", "800", "400", "1700000000000", "1700000999000"}};
  EXPECT_EQ(Query(sql + "'" + Files("plain", "cpu") + "'"), want);
  EXPECT_EQ(Query(sql + "'" + Files("gz", "cpu") + "'"), want);
  EXPECT_EQ(Query(sql + "'" + Files("zs", "cpu") + "'"), want);
  // Row by row, the three copies are identical.
  EXPECT_EQ(QueryValue("SELECT count(*) FROM (SELECT * FROM '" + Files("plain", "cpu") +
                       "' EXCEPT SELECT * FROM '" + Files("zs", "cpu") + "')"), "0");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM '" + Files("lpgz", "cpu") + "'"), "1");
}

TEST_F(E2eTest, SchemaChangeMidStreamFlushesAndKeepsBothShapes) {
  StartServer("[ingest]\nmax_buffer_age_ms = 600000\n");
  EXPECT_EQ(client_->Post("/write?db=s", "cpu,host=a v=1i 1700000000000000000", Auth()).status, 204);
  EXPECT_EQ(client_->Post("/write?db=s", "cpu,host=a v=2i,extra=\"e\" 1700000001000000000", Auth()).status, 204)
      << "a new column is not a type change";
  EXPECT_EQ(client_->Post("/write?db=s", "cpu,host=a v=2.5 1700000002000000000", Auth()).status, 204)
      << "integer → float across requests is a schema change";
  ASSERT_EQ(server_->Stop(), 0);
  const std::vector<std::string> files = ListParquet("s");
  EXPECT_GE(files.size(), 2u);
  Rows rows = Query("SELECT v::VARCHAR, extra FROM read_parquet('" + Files("s", "cpu") +
                    "', union_by_name=true) ORDER BY time");
  EXPECT_EQ(rows, (Rows{{"1.0", "NULL"}, {"2.0", "e"}, {"2.5", "NULL"}}));
}

TEST_F(E2eTest, DataSpanningHoursLandsInHourFolders) {
  StartServer();
  std::string body;
  for (int h = 0; h < 3; ++h) {
    for (int i = 0; i < 4; ++i) {
      body += "m v=" + std::to_string(h * 10 + i) + " " +
              std::to_string((1700002800LL + h * 3600 + i * 60) * 1000000000LL) + "\n";
    }
  }
  ASSERT_EQ(client_->Post("/write?db=h", body, Auth()).status, 204);
  ASSERT_EQ(server_->Stop(), 0);
  const std::vector<std::string> files = ListParquet("h");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_NE(files[0].find("/h/m/2023/11/14/23/"), std::string::npos) << files[0];
  EXPECT_NE(files[1].find("/h/m/2023/11/15/00/"), std::string::npos) << files[1];
  EXPECT_NE(files[2].find("/h/m/2023/11/15/01/"), std::string::npos) << files[2];
  for (size_t h = 0; h < 3; ++h) {
    EXPECT_EQ(QueryValue("SELECT count(*) || ':' || min(v) FROM '" + files[h] + "'"),
              "4:" + std::to_string(h * 10) + ".0");
  }
}

TEST_F(E2eTest, BuffersFlushBySizeAndByAge) {
  StartServer("[ingest]\nmax_buffer_size = 100\nmax_buffer_age_ms = 300\n");
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "big v=" + std::to_string(i) + " " + std::to_string(1700000000000000000LL + i) + "\n";
  ASSERT_EQ(client_->Post("/write?db=f", hundred, Auth()).status, 204);
  ASSERT_EQ(client_->Post("/write?db=f", "small v=1 1700000000000000000", Auth()).status, 204);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ListParquet("f").size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(ListParquet("f/big").size(), 1u) << "size flush";
  EXPECT_EQ(ListParquet("f/small").size(), 1u) << "age flush while the server runs";
  EXPECT_EQ(QueryValue("SELECT count(*) FROM '" + Files("f", "big") + "'"), "100");
  ASSERT_EQ(server_->Stop(), 0);
}

TEST_F(E2eTest, SigtermFlushesEveryBufferedRow) {
  StartServer("[ingest]\nmax_buffer_age_ms = 3600000\nmax_buffer_size = 10000000\n");
  for (int r = 0; r < 20; ++r) {
    std::string body;
    for (int i = 0; i < 500; ++i) {
      body += "m,host=h" + std::to_string(i % 7) + " v=" + std::to_string(r * 500 + i) + "i " +
              std::to_string(1700000000000000000LL + (r * 500 + i) * 1000LL) + "\n";
    }
    ASSERT_EQ(client_->Post("/write?db=t", body, Auth()).status, 204);
  }
  EXPECT_TRUE(ListParquet("t").empty()) << "nothing flushed before shutdown";
  ASSERT_EQ(server_->Stop(), 0) << server_->Log();
  EXPECT_EQ(QueryValue("SELECT count(*) || ',' || count(DISTINCT v) || ',' || sum(v) FROM '" +
                       Files("t", "m") + "'"),
            "10000,10000,49995000");
  EXPECT_NE(server_->Log().find("flushing 10000 buffered rows before exit"), std::string::npos);
}

TEST_F(E2eTest, ManyConcurrentKeepAliveClients) {
  StartServer();
  constexpr int kThreads = 8, kRequests = 40, kRows = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(server_->port());
      for (int r = 0; r < kRequests; ++r) {
        std::string body;
        for (int i = 0; i < kRows; ++i) {
          const int64_t id = (t * kRequests + r) * kRows + i;
          body += "c,t=" + std::to_string(t) + " id=" + std::to_string(id) + "i " +
                  std::to_string(1700000000000000000LL + id) + "\n";
        }
        if (c.Post("/write?db=cc", body, Auth()).status == 204) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  ASSERT_EQ(server_->Stop(), 0);
  EXPECT_EQ(QueryValue("SELECT count(*) || ',' || count(DISTINCT id) FROM '" + Files("cc", "c") + "'"),
            std::to_string(kThreads * kRequests * kRows) + "," + std::to_string(kThreads * kRequests * kRows));
}

TEST_F(E2eTest, HealthAndReadyArePublic) {
  StartServer();
  HttpResult h = client_->Get("/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_NE(h.body.find("\"status\":\"ok\""), std::string::npos);
  EXPECT_NE(h.body.find("\"uptime_sec\""), std::string::npos);
  EXPECT_EQ(client_->Get("/ready").status, 200);
  ASSERT_EQ(server_->Stop(), 0);
}

TEST_F(E2eTest, AuthDisabledForLocalUse) {
  StartServer("", {{"ARC_AUTH_ENABLED", "false"}});
  EXPECT_EQ(client_->Post("/write?db=open", "m v=1 1700000000000000000").status, 204);
  ASSERT_EQ(server_->Stop(), 0);
  EXPECT_EQ(ListParquet("open").size(), 1u);
  EXPECT_NE(server_->Log().find("authentication is disabled"), std::string::npos);
}

}  // namespace
}  // namespace arc::test
