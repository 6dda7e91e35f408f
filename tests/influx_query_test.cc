// InfluxQL /query through the real server process: what CREATE/DROP record survives kill -9,
// and hostile queries cost one answer, never the server.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;

std::string FormEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class InfluxQueryTest : public ServerFixture {
 protected:
  // POST /query with a form body, as Telegraf and the influx CLI send it.
  HttpResult Query(const std::string& q, const std::string& db = "d") {
    return client_->Post("/query", "q=" + FormEncode(q) + "&db=" + FormEncode(db),
                         Auth({{"Content-Type", "application/x-www-form-urlencoded"}}));
  }
  json Result0(const std::string& q) {
    HttpResult r = Query(q);
    EXPECT_EQ(r.status, 200) << q << " -> " << r.body;
    const json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j.is_object() ? j["results"][0] : json();
  }
  std::vector<std::string> Names(const std::string& q) {
    std::vector<std::string> out;
    const json r = Result0(q);
    if (!r.contains("series")) return out;
    for (const json& v : r["series"][0]["values"]) out.push_back(v[0].get<std::string>());
    return out;
  }
  void Restart() {
    server_->Kill();  // SIGKILL: no shutdown flush
    ASSERT_TRUE(server_->Start()) << server_->Log();
    client_ = std::make_unique<HttpClient>(server_->port());
  }
};

TEST_F(InfluxQueryTest, CreateAndDropSurviveKillNine) {
  StartServer("[wal]\nenabled = true\nsync_mode = \"fdatasync\"\n"
              "[ingest]\nmax_buffer_age_ms = 600000\n[compaction]\nenabled = false\n");
  std::string body;
  for (int i = 0; i < 300; ++i) {
    body += "cpu,host=h" + std::to_string(i % 3) + " v=" + std::to_string(i) + " " +
            std::to_string(1700000000 + i) + "\n";
    body += "gone v=" + std::to_string(i) + " " + std::to_string(1700000000 + i) + "\n";
  }
  ASSERT_EQ(client_->Post("/write?db=d&precision=s", body, Auth()).status, 204);
  ASSERT_FALSE(Result0("CREATE DATABASE emptydb").contains("error"));
  ASSERT_FALSE(Result0("CREATE DATABASE dropped").contains("error"));
  ASSERT_FALSE(Result0("DROP DATABASE dropped").contains("error"));
  // Rows of "gone" are still in memory: the drop writes them out first, then deletes them.
  ASSERT_FALSE(Result0("DROP MEASUREMENT gone").contains("error"));

  Restart();
  const std::vector<std::string> dbs = Names("SHOW DATABASES");
  EXPECT_EQ(dbs, (std::vector<std::string>{"d", "emptydb"}));
  EXPECT_EQ(Names("SHOW MEASUREMENTS"), std::vector<std::string>{"cpu"});
  EXPECT_FALSE(Result0("SELECT * FROM gone").contains("series")) << "a dropped row came back";
  const json count = Result0("SELECT count(v) FROM cpu");
  EXPECT_EQ(count["series"][0]["values"][0][1], 300) << count.dump();
}

TEST_F(InfluxQueryTest, HostileQueriesCostOneAnswerNeverTheServer) {
  StartServer();
  ASSERT_EQ(client_->Post("/write?db=d&precision=s", "cpu,host=a v=1 1700000000\n", Auth()).status,
            204);
  const std::string big(200000, '(');
  std::string comments;
  for (int i = 0; i < 60000; ++i) comments += "/**/";  // 720 KB form-encoded
  std::string minus;
  for (int i = 0; i < 100000; ++i) minus += "- ";
  std::string ors = "SELECT v FROM cpu WHERE host = 'h0'";
  for (int i = 1; i < 5000; ++i) ors += " OR host = 'h" + std::to_string(i) + "'";
  const std::vector<std::string> hostile = {
      "SELECT " + big + "v FROM cpu",
      comments + "SELECT v FROM cpu",
      "SELECT " + minus + "v FROM cpu",
      ors,
      "SELECT v FROM /(a|aa)*(a|aa)*(a|aa)*b/",
      "SHOW MEASUREMENTS WITH MEASUREMENT =~ /(x+x+)+y/",
      "SELECT top(v, host, 2), integral(host) FROM cpu",
      "SELECT integral(host) FROM cpu",
      "SELECT top(v, host, 9223372036854775807) FROM cpu",
      "SELECT percentile(v, 1e308) FROM cpu",
      "SELECT v FROM cpu GROUP BY host LIMIT 9223372036854775807 OFFSET 9223372036854775807",
      "SELECT moving_average(mean(v), 9223372036854775807) FROM cpu WHERE time >= "
      "-9223372036854775806 AND time <= 9223372036854775806 GROUP BY time(1h)",
      "SELECT mean(v) FROM cpu WHERE time >= -9223372036854775807 - 1 GROUP BY time(1h)",
      "SELECT count(v) FROM cpu WHERE time >= 0 GROUP BY time(1u)",
      "SELECT max(c) FROM (SELECT last(v) AS c FROM cpu WHERE time >= 0 GROUP BY time(1h) "
      "fill(1e300))",
      "SELECT v FROM cpu 'x\r\nSet-Cookie: a=b'",
  };
  for (const std::string& q : hostile) {
    const auto start = std::chrono::steady_clock::now();
    HttpResult r = Query(q);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(r.status == 200 || r.status == 400) << q.substr(0, 120) << " -> " << r.status;
    EXPECT_LT(s, 20.0) << q.substr(0, 120);
    if (s > 1) std::fprintf(stderr, "%.1f s: %s\n", s, q.substr(0, 80).c_str());
    for (const auto& [name, value] : r.headers)
      EXPECT_EQ(value.find('\n'), std::string::npos) << "header " << name << " split";
    EXPECT_EQ(r.Header("set-cookie"), "");
  }
  EXPECT_EQ(::kill(server_->pid(), 0), 0) << "the server died:\n" << server_->Log();
  EXPECT_EQ(client_->Get("/health").status, 200);
  EXPECT_EQ(Result0("SELECT count(v) FROM cpu")["series"][0]["values"][0][1], 1);
}

}  // namespace
}  // namespace arc::test
