#include "influxql/result_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace arc::influxql {
namespace {

constexpr int64_t kJan1 = 1672531200000000000;  // 2023-01-01T00:00:00Z

Series Cpu(const std::string& host, std::vector<Row> values) {
  Series s;
  s.name = "cpu";
  s.tags = {{"host", host}};
  s.has_tags = true;
  s.columns = {"time", "v"};
  s.values = std::move(values);
  return s;
}

StatementResult Result0(std::vector<Series> series, int id = 0) {
  StatementResult r;
  r.statement_id = id;
  r.series = std::move(series);
  return r;
}

StatementResult Failed(int id, std::string error) {
  StatementResult r;
  r.statement_id = id;
  r.error = std::move(error);
  return r;
}

TEST(InfluxResultWriterTest, GoFloatIsGoShortestForm) {
  EXPECT_EQ(GoFloat(2.0), "2");
  EXPECT_EQ(GoFloat(0.1), "0.1");
  EXPECT_EQ(GoFloat(-1.5), "-1.5");
  EXPECT_EQ(GoFloat(0), "0");
  EXPECT_EQ(GoFloat(1e21), "1e+21");
  EXPECT_EQ(GoFloat(1e20), "100000000000000000000");
  EXPECT_EQ(GoFloat(123456.789), "123456.789");
  EXPECT_EQ(GoFloat(0.000001), "0.000001");
  // encoding/json drops the exponent's leading zero: 1e-7, not 1e-07.
  EXPECT_EQ(GoFloat(1e-7), "1e-7");
  EXPECT_EQ(GoFloat(1.5e-7), "1.5e-7");
  EXPECT_EQ(GoFloat(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(GoFloat(1e-100), "1e-100");
  EXPECT_EQ(GoFloat(0.30000000000000004), "0.30000000000000004");
}

TEST(InfluxResultWriterTest, EpochDivisor) {
  EXPECT_EQ(EpochDivisor(std::nullopt), std::nullopt);
  EXPECT_EQ(EpochDivisor(std::string()), std::nullopt);
  EXPECT_EQ(EpochDivisor(std::string("ns")), 1);
  EXPECT_EQ(EpochDivisor(std::string("u")), 1000);
  EXPECT_EQ(EpochDivisor(std::string("\xC2\xB5")), 1000);
  EXPECT_EQ(EpochDivisor(std::string("ms")), 1000000);
  EXPECT_EQ(EpochDivisor(std::string("s")), 1000000000);
  EXPECT_EQ(EpochDivisor(std::string("m")), 60000000000);
  EXPECT_EQ(EpochDivisor(std::string("h")), 3600000000000);
  EXPECT_EQ(EpochDivisor(std::string("fortnight")), 1) << "unknown units are nanoseconds, as in InfluxDB";
}

TEST(InfluxResultWriterTest, JsonWithRfc3339Times) {
  const std::vector<StatementResult> r = {Result0({Cpu("a", {{kJan1 + 500000000, 2.0}, {kJan1 + 1000000000, nullptr}})})};
  EXPECT_EQ(WriteJson(r, std::nullopt, false),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],)"
            R"("values":[["2023-01-01T00:00:00.5Z",2],["2023-01-01T00:00:01Z",null]]}]}]})");
  EXPECT_EQ(WriteJson(r, 1000000, false),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],)"
            R"("values":[[1672531200500,2],[1672531201000,null]]}]}]})");
}

TEST(InfluxResultWriterTest, JsonErrorsEmptyResultsAndScalars) {
  Series show;
  show.name = "databases";
  show.columns = {"name"};
  show.values = {{"a\"b"}, {"x"}};
  Series mixed;
  mixed.columns = {"key", "n", "b", "f"};  // no time column: the first value is no time
  mixed.values = {{5, -7, true, std::numeric_limits<double>::quiet_NaN()}};
  const std::vector<StatementResult> r = {Result0({show, mixed}), Result0({}, 1), Failed(2, "boom \"x\"")};
  EXPECT_EQ(WriteJson(r, std::nullopt, false),
            R"({"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["a\"b"],["x"]]},)"
            R"({"columns":["key","n","b","f"],"values":[[5,-7,true,null]]}]},{"statement_id":1},)"
            R"({"statement_id":2,"error":"boom \"x\""}]})");
}

TEST(InfluxResultWriterTest, PrettyJsonIndentsFourSpaces) {
  Series s;
  s.name = "m";
  s.columns = {"name"};
  s.values = {{"x"}};
  EXPECT_EQ(WriteJson({Result0({s})}, std::nullopt, true),
            "{\n"
            "    \"results\": [\n"
            "        {\n"
            "            \"statement_id\": 0,\n"
            "            \"series\": [\n"
            "                {\n"
            "                    \"name\": \"m\",\n"
            "                    \"columns\": [\n"
            "                        \"name\"\n"
            "                    ],\n"
            "                    \"values\": [\n"
            "                        [\n"
            "                            \"x\"\n"
            "                        ]\n"
            "                    ]\n"
            "                }\n"
            "            ]\n"
            "        }\n"
            "    ]\n"
            "}\n");
}

TEST(InfluxResultWriterTest, ChunkedJsonSplitsSeriesAndMarksPartial) {
  const std::vector<StatementResult> r = {
      Result0({Cpu("a", {{1, 1.5}, {2, 2.5}, {3, 3.5}}), Cpu("b", {{1, 4.0}})}), Failed(1, "boom")};
  EXPECT_EQ(WriteChunkedJson(r, 1, 2),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],)"
            R"("values":[[1,1.5],[2,2.5]],"partial":true}],"partial":true}]})"
            "\n"
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],)"
            R"("values":[[3,3.5]]}],"partial":true}]})"
            "\n"
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"b"},"columns":["time","v"],)"
            R"("values":[[1,4]]}]}]})"
            "\n"
            R"({"results":[{"statement_id":1,"error":"boom"}]})"
            "\n");
  EXPECT_EQ(WriteChunkedJson({Result0({})}, std::nullopt, 10), "{\"results\":[{\"statement_id\":0}]}\n");
  // chunk_size 0 is taken as 1 (no endless loop).
  EXPECT_EQ(WriteChunkedJson({Result0({Cpu("a", {{1, 1.0}, {2, 2.0}})})}, 1, 0).size(),
            WriteChunkedJson({Result0({Cpu("a", {{1, 1.0}, {2, 2.0}})})}, 1, 1).size());
}

TEST(InfluxResultWriterTest, CsvHeaderPerColumnSetAndEpochTimes) {
  Series mem;
  mem.name = "mem";
  mem.columns = {"time", "used"};
  mem.values = {{2000000000, 7}};
  Series two;
  two.name = "disk";
  two.tags = {{"host", "a"}, {"path", "/x,y"}};
  two.columns = {"time", "used"};
  two.values = {{3000000000, "say \"hi\""}};
  const std::vector<StatementResult> r = {
      Result0({Cpu("a", {{1000000000, 1.5}, {2000000000, nullptr}}), Cpu("b", {{1000000000, 2.0}}), mem, two}),
      Failed(1, "boom, again")};
  EXPECT_EQ(WriteCsv(r, std::nullopt),
            "name,tags,time,v\n"
            "cpu,host=a,1000000000,1.5\n"
            "cpu,host=a,2000000000,\n"
            "cpu,host=b,1000000000,2\n"
            "\n"
            "name,tags,time,used\n"
            "mem,,2000000000,7\n"
            "disk,\"host=a,path=/x,y\",3000000000,\"say \"\"hi\"\"\"\n"
            "error\n"
            "\"boom, again\"\n");
  EXPECT_EQ(WriteCsv({Result0({Cpu("a", {{1500000000, 1.5}})})}, 1000000000), "name,tags,time,v\ncpu,host=a,1,1.5\n");
}

}  // namespace
}  // namespace arc::influxql
