// Arc's catalogue through the real server: SHOW / DESCRIBE on /api/v1/query, GET
// /api/v1/measurements and /api/v1/databases list rows still in memory and, after a flush,
// the files on disk; the shapes Arc's Python client parses (list_measurements reads
// body["measurements"], list_databases reads SHOW DATABASES' data[i][0]).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/config.h"
#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;

class CatalogTest : public ServerFixture {
 protected:
  // Rows stay in memory: no flush by age while the test runs.
  static constexpr char kInMemory[] =
      "[ingest]\nmax_buffer_age_ms = 600000\n[compaction]\nenabled = false\n";

  json Sql(const std::string& sql, int expect_status = 200, const std::string& db = "") {
    HttpClient::Headers h;
    if (!db.empty()) h.emplace_back("x-arc-database", db);
    HttpResult r = client_->Post("/api/v1/query", json{{"sql", sql}}.dump(), Auth(h));
    EXPECT_EQ(r.status, expect_status) << sql << " -> " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  json GetJson(const std::string& target, int expect_status = 200) {
    HttpResult r = client_->Get(target, Auth());
    EXPECT_EQ(r.status, expect_status) << target << " -> " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  void WriteRows() {
    ASSERT_EQ(client_->Post("/write?db=mem&precision=s",
                            "cpu,host=a usage=1.5 1700000000\ncpu,host=b usage=2 1700000001\n"
                            "disk,host=a free=10i 1700000000\n",
                            Auth())
                  .status,
              204);
    ASSERT_EQ(client_->Post("/write?db=other&precision=s", "net,if=eth0 rx=1i 1700000000\n", Auth())
                  .status,
              204);
  }
  // The fields QueryResponse(**body) of Arc's Python client reads, with their types.
  static void ExpectQueryResponseShape(const json& j) {
    ASSERT_TRUE(j.is_object()) << j;
    EXPECT_EQ(j["success"], true) << j;
    ASSERT_TRUE(j["columns"].is_array());
    for (const json& c : j["columns"]) EXPECT_TRUE(c.is_string()) << j;
    ASSERT_TRUE(j["data"].is_array());
    for (const json& row : j["data"]) EXPECT_TRUE(row.is_array()) << j;
    EXPECT_TRUE(j["row_count"].is_number_integer()) << j;
    EXPECT_EQ(j["row_count"], j["data"].size());
    EXPECT_TRUE(j["execution_time_ms"].is_number()) << j;
    EXPECT_TRUE(j["timestamp"].is_string()) << j;
  }
  static const json* Find(const json& flat, const std::string& db, const std::string& m) {
    for (const json& e : flat) {
      if (e["database"] == db && e["measurement"] == m) return &e;
    }
    return nullptr;
  }
};

const std::vector<std::string> kTableColumns = {"database", "table_name", "storage_path",
                                                "file_count", "total_size_mb"};

TEST_F(CatalogTest, ShowStatementsListRowsStillInMemory) {
  StartServer(kInMemory);
  WriteRows();
  ASSERT_TRUE(ListParquet().empty()) << "the rows must still be in memory for this test";

  const json dbs = Sql("SHOW DATABASES");
  ExpectQueryResponseShape(dbs);
  EXPECT_EQ(dbs["columns"], json({"database"}));
  EXPECT_EQ(dbs["data"], json({{"mem"}, {"other"}})) << "not DuckDB's \"memory\"";
  // list_databases(): [row[0] for row in data]
  EXPECT_EQ(Sql("  show databases ; ")["data"], dbs["data"]);

  const json tables = Sql("SHOW TABLES", 200, "mem");
  ExpectQueryResponseShape(tables);
  EXPECT_EQ(tables["columns"], json(kTableColumns));
  ASSERT_EQ(tables["data"].size(), 2u) << tables;
  EXPECT_EQ(tables["data"][0], json({"mem", "cpu", "./data/arc/mem/cpu/**/*.parquet", 0, 0.0}));
  EXPECT_EQ(tables["data"][1][1], "disk");
  EXPECT_EQ(Sql("SHOW TABLES FROM mem")["data"], tables["data"]) << "FROM wins over the default";
  EXPECT_EQ(Sql("show measurements from \"mem\";", 200, "other")["data"], tables["data"]);
  EXPECT_EQ(Sql("SHOW MEASUREMENTS", 200, "other")["data"],
            json({{"other", "net", "./data/arc/other/net/**/*.parquet", 0, 0.0}}));
  EXPECT_EQ(Sql("SHOW TABLES")["data"], json::array()) << "default database: nothing written";
  EXPECT_EQ(Sql("SHOW TABLES FROM nosuchdb")["data"], json::array()) << "Arc: empty, not 404";
  EXPECT_EQ(Sql("SHOW ALL TABLES")["data"].size(), 3u);

  const json described = Sql("DESCRIBE mem.cpu");
  EXPECT_EQ(described["columns"], json({"column_name", "column_type", "is_tag"}));
  EXPECT_EQ(described["data"], json({{"time", "TIMESTAMP WITH TIME ZONE", false},
                                     {"host", "VARCHAR", true},
                                     {"usage", "DOUBLE", false}}));
  EXPECT_EQ(Sql("DESCRIBE cpu", 200, "mem")["data"], described["data"]);
  EXPECT_NE(Sql("DESCRIBE mem.nope", 404)["error"].get<std::string>().find("mem.nope"),
            std::string::npos);
  ASSERT_EQ(server_->Stop(), 0);
}

TEST_F(CatalogTest, BadNamesAndDuckDBCatalogueStatementsAreClear400s) {
  StartServer(kInMemory);
  WriteRows();
  const std::string bad = Sql("SHOW TABLES FROM ../etc", 400)["error"];
  EXPECT_NE(bad.find("invalid database name \"../etc\""), std::string::npos) << bad;
  EXPECT_EQ(Sql("SHOW TABLES FROM ../etc", 400)["success"], false);
  for (const char* sql : {"SHOW SETTINGS", "SHOW cpu", "PRAGMA database_list", "PRAGMA show_tables",
                          "SHOW DATABASES; SELECT 1", "SELECT current_database()",
                          "SELECT current_query() FROM cpu", "SELECT * FROM duckdb_tables()",
                          "SELECT * FROM (SHOW DATABASES)", "EXPLAIN SHOW TABLES",
                          "SELECT * FROM (SHOW ALL TABLES)"}) {
    const json r = Sql(sql, 400, "mem");
    const std::string error = r.value("error", "");
    EXPECT_FALSE(error.empty()) << sql;
    // Never DuckDB's scratch catalogue or the data directory.
    EXPECT_EQ(error.find("memory"), std::string::npos) << sql << ": " << error;
    EXPECT_EQ(error.find(dir_.path()), std::string::npos) << sql << ": " << error;
  }
  // DESCRIBE of a query and SUMMARIZE read only the measurement: DuckDB answers them.
  EXPECT_EQ(Sql("DESCRIBE SELECT host, usage FROM cpu", 200, "mem")["data"].size(), 2u);
  EXPECT_EQ(Sql("SUMMARIZE cpu", 200, "mem")["row_count"], 3);
  EXPECT_EQ(GetJson("/api/v1/measurements?database=../x", 400)["error"],
            "invalid database parameter: invalid database name \"../x\": must start with a letter");
  EXPECT_EQ(GetJson("/api/v1/databases/nosuchdb", 404)["error"], "Database 'nosuchdb' not found");
  EXPECT_EQ(GetJson("/api/v1/databases/nosuchdb/measurements", 404)["error"],
            "Database 'nosuchdb' not found");
  EXPECT_EQ(client_->Get("/api/v1/databases").status, 401) << "read access needed";
  ASSERT_EQ(server_->Stop(), 0);
}

TEST_F(CatalogTest, MeasurementsAndDatabasesListUnflushedThenFlushedFiles) {
  StartServer(kInMemory);
  WriteRows();
  json j = GetJson("/api/v1/measurements");
  EXPECT_EQ(j["success"], true);
  // Arc's flat list (what list_measurements() turns into MeasurementInfo objects).
  ASSERT_EQ(j["count"], 3) << j;
  ASSERT_EQ(j["measurements"].size(), 3u);
  for (const json& e : j["measurements"]) {
    EXPECT_TRUE(e["database"].is_string() && e["measurement"].is_string()) << e;
    EXPECT_TRUE(e["file_count"].is_number_integer()) << e;
    EXPECT_TRUE(e["total_size_mb"].is_number()) << e;
    EXPECT_TRUE(e["storage_path"].is_string()) << e;
    EXPECT_EQ(e["file_count"], 0) << e;
    EXPECT_EQ(e["in_memory"], true) << e;
  }
  ASSERT_NE(Find(j["measurements"], "mem", "cpu"), nullptr) << j;
  ASSERT_NE(Find(j["measurements"], "other", "net"), nullptr) << j;
  // Today's nested shape lists them too, with the columns of the rows in memory.
  ASSERT_EQ(j["databases"].size(), 2u) << j;
  EXPECT_EQ(j["databases"][0]["name"], "mem");
  const json& cpu = j["databases"][0]["measurements"][0];
  EXPECT_EQ(cpu["name"], "cpu");
  EXPECT_EQ(cpu["files"], 0);
  EXPECT_EQ(cpu["in_memory"], true);
  EXPECT_EQ(cpu["columns"], json({{{"name", "time"}, {"type", "TIMESTAMP WITH TIME ZONE"}},
                                  {{"name", "host"}, {"type", "VARCHAR"}},
                                  {{"name", "usage"}, {"type", "DOUBLE"}}}));
  const json only_other = GetJson("/api/v1/measurements?database=other");
  EXPECT_EQ(only_other["count"], 1);
  EXPECT_EQ(only_other["measurements"][0]["measurement"], "net");
  ASSERT_EQ(only_other["databases"].size(), 1u);
  EXPECT_EQ(only_other["databases"][0]["name"], "other");

  EXPECT_EQ(GetJson("/api/v1/databases"),
            json({{"databases",
                   {{{"name", "mem"}, {"measurement_count", 2}},
                    {{"name", "other"}, {"measurement_count", 1}}}},
                  {"count", 2}}));
  EXPECT_EQ(GetJson("/api/v1/databases/mem"), json({{"name", "mem"}, {"measurement_count", 2}}));
  EXPECT_EQ(GetJson("/api/v1/databases/mem/measurements"),
            json({{"database", "mem"},
                  {"measurements", {{{"name", "cpu"}}, {{"name", "disk"}}}},
                  {"count", 2}}));

  // SIGTERM flushes; the restarted server lists the files on disk.
  ASSERT_EQ(server_->Stop(), 0);
  StartServer(kInMemory);
  const std::vector<std::string> files = ListParquet("mem/cpu");
  ASSERT_FALSE(files.empty());
  uint64_t bytes = 0;
  for (const std::string& f : files) bytes += std::filesystem::file_size(f);
  j = GetJson("/api/v1/measurements");
  const json* e = Find(j["measurements"], "mem", "cpu");
  ASSERT_NE(e, nullptr) << j;
  EXPECT_EQ((*e)["file_count"], files.size());
  EXPECT_DOUBLE_EQ((*e)["total_size_mb"].get<double>(), static_cast<double>(bytes) / 1048576.0);
  EXPECT_EQ((*e)["in_memory"], false);
  const json tables = Sql("SHOW TABLES FROM mem");
  ASSERT_EQ(tables["data"].size(), 2u);
  EXPECT_EQ(tables["data"][0][3], files.size());
  EXPECT_DOUBLE_EQ(tables["data"][0][4].get<double>(), static_cast<double>(bytes) / 1048576.0);
  EXPECT_EQ(GetJson("/api/v1/databases/mem/measurements")["measurements"][0],
            json({{"name", "cpu"}, {"file_count", files.size()}}));
  ASSERT_EQ(server_->Stop(), 0);
}

// ---- Operators: --version, --help, the start-up log ----

// Runs `arc <args>`; its stdout and exit code.
std::pair<std::string, int> RunArc(const std::string& args) {
  int code = -1;
  std::string out = Shell(ArcBinary() + " " + args + " 2>&1", &code);
  return {std::move(out), code};
}

TEST(OperatorTest, VersionAndHelpExitZeroUnknownArgumentTwo) {
  const auto [version, vcode] = RunArc("--version");
  EXPECT_EQ(vcode, 0);
  EXPECT_EQ(version.rfind("arc ", 0), 0u) << version;
  EXPECT_NE(version.find("DuckDB v1.4"), std::string::npos) << version;
  EXPECT_NE(version.find("build"), std::string::npos) << version;

  const auto [help, hcode] = RunArc("--help");
  EXPECT_EQ(hcode, 0);
  for (const char* s : {"--config", "--version", "server.port", "8000", "ARC_SERVER_PORT",
                        "wal.sync_mode", "fdatasync", "ARC_WAL_SYNC_MODE", "log.format",
                        "storage.s3_secret_key", "ARC_AUTH_BOOTSTRAP_TOKEN"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s << " missing from --help:\n" << help;
  }
  // Every key of the table, with its env var.
  for (const ConfigKeyInfo& k : ConfigKeys()) {
    EXPECT_NE(help.find("  " + k.name + " "), std::string::npos) << k.name;
    EXPECT_NE(help.find(k.env_var), std::string::npos) << k.env_var;
  }

  const auto [usage, ucode] = RunArc("--no-such-flag");
  EXPECT_EQ(ucode, 2);
  EXPECT_NE(usage.find("unknown argument \"--no-such-flag\""), std::string::npos) << usage;
  EXPECT_NE(usage.find("usage: arc"), std::string::npos) << usage;
}

class StartupLogTest : public ServerFixture {};

TEST_F(StartupLogTest, NamesTheFileAndEveryChangedKeyWithItsSourceSecretsMasked) {
  StartServer("[ingest]\nmax_buffer_age_ms = 600000\n[storage]\ns3_access_key = \"AKIAFILESECRET\"\n",
              {{"ARC_STORAGE_S3_SECRET_KEY", "env-secret-value"}, {"ARC_QUERY_MAX_ROWS", "1234"}});
  ASSERT_EQ(server_->Stop(), 0);
  const std::string log = server_->Log();
  for (const char* s : {"config file: arc.conf", "ingest.max_buffer_age_ms = 600000 (from arc.conf)",
                        "storage.s3_access_key = *** (from arc.conf)",
                        "storage.s3_secret_key = *** (from env ARC_STORAGE_S3_SECRET_KEY)",
                        "query.max_rows = 1234 (from env ARC_QUERY_MAX_ROWS)",
                        "server.workers = 2 (from arc.conf)", "ARC_AUTH_BOOTSTRAP_TOKEN"}) {
    EXPECT_NE(log.find(s), std::string::npos) << s << " missing from:\n" << log;
  }
  for (const char* secret : {"AKIAFILESECRET", "env-secret-value", kToken}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " leaked into:\n" << log;
  }
  EXPECT_EQ(log.find("ingest.max_buffer_size"), std::string::npos) << "unchanged keys are not listed";
}

TEST_F(StartupLogTest, JsonLogLinesAreOneObjectEachWithUtcMillis) {
  StartServer("[log]\nformat = \"json\"\n");
  EXPECT_EQ(client_->Post("/write?db=d", "bad line", Auth()).status, 400);
  ASSERT_EQ(server_->Stop(), 0);
  const std::string log = server_->Log();
  size_t lines = 0;
  for (size_t at = 0; at < log.size();) {
    const size_t end = log.find('\n', at);
    const std::string line = log.substr(at, end - at);
    at = end == std::string::npos ? log.size() : end + 1;
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not one JSON object: " << line;
    const std::string time = j.value("time", "");
    // 2026-12-02T16:30:00.123Z
    ASSERT_EQ(time.size(), 24u) << line;
    EXPECT_EQ(time[10], 'T');
    EXPECT_EQ(time[19], '.');
    EXPECT_EQ(time.back(), 'Z');
    EXPECT_TRUE(j["level"].is_string() && j["msg"].is_string()) << line;
    ++lines;
  }
  EXPECT_GE(lines, 4u) << log;
  EXPECT_NE(log.find("\"msg\":\"config file: arc.conf\""), std::string::npos) << log;
}

}  // namespace
}  // namespace arc::test
