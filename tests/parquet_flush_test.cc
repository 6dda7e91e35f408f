// The flush path's Parquet files (docs/parquet-flush.md), written by the real server and read
// back by an independent reader (hyparquet, pure JavaScript) as well as by DuckDB.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "util/parquet_reader.h"
#include "util/server_fixture.h"

namespace arc::test {
namespace {

using json = nlohmann::json;

constexpr int64_t kBaseUs = 1700000000000000;

json ReadWithHyparquet(const std::string& path) {
  const std::string cmd = std::string("node ") + ARC_SOURCE_DIR + "/tests/parquet/read_parquet.mjs " + path + " 2>&1";
  int rc = -1;
  const std::string out = Shell(cmd, &rc);
  EXPECT_EQ(rc, 0) << out;
  return rc == 0 ? json::parse(out) : json::object();
}

// Line k of the load: every type, tags of two cardinalities, a field missing on some lines,
// strings with escapes and non-ASCII text.
struct Line {
  int64_t t_us;
  std::string host, region;
  std::optional<double> f;
  double g;  // few distinct values (-0.0 among them): a dictionary-encoded DOUBLE
  int64_t i;
  bool b;
  std::string s;
};

Line MakeLine(int k) {
  Line l{kBaseUs + k * 1000, "host-" + std::to_string(k % 7), k % 2 ? "eu" : "us", std::nullopt,
         k % 13 == 0 ? -0.0 : (k % 13) * 0.25 - 1.5, int64_t{k} * -7919, k % 3 == 0, "say \"é\" " + std::to_string(k % 11)};
  if (k % 5 != 2) l.f = k * 0.125 - 10;
  // Integers are stored as deltas: the extremes make deltas that wrap around.
  if (k % 97 == 5) l.i = INT64_MAX;
  if (k % 97 == 6) l.i = INT64_MIN;
  return l;
}

// DuckDB's sum of int64 is a HUGEINT: the exact decimal text of a 128-bit sum.
std::string Decimal(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string digits;
  for (; v != 0; v /= 10) digits.insert(digits.begin(), static_cast<char>('0' + (negative ? -(v % 10) : v % 10)));
  return negative ? "-" + digits : digits;
}

std::string LineProtocol(const Line& l) {
  std::string fields;
  if (l.f) fields += "f=" + json(*l.f).dump() + ",";
  fields += "g=" + json(l.g).dump() + ",";
  std::string escaped;
  for (char c : l.s) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  fields += "i=" + std::to_string(l.i) + "i,b=" + (l.b ? "true" : "false") + ",s=\"" + escaped + "\"";
  return "m,host=" + l.host + ",region=" + l.region + " " + fields + " " + std::to_string(l.t_us) + "000\n";
}

class ParquetFlushTest : public ServerFixture {};

TEST_F(ParquetFlushTest, HyparquetAndDuckDBReadTheServersFilesExactly) {
  for (const char* codec : {"snappy", "none"}) {
    SCOPED_TRACE(codec);
    const std::string db = std::string("pq_") + codec;
    StartServer(std::string("[ingest]\ncompression = \"") + codec + "\"\n");
    std::map<std::string, Line> sent;  // by time, as hyparquet prints it
    for (int request = 0; request < 3; ++request) {
      std::string body;
      for (int k = request * 400; k < (request + 1) * 400; ++k) {
        const Line l = MakeLine(k);
        sent[std::to_string(l.t_us)] = l;
        body += LineProtocol(l);
      }
      ASSERT_EQ(client_->Post("/api/v1/write/line-protocol", body, Auth({{"x-arc-database", db}})).status, 204);
    }
    ASSERT_EQ(server_->Stop(), 0) << server_->Log();  // flushes every buffered row
    const std::vector<std::string> files = ListParquet(db);
    ASSERT_FALSE(files.empty());
    std::set<std::string> seen;
    for (const std::string& file : files) {
      const json got = ReadWithHyparquet(file);
      ASSERT_TRUE(got.contains("rows")) << got.dump();
      EXPECT_EQ(got["kv"]["arc:tags"], "host,region");
      EXPECT_EQ(got["schema"][0], (json{{"name", "time"}, {"type", "INT64"}, {"repetition", "REQUIRED"}, {"logical", "TIMESTAMP"}}));
      for (const json& c : got["schema"]) {
        if (c["name"] == "time") continue;
        EXPECT_EQ(c["repetition"], "OPTIONAL") << c.dump();
      }
      // The codec is chosen per chunk: the configured one, or none where it does not pay.
      const std::string configured = std::string(codec) == "none" ? "UNCOMPRESSED" : "SNAPPY";
      for (const json& chunk : got["chunks"]) {
        EXPECT_TRUE(chunk["codec"] == configured || chunk["codec"] == "UNCOMPRESSED") << chunk.dump();
      }
      EXPECT_EQ(got["chunks"][0]["codec"], configured) << "sequential times compress";
      for (const json& chunk : got["chunks"]) {
        const bool dictionary = chunk["encodings"].dump().find("RLE_DICTIONARY") != std::string::npos;
        if (chunk["column"] == "g") {
          EXPECT_TRUE(dictionary) << "repeating doubles: " << chunk.dump();
        }
        if (chunk["column"] == "f") {
          EXPECT_FALSE(dictionary) << "distinct doubles: " << chunk.dump();
        }
      }
      std::string min_time, max_time;
      for (const json& r : got["rows"]) {
        const std::string t = r["time"];
        ASSERT_TRUE(sent.count(t)) << "a row the server was never sent: " << r.dump();
        EXPECT_TRUE(seen.insert(t).second) << "row at " << t << " written twice";
        const Line& l = sent[t];
        EXPECT_EQ(r["host"], l.host);
        EXPECT_EQ(r["region"], l.region);
        if (l.f) EXPECT_EQ(r["f"].get<double>(), *l.f) << t;
        else EXPECT_TRUE(r["f"].is_null()) << t;
        EXPECT_EQ(r["g"].get<double>(), l.g) << t;  // JSON has no -0: DuckDB checks the sign below
        EXPECT_EQ(r["i"], std::to_string(l.i));
        EXPECT_EQ(r["b"], l.b);
        EXPECT_EQ(r["s"], l.s);
        if (min_time.empty() || std::stoll(t) < std::stoll(min_time)) min_time = t;
        if (max_time.empty() || std::stoll(t) > std::stoll(max_time)) max_time = t;
      }
      // The time chunk's statistics bound exactly the rows of the file (one row group here).
      EXPECT_EQ(got["chunks"][0]["column"], "time");
      EXPECT_EQ(got["chunks"][0]["min"], min_time);
      EXPECT_EQ(got["chunks"][0]["max"], max_time);
      // DuckDB agrees on the same file.
      int64_t count = 0, with_f = 0, negative_g = 0;
      __int128 sum_i = 0;
      for (const json& r : got["rows"]) {
        ++count;
        with_f += !r["f"].is_null();
        sum_i += std::stoll(r["i"].get<std::string>());
        negative_g += std::signbit(sent[r["time"].get<std::string>()].g);  // -0.0 included
      }
      EXPECT_EQ(QueryValue("SELECT count(*) || '/' || count(f) || '/' || sum(i) || '/' || count(*) FILTER "
                           "(WHERE signbit(g)) FROM read_parquet('" + file + "')"),
                std::to_string(count) + "/" + std::to_string(with_f) + "/" + Decimal(sum_i) + "/" +
                    std::to_string(negative_g));
    }
    EXPECT_EQ(seen.size(), sent.size()) << "every row written exactly once";
  }
}

}  // namespace
}  // namespace arc::test
