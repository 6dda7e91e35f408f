#include "ingest/batch_codec.h"

#include <gtest/gtest.h>

#include <map>

#include "ingest/line_protocol.h"
#include "ingest/msgpack_writer.h"
#include "ingest/time_units.h"
#include "ingest/validate.h"

namespace arc {
namespace {

TEST(BatchCodecTest, RoundTripsEveryTypeAndNull) {
  BatchSet set("db");
  ASSERT_TRUE(ParseLineProtocol("cpu,host=a f=1.5,i=2i,s=\"x\",b=t 3600000000000\n"
                                "cpu,host=b f=2.5 7200000000001\n"
                                "mem used=10i 1000\n",
                                Precision::kNanoseconds, 0, &set)
                  .ok());
  const std::string encoded = EncodeBatchSet(set);
  std::unique_ptr<BatchSet> back;
  ASSERT_TRUE(DecodeBatchSet(encoded, &back).ok());
  EXPECT_EQ(back->database(), "db");
  ASSERT_EQ(back->batches().size(), 2u);
  const Batch& cpu = back->batches()[0];
  EXPECT_EQ(cpu.measurement, "cpu");
  EXPECT_EQ(cpu.time_us, (std::vector<int64_t>{3600000000, 7200000000}));
  const int s = cpu.FindColumn("s");
  ASSERT_GE(s, 0);
  EXPECT_EQ(cpu.columns[s].StringAt(0), "x");
  EXPECT_FALSE(cpu.columns[s].IsValid(1));
  EXPECT_TRUE(cpu.columns[cpu.FindColumn("host")].is_tag());
  EXPECT_EQ(back->batches()[1].time_us, (std::vector<int64_t>{1}));
}

TEST(BatchCodecTest, ScansHoursWithoutDecoding) {
  BatchSet set("db");
  ASSERT_TRUE(ParseLineProtocol("cpu v=1 3600000000000\ncpu v=1 3600000000001\n"
                                "cpu v=1 7200000000000\nmem v=1 0\n",
                                Precision::kNanoseconds, 0, &set)
                  .ok());
  std::map<std::string, std::vector<int64_t>> hours;
  std::map<std::string, std::vector<size_t>> runs;
  ASSERT_TRUE(ScanPayloadHours(EncodeBatchSet(set), [&](std::string_view db, std::string_view m,
                                                        int64_t h, size_t rows) {
                EXPECT_EQ(db, "db");
                hours[std::string(m)].push_back(h);
                runs[std::string(m)].push_back(rows);
              }).ok());
  EXPECT_EQ(hours["cpu"], (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(runs["cpu"], (std::vector<size_t>{2, 1}));
  EXPECT_EQ(hours["mem"], (std::vector<int64_t>{0}));
  const PayloadSummary summary = DescribePayload(EncodeBatchSet(set));
  EXPECT_TRUE(summary.readable);
  EXPECT_EQ(summary.database, "db");
  EXPECT_EQ(summary.measurements, (std::vector<std::string>{"cpu", "mem"}));
  EXPECT_EQ(summary.rows, 4u);
}

TEST(BatchCodecTest, GarbageIsCorruption) {
  std::unique_ptr<BatchSet> out;
  EXPECT_EQ(DecodeBatchSet("\x92\x01\x02", &out).code(), StatusCode::kCorruption);
  EXPECT_FALSE(ScanPayloadHours("\xc1", [](auto, auto, auto, auto) {}).ok());
  EXPECT_FALSE(DescribePayload("\xc1").readable);
  // Regression: a document that ends early was InvalidArgument (a client's error) instead of
  // the documented Corruption.
  const std::string whole = "\x82\xa2" "db\xa2" "db\xa5" "batch\x90";
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    EXPECT_EQ(DecodeBatchSet(whole.substr(0, cut), &out).code(), StatusCode::kCorruption) << cut;
    EXPECT_EQ(ScanPayloadHours(whole.substr(0, cut), [](auto, auto, auto, auto) {}).code(), StatusCode::kCorruption) << cut;
  }
  EXPECT_TRUE(DecodeBatchSet(whole, &out).ok());
}

// Found by fuzz/msgpack_fuzz: a time of INT64_MIN made ScanPayloadHours overflow in HourOf.
TEST(BatchCodecTest, ScanRefusesTimesOutsideTheRange) {
  for (int64_t t : {INT64_MIN, INT64_MAX, kMaxTimeUs + 1}) {
    MsgpackWriter w;
    w.Map(2);
    w.Str("db");
    w.Str("db");
    w.Str("batch");
    w.Array(1);
    w.Map(3);
    w.Str("m");
    w.Str("cpu");
    w.Str("time_unit");
    w.Str("us");
    w.Str("columns");
    w.Map(2);
    w.Str("time");
    w.Array(1);
    w.Int(t);
    w.Str("v");
    w.Array(1);
    w.Int(1);
    EXPECT_EQ(ScanPayloadHours(w.out(), [](auto, auto, auto, auto) {}).code(), StatusCode::kCorruption) << t;
    EXPECT_FALSE(DescribePayload(w.out()).readable) << t;
    std::unique_ptr<BatchSet> out;
    EXPECT_FALSE(DecodeBatchSet(w.out(), &out).ok()) << t;
  }
}

}  // namespace
}  // namespace arc
