// POST /api/v1/query/arrow through the real server process, every answer decoded by an
// independent reader: Apache Arrow's JavaScript library (tests/arrow/read_ipc.mjs, installed by
// scripts/setup.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "util/raw_socket.h"
#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;

// The resident set of process `pid` in bytes (0 when it cannot be read).
uint64_t ResidentBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// The body bytes of a raw chunked HTTP answer, as far as they arrived.
std::string Dechunk(const std::string& raw) {
  size_t pos = raw.find("\r\n\r\n");
  if (pos == std::string::npos) return "";
  pos += 4;
  std::string body;
  while (pos < raw.size()) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const size_t size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    body += raw.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return body;
}

std::string RawArrowRequest(const std::string& sql) {
  const std::string body = json{{"sql", sql}}.dump();
  return "POST /api/v1/query/arrow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kToken) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class ArrowQueryTest : public ServerFixture {
 protected:
  // For the memory tests: AddressSanitizer keeps up to 256 MB of freed memory in quarantine,
  // which would be counted as the server's growth; a small quarantine leaves only what the
  // server really holds. No effect on a build without sanitizers.
  void StartServerForMemory() {
    const char* asan = std::getenv("ASAN_OPTIONS");
    std::string options = asan != nullptr ? std::string(asan) + ":" : "";
    StartServer("", {{"ASAN_OPTIONS", options + "quarantine_size_mb=4:thread_local_quarantine_size_kb=256"}});
  }
  HttpResult Arrow(const std::string& sql, const std::string& db = "db1") {
    return client_->Post("/api/v1/query/arrow", json{{"sql", sql}}.dump(),
                         Auth({{"x-arc-database", db}, {"Content-Type", "application/json"}}));
  }
  // Runs `query` while sampling the server's resident set every 5 ms; its peak growth in bytes.
  uint64_t PeakGrowthDuring(const std::function<void()>& query) {
    const uint64_t before = ResidentBytes(server_->pid());
    std::atomic<bool> done{false};
    std::atomic<uint64_t> peak{before};
    std::thread sampler([&] {
      while (!done) {
        peak = std::max<uint64_t>(peak, ResidentBytes(server_->pid()));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    query();
    done = true;
    sampler.join();
    return peak - before;
  }
  HttpResult Json(const std::string& sql, const std::string& db = "db1") {
    return client_->Post("/api/v1/query", json{{"sql", sql}}.dump(), Auth({{"x-arc-database", db}}));
  }
  // What apache-arrow decodes from `body`; {"error": message} when it cannot.
  json Decode(const std::string& body, bool summary = false) {
    const std::string path = dir_.Sub("answer.arrow");
    std::ofstream(path, std::ios::binary) << body;
    const std::string cmd = std::string("node ") + ARC_SOURCE_DIR + "/tests/arrow/read_ipc.mjs " +
                            (summary ? "--summary " : "") + path + " 2>&1";
    int rc = -1;
    const std::string out = test::Shell(cmd, &rc);
    if (rc != 0) return json{{"error", out}};
    return json::parse(out);
  }
  void Write(const std::string& lines, const std::string& db = "db1") {
    HttpResult w = client_->Post("/api/v1/write/line-protocol", lines, Auth({{"x-arc-database", db}}));
    ASSERT_EQ(w.status, 204) << w.body;
  }
};

TEST_F(ArrowQueryTest, EveryTypeAndNullPatternDecodesAsTheJsonAnswerHasIt) {
  StartServer();
  // Rows still in memory (read-your-writes) with a field missing from some rows.
  Write(
      "cpu,host=a usage=1.5,count=3i,state=\"ok\",up=true 1700000000000000000\n"
      "cpu,host=b usage=-2.25,state=\"fail\" 1700000001000000000\n"
      "cpu usage=0,count=-7i,up=false 1700000002123456000\n");
  const std::string sql = "SELECT time, host, usage, count, state, up FROM cpu ORDER BY time";
  HttpResult a = Arrow(sql);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Header("content-type"), "application/vnd.apache.arrow.stream");
  const json got = Decode(a.body);
  ASSERT_FALSE(got.contains("error")) << got.dump();
  const json& f = got["fields"];
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0]["type"], "Timestamp<MICROSECOND, UTC>");
  EXPECT_EQ(f[1]["type"], "Utf8");
  EXPECT_EQ(f[2]["type"], "Float64");
  EXPECT_EQ(f[3]["type"], "Int64");
  EXPECT_EQ(f[4]["type"], "Utf8");
  EXPECT_EQ(f[5]["type"], "Bool");
  EXPECT_EQ(got["num_rows"], 3);
  EXPECT_EQ(got["nulls"], json::parse("[0,1,0,1,1,1]"));
  // Timestamps: milliseconds since the epoch (the reader's unit), microseconds kept.
  EXPECT_EQ(got["rows"][0], json::parse(R"([1700000000000, "a", 1.5, "3", "ok", true])"));
  EXPECT_EQ(got["rows"][1], json::parse(R"([1700000001000, "b", -2.25, null, "fail", null])"));
  EXPECT_EQ(got["rows"][2], json::parse(R"([1700000002123.456, null, 0, "-7", null, false])"));
  // The JSON endpoint answers the same rows.
  HttpResult j = Json(sql);
  ASSERT_EQ(j.status, 200) << j.body;
  const json data = json::parse(j.body)["data"];
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[1][1], "b");
  EXPECT_EQ(data[1][3], nullptr);
  EXPECT_EQ(data[2][3], -7);
}

TEST_F(ArrowQueryTest, NarrowIntegersDatesTimestampUnitsAndCastTypesDecode) {
  StartServer();
  HttpResult a = Arrow(
      "SELECT 1::TINYINT a, 2::UTINYINT b, 3::SMALLINT c, 4::UINTEGER d, 7::UBIGINT e, 1.5::FLOAT f, "
      "DATE '2024-01-02' g, TIMESTAMP '2024-01-02 03:04:05'::TIMESTAMP_NS h, "
      "TIMESTAMP '2024-01-02'::TIMESTAMP_S i, TIMESTAMPTZ '2024-01-02 00:00:00+00' j, '\\xAB'::BLOB k, "
      "sum(x) l, 1.25::DECIMAL(5,2) m, INTERVAL 1 DAY n, [1, 2] o FROM range(3) t(x)");
  ASSERT_EQ(a.status, 200) << a.body;
  const json got = Decode(a.body);
  ASSERT_FALSE(got.contains("error")) << got.dump();
  std::vector<std::string> types;
  for (const json& f : got["fields"]) types.push_back(f["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"Int8", "Uint8", "Int16", "Uint32", "Uint64", "Float32",
                                             "Date32<DAY>", "Timestamp<NANOSECOND, UTC>",
                                             "Timestamp<SECOND, UTC>", "Timestamp<MICROSECOND, UTC>",
                                             "Binary", "Decimal[38e0]", "Decimal[5e+2]", "Utf8", "Utf8"}));
  // Decimals: their unscaled integers, exact (a HUGEINT sum past 2^53 stays exact, unlike
  // JSON's double).
  EXPECT_EQ(got["rows"][0], json::parse(R"([1, 2, 3, 4, "7", 1.5, 1704153600000, 1704164645000,
                                           1704153600000, 1704153600000, "ab", "3", "125", "1 day", "[1, 2]"])"));
  HttpResult big = Arrow("SELECT 123456789012345678901234567890::HUGEINT AS h");
  ASSERT_EQ(big.status, 200) << big.body;
  EXPECT_EQ(Decode(big.body)["rows"][0][0], "123456789012345678901234567890");
}

TEST_F(ArrowQueryTest, AnEmptyResultIsAValidStreamOfTheColumns) {
  StartServer();
  Write("cpu,host=a usage=1 1700000000000000000\n");
  HttpResult a = Arrow("SELECT host, usage FROM cpu WHERE usage > 100");
  ASSERT_EQ(a.status, 200) << a.body;
  const json got = Decode(a.body);
  ASSERT_FALSE(got.contains("error")) << got.dump();
  EXPECT_EQ(got["num_rows"], 0);
  EXPECT_EQ(got["fields"].size(), 2u);
}

TEST_F(ArrowQueryTest, ErrorsBeforeTheFirstRowsAreJsonWithTheirStatus) {
  StartServer();
  HttpResult bad = Arrow("SELEC 1");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("syntax error"), std::string::npos) << bad.body;
  EXPECT_EQ(Arrow("DROP TABLE x").status, 400);
  HttpResult boom = Arrow("SELECT error('boom') FROM range(5)");
  EXPECT_EQ(boom.status, 400);
  EXPECT_NE(boom.body.find("boom"), std::string::npos) << boom.body;
  EXPECT_EQ(client_->Post("/api/v1/query/arrow", R"({"sql": "SELECT 1"})").status, 401);
  EXPECT_EQ(client_->Post("/api/v1/query/arrow", "not json", Auth()).status, 400);
  EXPECT_EQ(client_->Get("/api/v1/query/arrow", Auth()).status, 405);
  // The server still answers.
  EXPECT_EQ(Arrow("SELECT 1 AS one").status, 200);
}

TEST_F(ArrowQueryTest, AMillionRowsStreamWithBoundedServerMemory) {
  StartServerForMemory();
  ASSERT_EQ(Arrow("SELECT range AS i FROM range(10000)").status, 200);  // warm: workers, buffers
  HttpResult a;
  const uint64_t growth = PeakGrowthDuring([&] {
    a = Arrow(
        "SELECT range AS i, range * 0.5 AS v, 'host-' || (range % 1000) AS host, "
        "TIMESTAMP '2024-01-01' + to_microseconds(range) AS time, repeat('x', 40) AS pad "
        "FROM range(1000000)");
  });
  ASSERT_EQ(a.status, 200);
  // More than the bound: a server that held the answer whole would fail.
  EXPECT_GT(a.body.size(), 72u << 20);
  EXPECT_LT(growth, 64ull << 20) << "server RSS grew by " << growth / (1 << 20) << " MB";
  const json got = Decode(a.body, true);
  ASSERT_FALSE(got.contains("error")) << got.dump();
  EXPECT_EQ(got["num_rows"], 1000000);
  EXPECT_GT(got["batches"], 100);  // streamed in batches, not one
  std::printf("1M-row Arrow answer: %zu bytes, server RSS growth %.1f MB\n", a.body.size(),
              static_cast<double>(growth) / (1 << 20));
}

TEST_F(ArrowQueryTest, APastTheRowLimitStreamIsCutNotShortAndTheNextQueryWorks) {
  StartServer("[query]\nmax_arrow_rows = 5000\n");
  HttpResult ok = Arrow("SELECT range AS i FROM range(5000)");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(Decode(ok.body, true)["num_rows"], 5000);
  // Past the limit: the status line is out, so the chunked body ends without its last chunk,
  // and the Arrow bytes end inside a message: an HTTP client and an Arrow reader both fail,
  // never seeing a complete-looking short answer.
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send(RawArrowRequest("SELECT range AS i FROM range(100000)")));
  const std::string answer = raw.Read(std::chrono::seconds(10));
  EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer.substr(0, 200);
  EXPECT_EQ(answer.find("\r\n0\r\n\r\n"), std::string::npos) << "the chunked body must not end properly";
  EXPECT_TRUE(raw.ClosedWithin(std::chrono::seconds(5)));
  const json cut = Decode(Dechunk(answer), true);
  ASSERT_TRUE(cut.contains("error")) << "an Arrow reader must fail on a cut stream: " << cut.dump();
  EXPECT_NE(server_->Log().find("max_arrow_rows"), std::string::npos);
  EXPECT_EQ(Arrow("SELECT 2 AS two").status, 200);
}

// Regression: a batch of wide rows went to the server as one message of up to
// max_result_bytes (a 250 MB batch grew the server's RSS by ~500 MB).
TEST_F(ArrowQueryTest, WideRowsStreamWithBoundedServerMemory) {
  StartServerForMemory();
  ASSERT_EQ(Arrow("SELECT range AS i FROM range(10000)").status, 200);
  HttpResult a;
  const uint64_t growth = PeakGrowthDuring(
      [&] { a = Arrow("SELECT range AS i, repeat('x', 60000) AS wide FROM range(3000)"); });  // 180 MB
  ASSERT_EQ(a.status, 200);
  EXPECT_GT(a.body.size(), 170u << 20);
  EXPECT_LT(growth, 64ull << 20) << "server RSS grew by " << growth / (1 << 20) << " MB";
  EXPECT_EQ(Decode(a.body, true)["num_rows"], 3000);
}

// Regression: a client that stopped reading an Arrow answer held the query worker for
// server.body_timeout_seconds (60 s), past query.timeout_seconds; with one worker every other
// query waited that long.
TEST_F(ArrowQueryTest, AStalledReaderHoldsTheWorkerNoLongerThanTheQueryTimeout) {
  StartServer("[query]\ntimeout_seconds = 2\nmax_concurrent = 1\n");
  RawConnection stalled(server_->port());
  ASSERT_TRUE(stalled.Send(RawArrowRequest("SELECT range AS i, repeat('x', 100) AS pad FROM range(3000000)")));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // its stream is under way
  const auto start = std::chrono::steady_clock::now();
  HttpResult next = Arrow("SELECT 3 AS three");
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(Decode(next.body)["rows"][0][0], 3);
  EXPECT_LT(waited, 6.0) << "the next query waited " << waited << " s for the stalled reader's worker";
  const std::string answer = stalled.Read(std::chrono::seconds(5));
  EXPECT_NE(answer.find("200 OK"), std::string::npos);
  EXPECT_EQ(answer.find("\r\n0\r\n\r\n"), std::string::npos) << "the stalled answer must be cut";
}

// Regression: a JSON query whose client had gone away held its worker and executor thread
// for server.body_timeout_seconds waiting for the session to ask for the body.
TEST_F(ArrowQueryTest, AClientThatLeavesFreesTheWorkerAtOnce) {
  StartServer("[query]\nmax_concurrent = 1\n");
  {
    RawConnection gone(server_->port());
    const std::string body = json{{"sql", "SELECT range AS i FROM range(200000)"}}.dump();
    ASSERT_TRUE(gone.Send("POST /api/v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                          std::string(kToken) + "\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body));
  }  // closed before the answer
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  HttpResult next = Json("SELECT 4 AS four");
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_LT(waited, 10.0) << "the next query waited " << waited << " s for a client that had left";
}

}  // namespace
}  // namespace arc::test
