// Bad input: every rejection has the right status and a useful message, the server keeps
// serving, and nothing accepted earlier is lost.
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "util/server_fixture.h"

namespace arc::test {
namespace {

class BadInputTest : public ServerFixture {
 protected:
  void SetUp() override {
    StartServer("[ingest]\nmax_buffer_age_ms = 3600000\n", {{"ARC_SERVER_MAX_PAYLOAD_SIZE", "1MB"}});
  }

  // Posts a good record with id `id`; the test checks at the end that all of them survived.
  void PostGood(int id) {
    ASSERT_EQ(client_->Post("/write?db=good", "ok v=" + std::to_string(id) + "i " +
                                                  std::to_string(1700000000000000000LL + id),
                            Auth()).status, 204);
    ++good_;
  }

  void ExpectError(const HttpResult& r, int status, const std::string& fragment) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(fragment), std::string::npos) << "want \"" << fragment << "\" in " << r.body;
  }

  void TearDown() override {
    if (!server_) return;
    PostGood(1000000);
    ASSERT_EQ(server_->Stop(), 0) << server_->Log();
    EXPECT_EQ(QueryValue("SELECT count(*) FROM '" + Files("good", "ok") + "'"), std::to_string(good_))
        << "every record accepted around the bad requests survived";
  }

  int good_ = 0;
};

TEST_F(BadInputTest, MalformedLineProtocol) {
  PostGood(1);
  ExpectError(client_->Post("/write?db=bad", "m v=1 1\nm v=oops 2\n", Auth()), 400, "line 2");
  ExpectError(client_->Post("/write?db=bad", "m v=1 1\nm v=oops 2\n", Auth()), 400, "invalid field value");
  ExpectError(client_->Post("/write?db=bad", "m,host=a\n", Auth()), 400, "missing fields");
  ExpectError(client_->Post("/write?db=bad", "m v=1i\nm v=2.0\n", Auth()), 400, "field type conflict");
  ExpectError(client_->Post("/write?db=bad&precision=fortnight", "m v=1", Auth()), 400, "invalid precision");
  ExpectError(client_->Post("/write?db=bad", "", Auth()), 400, "empty request body");
  ExpectError(client_->Post("/write?db=bad", "# only a comment\n", Auth()), 400, "no records");
  PostGood(2);
  EXPECT_TRUE(ListParquet("bad").empty());
}

std::string Doc(const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& fill) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  fill(pk);
  return std::string(buf.data(), buf.size());
}

TEST_F(BadInputTest, WrongMsgpack) {
  const std::string wrong_type = Doc([](auto& pk) {
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(1);
    pk.pack("usage"); pk.pack_array(2); pk.pack(1.5); pk.pack("high");
  });
  ExpectError(client_->Post("/api/v1/write/msgpack", wrong_type, Auth()), 400, "column \\\"usage\\\" row 1");
  const std::string lengths = Doc([](auto& pk) {
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(2);
    pk.pack("a"); pk.pack(std::vector<int>{1, 2}); pk.pack("b"); pk.pack(std::vector<int>{1});
  });
  ExpectError(client_->Post("/api/v1/write/msgpack", lengths, Auth()), 400, "has 1 values");
  ExpectError(client_->Post("/api/v1/write/msgpack", "\x93\x01", Auth()), 400, "must be a map");
  ExpectError(client_->Post("/api/v1/write/msgpack", "not msgpack at all", Auth()), 400, "");
  PostGood(3);
}

TEST_F(BadInputTest, InvalidNames) {
  ExpectError(client_->Post("/write?db=bad", "m v=1", Auth({{"x-arc-database", "../etc"}})), 400,
              "invalid database name");
  ExpectError(client_->Post("/write?db=_x", "m v=1", Auth()), 400, "must start with a letter");
  ExpectError(client_->Post("/write?db=bad", "cpu/../x v=1", Auth()), 400, "invalid measurement name");
  PostGood(4);
}

TEST_F(BadInputTest, CompressionProblems) {
  std::string gz = GzipCompress("m v=1 1\n");
  ExpectError(client_->Post("/write?db=bad", gz.substr(0, gz.size() - 6), Auth()), 400, "invalid gzip body");
  ExpectError(client_->Post("/write?db=bad", "m v=1", Auth({{"Content-Encoding", "br"}})), 400,
              "unsupported Content-Encoding");
  ExpectError(client_->Post("/write?db=bad", "m v=1", Auth({{"Content-Encoding", "gzip"}})), 400,
              "not gzip data");
  const std::string bomb = GzipCompress(std::string(32 << 20, 'a'));  // 32 MiB → ~32 KiB
  ASSERT_LT(bomb.size(), 1u << 20);
  ExpectError(client_->Post("/write?db=bad", bomb, Auth()), 413, "decompressed body exceeds");
  ExpectError(client_->Post("/write?db=bad", ZstdCompress(std::string(32 << 20, 'a')), Auth()), 413,
              "decompressed body exceeds");
  PostGood(5);
}

TEST_F(BadInputTest, BodyLargerThanTheLimit) {
  HttpResult r = client_->Post("/write?db=bad", std::string(2 << 20, 'x'), Auth());
  ExpectError(r, 413, "exceeds max_payload_size");
  PostGood(6);
}

TEST_F(BadInputTest, AuthenticationAndPermissions) {
  ExpectError(client_->Post("/write?db=bad", "m v=1"), 401, "Authentication required");
  ExpectError(client_->Post("/write?db=bad", "m v=1", {{"Authorization", "Bearer wrong"}}), 401,
              "Invalid or expired token");
  ExpectError(client_->Post("/write?db=bad&p=wrong", "m v=1"), 401, "Invalid or expired token");
  HttpResult created = client_->Post("/api/v1/auth/tokens", R"({"name":"ro","permissions":["read"]})", Auth());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string marker = "\"token\":\"";
  const size_t pos = created.body.find(marker);
  ASSERT_NE(pos, std::string::npos);
  const std::string ro = created.body.substr(pos + marker.size(), created.body.find('"', pos + marker.size()) - pos - marker.size());
  ExpectError(client_->Post("/write?db=bad", "m v=1", {{"x-api-key", ro}}), 403, "lacks the \\\"write\\\" permission");
  ExpectError(client_->Post("/api/v1/auth/tokens", R"({"name":"x","permissions":["admin"]})", {{"x-api-key", ro}}),
              403, "admin");
  ExpectError(client_->Post("/api/v1/auth/tokens", R"({"name":"x","permissions":["root"]})", Auth()), 400,
              "unknown permission");
  PostGood(7);
  EXPECT_TRUE(ListParquet("bad").empty());
}

TEST_F(BadInputTest, RoutingErrors) {
  ExpectError(client_->Get("/write", Auth()), 405, "use POST");
  ExpectError(client_->Get("/nope", Auth()), 404, "no such endpoint");
  PostGood(8);
}

TEST(StartupTest, ConfigErrorsNameTheKey) {
  struct Case { std::string toml; std::string env_key, env_value; std::string expect; };
  const Case cases[] = {
      {"[wal]\nsync_mod = \"fsync\"\n", "", "", "unknown key \"wal.sync_mod\""},
      {"[wal]\nsync_mode = \"fdatasnyc\"\n", "", "", "wal.sync_mode"},
      {"", "WAL_SYNC_MODE", "fdatasnyc", "WAL_SYNC_MODE"},
      {"[server]\nport = \"x\"\n", "", "", "server.port"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    std::map<std::string, std::string> env;
    if (!c.env_key.empty()) env[c.env_key] = c.env_value;
    ServerProcess p(dir.path(), c.toml, env);
    EXPECT_EQ(p.RunToExit(), 2) << c.expect;
    EXPECT_NE(p.Log().find(c.expect), std::string::npos) << p.Log();
  }
}

}  // namespace
}  // namespace arc::test
