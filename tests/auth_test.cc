// Tokens through the real server process: the lifecycle as Arc's Python client drives it,
// revocation and rotation effective on the next request and after kill -9, per-token database
// scoping on every read and write path, operator recovery with ARC_AUTH_FORCE_BOOTSTRAP, and
// the request log (failed requests name the token, never its secret).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

HttpClient::Headers Bearer(const std::string& token, HttpClient::Headers more = {}) {
  more.emplace_back("Authorization", "Bearer " + token);
  return more;
}

std::string MsgpackCpu() {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(3);
  pk.pack("m"); pk.pack("cpu");
  pk.pack("time"); pk.pack(int64_t{1700000000000});
  pk.pack("fields"); pk.pack_map(1); pk.pack("usage"); pk.pack(1.5);
  return std::string(buf.data(), buf.size());
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class AuthTest : public ServerFixture {
 protected:
  json Body(const HttpResult& r) {
    const json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.status << " " << r.body;
    return j;
  }
  // POST /api/v1/auth/tokens as admin; returns {id, token}.
  std::pair<int64_t, std::string> Create(const std::string& body) {
    HttpResult r = client_->Post("/api/v1/auth/tokens", body, Auth({{"Content-Type", "application/json"}}));
    EXPECT_EQ(r.status, 201) << r.body;
    const json j = Body(r);
    if (!j.is_object() || !j.contains("token")) return {0, ""};
    return {j["id"].get<int64_t>(), j["token"].get<std::string>()};
  }
  int Write(const std::string& token, const std::string& target, HttpClient::Headers more = {}) {
    return client_->Post(target, "cpu,host=a usage=1 1700000000000000000", Bearer(token, more)).status;
  }
  HttpResult Sql(const std::string& token, const std::string& sql, const std::string& db) {
    return client_->Post("/api/v1/query", json{{"sql", sql}}.dump(),
                         Bearer(token, {{"x-arc-database", db}}));
  }
  void Restart(std::map<std::string, std::string> env = {{"ARC_AUTH_BOOTSTRAP_TOKEN", kToken}}) {
    server_->Kill();  // SIGKILL: nothing is saved on the way out
    server_ = std::make_unique<ServerProcess>(dir_.path(), BaseConfig(), std::move(env));
    ASSERT_TRUE(server_->Start()) << server_->Log();
    client_ = std::make_unique<HttpClient>(server_->port());
  }
};

// The calls and bodies of arc_client.auth.AuthClient (create_token, list_tokens, get_token,
// verify, rotate_token, revoke_token, delete_token), then kill -9: what was done stays done.
TEST_F(AuthTest, LifecycleAsArcsPythonClientCallsIt) {
  StartServer();
  const auto [id, secret] =
      Create(R"({"name": "svc", "description": "Token for production service", "permissions": ["read", "write"], "expires_in": "7d"})");
  ASSERT_FALSE(secret.empty());
  const auto [other_id, other] = Create(R"({"name": "other"})");

  HttpResult list = client_->Get("/api/v1/auth/tokens", Auth());
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(secret), std::string::npos) << "never the secret";
  EXPECT_EQ(list.body.find(kToken), std::string::npos);
  EXPECT_EQ(list.body.find("hash"), std::string::npos) << "nor its hash";
  const json l = Body(list);
  EXPECT_TRUE(l["success"].get<bool>());
  EXPECT_EQ(l["count"], 3);
  for (const json& t : l["tokens"]) {
    for (const char* key : {"id", "name", "description", "permissions", "created_at", "last_used_at",
                            "enabled", "expires_at"}) {
      EXPECT_TRUE(t.contains(key)) << key << " in " << t.dump();
    }
    EXPECT_FALSE(t.contains("token"));
  }

  HttpResult got = client_->Get("/api/v1/auth/tokens/" + std::to_string(id), Auth());
  ASSERT_EQ(got.status, 200) << got.body;
  const json g = Body(got)["token"];
  EXPECT_EQ(g["name"], "svc");
  EXPECT_EQ(g["description"], "Token for production service");
  EXPECT_EQ(g["permissions"], json({"read", "write"}));
  EXPECT_TRUE(g["expires_at"].is_string());
  EXPECT_TRUE(g["enabled"].get<bool>());

  HttpResult verify = client_->Get("/api/v1/auth/verify", Bearer(secret));
  ASSERT_EQ(verify.status, 200) << verify.body;
  const json v = Body(verify);
  EXPECT_TRUE(v["valid"].get<bool>());
  EXPECT_EQ(v["token_info"]["name"], "svc");
  EXPECT_EQ(v["permissions"], json({"read", "write"}));
  EXPECT_EQ(client_->Get("/api/v1/auth/verify").status, 401);
  EXPECT_EQ(Body(client_->Get("/api/v1/auth/verify", Bearer("arc_nope")))["valid"], false);

  // update_token: PATCH with the fields to change; the secret stays.
  HttpResult patched = client_->Request("PATCH", "/api/v1/auth/tokens/" + std::to_string(id),
                                        R"({"description": "renamed", "permissions": ["read"]})", Auth());
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(patched)["token"]["description"], "renamed");
  EXPECT_EQ(Write(secret, "/write?db=d"), 403) << "read only now, on the next request";
  ASSERT_EQ(client_->Request("PATCH", "/api/v1/auth/tokens/" + std::to_string(id),
                             R"({"permissions": ["read", "write"]})", Auth()).status, 200);

  HttpResult rotated = client_->Post("/api/v1/auth/tokens/" + std::to_string(id) + "/rotate", "", Auth());
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string fresh = Body(rotated)["new_token"].get<std::string>();
  EXPECT_EQ(Write(secret, "/write?db=d"), 401) << "the old secret is dead on its next request";
  EXPECT_EQ(Write(fresh, "/write?db=d"), 204);

  HttpResult revoked = client_->Post("/api/v1/auth/tokens/" + std::to_string(id) + "/revoke", "", Auth());
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Write(fresh, "/write?db=d"), 401) << "revoked: dead on the next request";
  EXPECT_EQ(Body(client_->Get("/api/v1/auth/tokens/" + std::to_string(id), Auth()))["token"]["enabled"], false);

  HttpResult deleted = client_->Request("DELETE", "/api/v1/auth/tokens/" + std::to_string(other_id), "", Auth());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(client_->Get("/api/v1/auth/verify", Bearer(other)).status, 401);
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens/" + std::to_string(other_id), Auth()).status, 404);

  Restart();
  EXPECT_EQ(Write(secret, "/write?db=d"), 401);
  EXPECT_EQ(Write(fresh, "/write?db=d"), 401) << "the revocation survived kill -9";
  EXPECT_EQ(Write(other, "/write?db=d"), 401) << "the deletion survived kill -9";
  EXPECT_EQ(Body(client_->Get("/api/v1/auth/tokens", Auth()))["count"], 2);
  const std::string file = dir_.Sub("data/auth/tokens.json");
  EXPECT_EQ(ModeOf(file), 0600u);
  const std::string text = ReadFileOrEmpty(file);
  ASSERT_FALSE(text.empty());
  for (const std::string& s : {secret, fresh, other, std::string(kToken)}) {
    EXPECT_EQ(text.find(s), std::string::npos) << "no secret in the file";
  }
}

TEST_F(AuthTest, BadRequestsNameTheProblem) {
  StartServer();
  auto error = [&](const HttpResult& r) {
    const json j = json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].get<std::string>() : r.body;
  };
  struct Case {
    const char* body;
    const char* names;
  };
  for (const Case& c : {Case{R"({"name": "a", "nmae": "x"})", "unknown field \"nmae\""},
                        Case{R"({"name": 3})", "\"name\""},
                        Case{R"({"name": "a", "permissions": "read"})", "\"permissions\""},
                        Case{R"({"name": "a", "permissions": ["root"]})", "root"},
                        Case{R"({"name": "a", "databases": ["../x"]})", "\"databases\""},
                        Case{R"({"name": "a", "expires_in": "soon"})", "\"expires_in\""},
                        Case{R"({"description": "no name"})", "\"name\" is required"},
                        Case{"{", "expected a JSON object"}}) {
    HttpResult r = client_->Post("/api/v1/auth/tokens", c.body, Auth());
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_NE(error(r).find(c.names), std::string::npos) << c.body << " -> " << r.body;
  }
  Create(R"({"name": "dup"})");
  EXPECT_EQ(client_->Post("/api/v1/auth/tokens", R"({"name": "dup"})", Auth()).status, 400);
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens/abc", Auth()).status, 400);
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens/-1", Auth()).status, 400);
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens/999", Auth()).status, 404);
  EXPECT_EQ(client_->Post("/api/v1/auth/tokens/999/rotate", "", Auth()).status, 404);
  const auto [id, reader] = Create(R"({"name": "reader", "permissions": ["read"]})");
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens", Bearer(reader)).status, 403) << "admin only";
  EXPECT_EQ(client_->Get("/api/v1/auth/verify", Bearer(reader)).status, 200) << "any token";
}

// A token limited to "mine" reads and writes "mine" only, on every path.
TEST_F(AuthTest, ScopedTokenReachesOnlyItsDatabases) {
  StartServer("[ingest]\nmax_buffer_age_ms = 100\n");  // flushed soon: listed by measurements
  ASSERT_EQ(Write(kToken, "/write?db=other"), 204);
  const auto [id, t] = Create(R"({"name": "scoped", "permissions": ["read", "write", "delete"], "databases": ["mine"]})");
  const std::string denied = "token \\\"scoped\\\" may not access database \\\"other\\\"";

  EXPECT_EQ(Write(t, "/write?db=mine"), 204);
  EXPECT_EQ(Write(t, "/api/v1/write/line-protocol", {{"x-arc-database", "mine"}}), 204);
  EXPECT_EQ(Write(t, "/api/v2/write?bucket=mine/autogen"), 204);
  EXPECT_EQ(client_->Post("/api/v1/write/msgpack", MsgpackCpu(), Bearer(t, {{"x-arc-database", "mine"}})).status, 204);
  HttpResult w = client_->Post("/write?db=other", "cpu usage=1", Bearer(t));
  EXPECT_EQ(w.status, 403);
  EXPECT_NE(w.body.find(denied), std::string::npos) << w.body;
  EXPECT_EQ(w.body.find(t), std::string::npos) << "never the secret";
  EXPECT_EQ(Write(t, "/write"), 403) << "no db: \"default\", not in the scope";
  EXPECT_EQ(Write(t, "/api/v2/write?bucket=other"), 403);
  EXPECT_EQ(Write(t, "/api/v1/write/line-protocol", {{"x-arc-database", "other"}}), 403);
  EXPECT_EQ(client_->Post("/api/v1/write/msgpack", MsgpackCpu(), Bearer(t, {{"x-arc-database", "other"}})).status, 403);

  HttpResult own = Sql(t, "SELECT count(*) AS n FROM cpu", "mine");
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Sql(t, "SELECT 1", "other").status, 403) << "the default database";
  for (const char* sql : {"SELECT * FROM other.cpu", "SELECT * FROM nonexistent.cpu",
                          "SELECT * FROM mine.cpu a JOIN other.cpu b ON a.time = b.time",
                          "SELECT * FROM (SELECT * FROM other.cpu) s",
                          "WITH x AS (SELECT * FROM other.cpu) SELECT * FROM x",
                          "SELECT * FROM mine.cpu WHERE usage IN (SELECT usage FROM other.cpu)"}) {
    HttpResult r = Sql(t, sql, "mine");
    EXPECT_EQ(r.status, 403) << sql << " -> " << r.body;
  }
  EXPECT_EQ(Sql(kToken, "SELECT * FROM other.cpu", "mine").status, 200) << "admin: unscoped";

  auto influx = [&](const std::string& q, const std::string& db) {
    return client_->Get("/query?db=" + db + "&q=" + q, Bearer(t));
  };
  EXPECT_EQ(influx("SELECT%20*%20FROM%20cpu", "mine").status, 200);
  EXPECT_EQ(influx("SELECT%20*%20FROM%20cpu", "other").status, 403);
  EXPECT_EQ(influx("SELECT%20*%20FROM%20%22other%22..cpu", "mine").status, 403);
  EXPECT_EQ(influx("SHOW%20MEASUREMENTS%20ON%20other", "mine").status, 403);
  HttpResult dbs = influx("SHOW%20DATABASES", "mine");
  ASSERT_EQ(dbs.status, 200) << dbs.body;
  EXPECT_NE(dbs.body.find("\"mine\""), std::string::npos) << dbs.body;
  EXPECT_EQ(dbs.body.find("other"), std::string::npos) << dbs.body;
  HttpResult basic = client_->Get("/query?db=other&u=x&p=" + t + "&q=SHOW%20MEASUREMENTS", {});
  EXPECT_EQ(basic.status, 403) << "the ?p= token is scoped too";

  for (int i = 0; i < 100; ++i) {  // until both databases have files
    const std::string all = client_->Get("/api/v1/measurements", Auth()).body;
    if (all.find("\"other\"") != std::string::npos && all.find("\"mine\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  HttpResult m = client_->Get("/api/v1/measurements", Bearer(t));
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_NE(m.body.find("\"mine\""), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("\"other\""), std::string::npos) << m.body;
  EXPECT_NE(client_->Get("/api/v1/measurements", Auth()).body.find("\"other\""), std::string::npos);

  HttpResult del = client_->Post(
      "/api/v1/delete", R"({"database": "other", "measurement": "cpu", "where": "usage > 0", "dry_run": true})",
      Bearer(t));
  EXPECT_EQ(del.status, 403) << del.body;
  HttpResult own_del = client_->Post(
      "/api/v1/delete", R"({"database": "mine", "measurement": "cpu", "where": "usage > 0", "dry_run": true})",
      Bearer(t));
  EXPECT_EQ(own_del.status, 200) << own_del.body;
}

// The admin token is lost: ARC_AUTH_BOOTSTRAP_TOKEN alone is ignored (with a warning saying
// how to force it); with ARC_AUTH_FORCE_BOOTSTRAP=true it becomes the admin token.
TEST_F(AuthTest, ForceBootstrapRecoversALostAdminToken) {
  StartServer();
  const auto [id, keep] = Create(R"({"name": "keep", "permissions": ["write"]})");
  Restart({{"ARC_AUTH_BOOTSTRAP_TOKEN", "recovered-admin-token"}});
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens", Bearer("recovered-admin-token")).status, 401)
      << "the 401 trap: the file already holds tokens";
  const std::string log = server_->Log();
  EXPECT_NE(log.find("ARC_AUTH_BOOTSTRAP_TOKEN is ignored"), std::string::npos) << log;
  EXPECT_NE(log.find("ARC_AUTH_FORCE_BOOTSTRAP=true"), std::string::npos) << log;

  Restart({{"ARC_AUTH_BOOTSTRAP_TOKEN", "recovered-admin-token"}, {"ARC_AUTH_FORCE_BOOTSTRAP", "true"}});
  HttpResult list = client_->Get("/api/v1/auth/tokens", Bearer("recovered-admin-token"));
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens", Auth()).status, 401) << "the lost one is dead";
  EXPECT_EQ(Write(keep, "/write?db=d"), 204) << "other tokens are untouched";
  EXPECT_NE(server_->Log().find("[WARNING] ARC_AUTH_FORCE_BOOTSTRAP"), std::string::npos) << server_->Log();
  EXPECT_EQ(server_->Log().find("recovered-admin-token"), std::string::npos) << "never logged";

  // Restarted with the token that is the admin token already: nothing to warn about.
  const size_t warnings = Count(server_->Log(), "is ignored");
  Restart({{"ARC_AUTH_BOOTSTRAP_TOKEN", "recovered-admin-token"}});
  EXPECT_EQ(Count(server_->Log(), "is ignored"), warnings);
  server_->Kill();
  // FORCE without a token to install: refused at start, saying what is missing.
  ServerProcess bad(dir_.path(), BaseConfig(), {{"ARC_AUTH_FORCE_BOOTSTRAP", "true"}});
  EXPECT_NE(bad.RunToExit(), 0);
  EXPECT_NE(bad.Log().find("needs ARC_AUTH_BOOTSTRAP_TOKEN"), std::string::npos) << bad.Log();
}

// A failed request logs one line with its status, endpoint, reason and the token's name;
// never a token, whether sent as a header or as ?p=.
TEST_F(AuthTest, FailedRequestsAreLoggedWithTheNameNeverTheToken) {
  StartServer();
  const auto [id, t] = Create(R"({"name": "ingest-a", "permissions": ["write"], "databases": ["a"]})");
  EXPECT_EQ(Write(t, "/write?db=b"), 403);
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens", Bearer("arc_guessed_secret_1")).status, 401);
  EXPECT_EQ(client_->Post("/write?db=x&u=u&p=arc_query_secret_2", "cpu v=1").status, 401);
  EXPECT_EQ(client_->Get("/api/v1/auth/tokens/999", Auth()).status, 404);
  const std::string log = server_->Log();
  EXPECT_NE(log.find("request failed: 403 POST /write token=ingest-a"), std::string::npos) << log;
  EXPECT_NE(log.find("may not access database \"b\""), std::string::npos) << log;
  EXPECT_NE(log.find("request failed: 401 GET /api/v1/auth/tokens token=invalid"), std::string::npos) << log;
  EXPECT_NE(log.find("request failed: 401 POST /write token=invalid"), std::string::npos) << log;
  EXPECT_NE(log.find("request failed: 404 GET /api/v1/auth/tokens/{id} token=admin"), std::string::npos) << log;
  for (const std::string& secret : {t, std::string("arc_guessed_secret_1"), std::string("arc_query_secret_2"),
                                    std::string(kToken)}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log";
  }
}


// A flood of bad tokens costs at most 20 log lines a second, then one line counting the rest:
// the log cannot be made to fill the disk.
TEST_F(AuthTest, A401FloodIsRateLimitedInTheLog) {
  StartServer();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 400; ++i) {
    ASSERT_EQ(client_->Get("/api/v1/measurements", Bearer("arc_flood_" + std::to_string(i))).status, 401);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(client_->Get("/api/v1/measurements", Bearer("arc_flood_last")).status, 401);
  const std::string log = server_->Log();
  const size_t lines = Count(log, "request failed: 401");
  // The flood spans at most seconds + 2 one-second windows; one more line for the last request.
  EXPECT_LE(lines, 20 * (static_cast<size_t>(seconds) + 2) + 1) << seconds << " s";
  EXPECT_GE(lines, 2u);
  EXPECT_NE(log.find("request log: suppressed"), std::string::npos) << log.substr(0, 3000);
  EXPECT_EQ(log.find("arc_flood_"), std::string::npos) << "never a token";
}

// log.level = debug: one line per request, failed or not.
TEST_F(AuthTest, DebugLevelLogsEveryRequest) {
  StartServer("[log]\nlevel = \"debug\"\n");
  EXPECT_EQ(client_->Post("/write?db=d", "cpu v=1", Auth()).status, 204);
  EXPECT_EQ(client_->Get("/health").status, 200);
  const std::string log = server_->Log();
  EXPECT_NE(log.find("request: 204 POST /write token=admin"), std::string::npos) << log;
  EXPECT_NE(log.find("request: 200 GET /health token=anonymous"), std::string::npos) << log;
  EXPECT_EQ(log.find(kToken), std::string::npos);
}

}  // namespace
}  // namespace arc::test
