// Retention policies through the real server (issue 12): Arc's endpoints, whole expired hours
// removed through the file-set switch, recent data untouched, policies durable across restarts.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;

class RetentionTest : public ServerFixture {
 protected:
  json Call(const std::string& method, const std::string& path, const std::string& body,
            int expect) {
    HttpResult r = client_->Request(method, path, body, Auth());
    EXPECT_EQ(r.status, expect) << method << " " << path << " " << body << " -> " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  int64_t Count(const std::string& m) {
    HttpResult r = client_->Post("/api/v1/query", json{{"sql", "SELECT count(*) FROM " + m}}.dump(),
                                 Auth({{"x-arc-database", "metrics"}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["data"][0][0].get<int64_t>();
  }
};

TEST_F(RetentionTest, ExpiredHoursGoRecentOnesStayAndPoliciesPersist) {
  StartServer("[ingest]\nmax_buffer_age_ms = 30\n[compaction]\nenabled = false\n");
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // 3 days old (three hours of it), and 1 hour old, in two measurements.
  std::string body;
  for (int i = 0; i < 300; ++i) {
    body += "cpu v=" + std::to_string(i) + "i " + std::to_string(now - 3 * 86400 - i * 36) + "\n";
    body += "mem v=" + std::to_string(i) + "i " + std::to_string(now - 3 * 86400 - i * 36) + "\n";
  }
  for (int i = 0; i < 50; ++i) body += "cpu v=1i " + std::to_string(now - 3600 - i) + "\n";
  ASSERT_EQ(client_->Post("/write?db=metrics&precision=s", body, Auth()).status, 204);
  for (int i = 0; i < 100 && ListParquet("metrics").size() < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_EQ(Count("cpu"), 350);

  // Bad policies are refused, naming the field.
  json e = Call("POST", "/api/v1/retention",
                R"({"name": "x", "database": "metrics", "retention_days": 0})", 400);
  EXPECT_NE(e["error"].get<std::string>().find("retention_days"), std::string::npos);
  Call("POST", "/api/v1/retention", R"({"name": "x", "database": "../etc", "retention_days": 1})",
       400);
  Call("POST", "/api/v1/retention", R"({"name": "x", "database": "metrics"})", 400);
  EXPECT_EQ(client_
                ->Post("/api/v1/retention",
                       R"({"name": "x", "database": "metrics", "retention_days": 1})", {})
                .status,
            401);

  const json p = Call(
      "POST", "/api/v1/retention",
      R"({"name": "cpu-2d", "database": "metrics", "measurement": "cpu", "retention_days": 1, "buffer_days": 1})",
      201);
  const std::string id = std::to_string(p["id"].get<int64_t>());
  EXPECT_EQ(Call("GET", "/api/v1/retention", "", 200)["count"], 1);
  EXPECT_EQ(Call("GET", "/api/v1/retention/" + id, "", 200)["name"], "cpu-2d");
  Call("GET", "/api/v1/retention/999", "", 404);
  Call("GET", "/api/v1/retention/abc", "", 400);

  // A dry run counts; removing needs confirm.
  json dry = Call("POST", "/api/v1/retention/" + id + "/execute", R"({"dry_run": true})", 200);
  EXPECT_EQ(dry["deleted_rows"], 300);
  EXPECT_GE(dry["deleted_hours"].get<int>(), 3);
  EXPECT_EQ(Count("cpu"), 350) << "a dry run removes nothing";
  Call("POST", "/api/v1/retention/" + id + "/execute", R"({"dry_run": false})", 400);
  json done = Call("POST", "/api/v1/retention/" + id + "/execute",
                   R"({"dry_run": false, "confirm": true})", 200);
  EXPECT_EQ(done["deleted_rows"], 300);
  EXPECT_EQ(done["dry_run"], false);
  EXPECT_EQ(Count("cpu"), 50) << "only the expired hours went";
  EXPECT_EQ(Count("mem"), 300) << "another measurement is untouched";
  EXPECT_NE(client_->Get("/metrics").body.find("arc_retention_deleted_rows_total 300"),
            std::string::npos);
  EXPECT_NE(server_->Log().find("retention policy " + id + " (cpu-2d): removed"),
            std::string::npos);

  // Update, restart: the policy is still there, with its last run.
  Call("PUT", "/api/v1/retention/" + id,
       R"({"name": "all-2d", "database": "metrics", "retention_days": 2})", 200);
  ASSERT_EQ(server_->Stop(), 0);
  StartServer("[ingest]\nmax_buffer_age_ms = 30\n[compaction]\nenabled = false\n");
  const json kept = Call("GET", "/api/v1/retention/" + id, "", 200);
  EXPECT_EQ(kept["name"], "all-2d");
  EXPECT_TRUE(kept["measurement"].is_null()) << "now every measurement of the database";
  EXPECT_FALSE(kept["last_run"].is_null());
  Call("POST", "/api/v1/retention/" + id + "/execute", R"({"dry_run": false, "confirm": true})",
       200);
  EXPECT_EQ(Count("mem"), 0);
  EXPECT_EQ(Count("cpu"), 50);
  Call("DELETE", "/api/v1/retention/" + id, "", 200);
  Call("GET", "/api/v1/retention/" + id, "", 404);
  Call("POST", "/api/v1/retention/" + id + "/execute", R"({"dry_run": true})", 404);
  ASSERT_EQ(server_->Stop(), 0);
}

}  // namespace
}  // namespace arc::test
