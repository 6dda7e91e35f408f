// ServerFixture: a gtest fixture that runs the real arc binary in a temp directory.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "util/http_client.h"
#include "util/parquet_reader.h"
#include "util/server_process.h"
#include "util/test_util.h"

namespace arc::test {

inline constexpr char kToken[] = "test-admin-token";

class ServerFixture : public ::testing::Test {
 protected:
  // Starts the server with the base test config plus `extra_toml` (more sections).
  void StartServer(const std::string& extra_toml = "",
                   std::map<std::string, std::string> env = {}) {
    env.emplace("ARC_AUTH_BOOTSTRAP_TOKEN", kToken);
    server_ = std::make_unique<ServerProcess>(dir_.path(), BaseConfig() + extra_toml, env);
    ASSERT_TRUE(server_->Start()) << server_->Log();
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  static std::string BaseConfig() {
    return "[server]\nworkers = 2\n[auth]\ntoken_file = \"./data/auth/tokens.json\"\n";
  }

  HttpClient::Headers Auth(HttpClient::Headers more = {}) {
    more.emplace_back("Authorization", std::string("Bearer ") + kToken);
    return more;
  }

  // A glob over every Parquet file of db.measurement, for read_parquet.
  std::string Files(const std::string& db, const std::string& m) const {
    return dir_.path() + "/data/arc/" + db + "/" + m + "/*/*/*/*/*.parquet";
  }
  std::vector<std::string> ListParquet(const std::string& sub = "") const {
    return FindFiles(dir_.path() + "/data/arc/" + sub, ".parquet");
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace arc::test
