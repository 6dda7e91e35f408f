#include "common/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace arc {
namespace {

TEST(ConfigTest, DefaultsMatchTheProtocolDocument) {
  Result<Config> c = ParseConfig("", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.port, 8000);
  EXPECT_EQ(c->server.host, "0.0.0.0");
  EXPECT_EQ(c->server.max_payload_size, 25ull << 20) << "InfluxDB's default (issue 11: was 1 GB)";
  EXPECT_EQ(c->storage.backend, StorageBackend::kLocal);
  EXPECT_EQ(c->storage.local_path, "./data/arc");
  EXPECT_EQ(c->ingest.max_buffer_size, 50000);
  EXPECT_EQ(c->ingest.max_buffer_age_ms, 5000);
  EXPECT_EQ(c->ingest.compression, ParquetCompression::kSnappy)
      << "issue 12: flush files are re-encoded by compaction";
  EXPECT_FALSE(c->wal.enabled);
  EXPECT_EQ(c->wal.dir, "./data/wal");
  EXPECT_EQ(c->wal.sync_mode, SyncMode::kFdatasync);
  EXPECT_EQ(c->wal.max_size_mb, 100);
  EXPECT_EQ(c->wal.max_age_seconds, 3600);
  EXPECT_TRUE(c->auth.enabled);
}

TEST(ConfigTest, ParsesTheSeedsWalSection) {
  Result<Config> c = ParseConfig(R"(
[wal]
enabled = true
sync_mode = "fdatasync"    # Recommended for production
dir = "./data/wal"
max_size_mb = 100          # Rotate at 100MB
max_age_seconds = 3600     # Rotate after 1 hour

[server]
workers = 16
max_payload_size = "512MB"
)", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->wal.enabled);
  EXPECT_EQ(c->server.workers, 16);
  EXPECT_EQ(c->server.max_payload_size, 512ull << 20);
}

TEST(ConfigTest, UnknownKeyIsAnErrorNamingIt) {
  Result<Config> c = ParseConfig("[wal]\nsync_mod = \"fsync\"\n", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown key \"wal.sync_mod\""), std::string::npos)
      << c.status().message();
  EXPECT_FALSE(ParseConfig("[nope]\nx = 1\n", {}).ok());
  EXPECT_FALSE(ParseConfig("top = 1\n", {}).ok());
}

TEST(ConfigTest, InvalidValueIsAnErrorNamingKeyAndValue) {
  Result<Config> c = ParseConfig("[wal]\nsync_mode = \"fdatasnyc\"\n", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("wal.sync_mode"), std::string::npos);
  EXPECT_NE(c.status().message().find("fdatasnyc"), std::string::npos);
  EXPECT_FALSE(ParseConfig("[server]\nport = \"eighty\"\n", {}).ok());
  EXPECT_FALSE(ParseConfig("[server]\nport = 70000\n", {}).ok());
  EXPECT_FALSE(ParseConfig("[wal]\nenabled = \"maybe\"\n", {}).ok());
  EXPECT_FALSE(ParseConfig("[server]\nmax_payload_size = \"1XB\"\n", {}).ok());
  EXPECT_FALSE(ParseConfig("[server\n", {}).ok());
}

TEST(ConfigTest, EnvironmentOverridesInBothSpellings) {
  Result<Config> c = ParseConfig("[wal]\nenabled = false\n",
                                 {{"WAL_ENABLED", "true"}, {"WAL_DIR", "/x/wal"},
                                  {"WAL_SYNC_MODE", "async"}, {"WAL_MAX_SIZE_MB", "10"},
                                  {"WAL_MAX_AGE_SECONDS", "60"}, {"ARC_SERVER_PORT", "9000"},
                                  {"ARC_INGEST_MAX_BUFFER_SIZE", "1000"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->wal.enabled);
  EXPECT_EQ(c->wal.dir, "/x/wal");
  EXPECT_EQ(c->wal.sync_mode, SyncMode::kAsync);
  EXPECT_EQ(c->wal.max_size_mb, 10);
  EXPECT_EQ(c->wal.max_age_seconds, 60);
  EXPECT_EQ(c->server.port, 9000);
  EXPECT_EQ(c->ingest.max_buffer_size, 1000);
  // The ARC_ spelling wins over the seed's short name.
  Result<Config> both = ParseConfig("", {{"WAL_SYNC_MODE", "async"}, {"ARC_WAL_SYNC_MODE", "fsync"}});
  EXPECT_EQ(both->wal.sync_mode, SyncMode::kFsync);
  Result<Config> bad = ParseConfig("", {{"WAL_SYNC_MODE", "fdatasnyc"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("WAL_SYNC_MODE"), std::string::npos);
}

TEST(ConfigTest, AwsCredentialsFromEnvironment) {
  Result<Config> c = ParseConfig("", {{"AWS_ACCESS_KEY_ID", "ak"}, {"AWS_SECRET_ACCESS_KEY", "sk"}});
  EXPECT_EQ(c->storage.s3_access_key, "ak");
  EXPECT_EQ(c->storage.s3_secret_key, "sk");
}

TEST(ConfigTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("1GB"), 1ull << 30);
  EXPECT_EQ(*ParseByteSize("64 KiB"), 64ull << 10);
  EXPECT_EQ(*ParseByteSize("100"), 100u);
  EXPECT_FALSE(ParseByteSize("GB").ok());
  EXPECT_FALSE(ParseByteSize("0").ok());
}

TEST(ConfigTest, AutomaticValues) {
  Config c;
  ResolveAutomaticValues(&c);
  EXPECT_GE(c.server.workers, 1);
  EXPECT_GE(c.ingest.flush_workers, 1);
  EXPECT_EQ(c.ingest.max_pending_rows, 4 * c.server.workers * c.ingest.max_buffer_size);
}

TEST(ConfigTest, KeyTableListsEveryKeyWithDefaultEnvAndDescription) {
  const std::vector<ConfigKeyInfo> keys = ConfigKeys();
  std::map<std::string, ConfigKeyInfo> by_name;
  for (const ConfigKeyInfo& k : keys) {
    EXPECT_FALSE(k.description.empty()) << k.name;
    EXPECT_TRUE(by_name.emplace(k.name, k).second) << "listed twice: " << k.name;
    // Every listed key is accepted by the parser under its name and its env var.
    const size_t dot = k.name.find('.');
    ASSERT_NE(dot, std::string::npos);
    // Every default, written back into arc.conf, is accepted (bare when a number or a bool).
    const std::string& d = k.default_value;
    const bool bare = d == "true" || d == "false" ||
                      (!d.empty() && d.find_first_not_of("0123456789") == std::string::npos);
    const std::string toml = "[" + k.name.substr(0, dot) + "]\n" + k.name.substr(dot + 1) +
                             " = " + (bare ? d : "\"" + d + "\"");
    if (k.name == "query.max_process_memory") continue;  // 0 = computed; only > 0 is accepted
    Result<Config> c = ParseConfig(toml, {});
    EXPECT_TRUE(c.ok()) << toml << ": " << c.status().ToString();
  }
  EXPECT_EQ(by_name.at("server.port").default_value, "8000");
  EXPECT_EQ(by_name.at("server.port").env_var, "ARC_SERVER_PORT");
  EXPECT_EQ(by_name.at("server.max_payload_size").default_value, "25MB");
  EXPECT_EQ(by_name.at("ingest.compression").default_value, "snappy");
  EXPECT_EQ(by_name.at("wal.enabled").default_value, "false");
  EXPECT_EQ(by_name.at("storage.s3_bucket").default_value, "");
  EXPECT_EQ(by_name.at("wal.directory").alias_of, "wal.dir");
  EXPECT_TRUE(by_name.at("storage.s3_secret_key").secret);
  EXPECT_TRUE(by_name.at("storage.s3_access_key").secret);
  EXPECT_FALSE(by_name.at("auth.token_file").secret) << "a path, not a secret";
  EXPECT_EQ(by_name.at("log.format").env_var, "ARC_LOG_FORMAT");
}

TEST(ConfigTest, NonDefaultSettingsNameValueAndSourceAndMaskSecrets) {
  ConfigOrigin origin;
  const Environment env = {{"ARC_SERVER_PORT", "9100"},
                           {"ARC_STORAGE_S3_SECRET_KEY", "hunter2"},
                           {"ARC_AUTH_BOOTSTRAP_TOKEN", "tok"},
                           {"WAL_ENABLED", "true"},
                           {"PATH", "/bin"}};
  Result<Config> c = ParseConfig(
      "[server]\nport = 8100\nhost = \"0.0.0.0\"\n[ingest]\nmax_buffer_age_ms = 600000\n"
      "max_pending_bytes = \"2GB\"\n[wal]\ndirectory = \"/var/wal\"\n",
      env, &origin);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  origin.file = "/etc/arc.conf";
  const std::vector<std::string> lines = NonDefaultSettings(*c, origin);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "server.port = 9100 (from env ARC_SERVER_PORT)",
                       "storage.s3_secret_key = *** (from env ARC_STORAGE_S3_SECRET_KEY)",
                       "ingest.max_buffer_age_ms = 600000 (from /etc/arc.conf)",
                       "ingest.max_pending_bytes = 2GB (from /etc/arc.conf)",
                       "wal.enabled = true (from env WAL_ENABLED)",
                       "wal.dir = /var/wal (from /etc/arc.conf)",
                   }));
  for (const std::string& l : lines) EXPECT_EQ(l.find("hunter2"), std::string::npos) << l;
  EXPECT_EQ(origin.other_arc_variables, std::vector<std::string>{"ARC_AUTH_BOOTSTRAP_TOKEN"});
}

TEST(ConfigTest, NothingDiffersFromDefaults) {
  ConfigOrigin origin;
  Result<Config> c = ParseConfig("[server]\nport = 8000\n", {}, &origin);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(NonDefaultSettings(*c, origin).empty()) << "a key set to its default is no change";
  Result<Config> aws = ParseConfig("", {{"AWS_ACCESS_KEY_ID", "AKIA123"}}, &origin);
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(NonDefaultSettings(*aws, origin),
            std::vector<std::string>{"storage.s3_access_key = *** (from env AWS_ACCESS_KEY_ID)"});
}

TEST(ConfigTest, LoadConfigRecordsTheFileRead) {
  ConfigOrigin none;
  ASSERT_TRUE(LoadConfig("/nonexistent/arc.conf", false, {}, &none).ok());
  EXPECT_EQ(none.file, "");
}

// Issue 14: TLS files and CORS origins, from TOML and from the environment.
TEST(ConfigTest, TransportKeys) {
  Result<Config> c = ParseConfig(
      "[server]\ntls_cert = \"/etc/arc/cert.pem\"\ntls_key = \"/etc/arc/key.pem\"\n"
      "cors_origins = [\"https://a.example\", \"http://b.example:3000\"]\n",
      {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.tls_cert, "/etc/arc/cert.pem");
  EXPECT_EQ(c->server.tls_key, "/etc/arc/key.pem");
  EXPECT_EQ(c->server.cors_origins,
            (std::vector<std::string>{"https://a.example", "http://b.example:3000"}));
  Result<Config> e = ParseConfig("", {{"ARC_SERVER_CORS_ORIGINS", " https://a.example , *,"},
                                      {"ARC_SERVER_TLS_CERT", "c.pem"}});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->server.cors_origins, (std::vector<std::string>{"https://a.example", "*"}));
  EXPECT_EQ(e->server.tls_cert, "c.pem");
  EXPECT_TRUE(ParseConfig("", {})->server.cors_origins.empty()) << "CORS is off by default";
  Result<Config> bad = ParseConfig("[server]\ncors_origins = [1, 2]\n", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("server.cors_origins"), std::string::npos);
}

}  // namespace
}  // namespace arc
