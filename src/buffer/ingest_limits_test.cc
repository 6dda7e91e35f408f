#include "buffer/ingest_limits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "ingest/line_protocol.h"

namespace arc {
namespace {

BatchSet Parse(const std::string& db, const std::string& lines) {
  BatchSet set(db);
  EXPECT_TRUE(ParseLineProtocol(lines, Precision::kSeconds, 0, &set).ok());
  return set;
}

TEST(IngestLimitsTest, SeriesAreMeasurementPlusTagSetInAnyColumnOrder) {
  const BatchSet a = Parse("d", "m,a=1,b=2 v=1 1\nm,a=1,b=2 v=2 2\nm,a=1 v=3 3\nn,a=1,b=2 v=1 1\n");
  EXPECT_EQ(SeriesHashes(a.batches()[0]).size(), 2u);
  const BatchSet b = Parse("d", "m,b=2,a=1 v=1 1\n");
  ASSERT_EQ(SeriesHashes(b.batches()[0]).size(), 1u);
  auto contains = [](const std::vector<uint64_t>& v, uint64_t h) { return std::count(v.begin(), v.end(), h); };
  EXPECT_EQ(contains(SeriesHashes(a.batches()[0]), SeriesHashes(b.batches()[0])[0]), 1)
      << "b=2,a=1 is the same series as a=1,b=2";
  EXPECT_EQ(contains(SeriesHashes(a.batches()[1]), SeriesHashes(b.batches()[0])[0]), 0)
      << "another measurement is another series";
}

// Regression: the measurement's and the first tag name's hashes were XOR-ed under one seed,
// so a measurement and a tag swapping names, or a tag named like its measurement, collided.
TEST(IngestLimitsTest, MeasurementAndTagNamesDoNotCancelOut) {
  const BatchSet a = Parse("d", "cpu,host=a v=1 1\nhost,cpu=a v=1 1\nx,x=a v=1 1\ny,y=a v=1 1\n");
  std::set<uint64_t> all;
  for (const Batch& b : a.batches()) {
    for (uint64_t h : SeriesHashes(b)) all.insert(h);
  }
  EXPECT_EQ(all.size(), 4u);
}

// KeepDistinct replaced a sort + unique (it took ~7 % of server CPU): same set of values,
// first occurrences in order, whatever the input (zero, sequences, colliding low bits).
TEST(IngestLimitsTest, KeepDistinctKeepsEachValueOnceInFirstSeenOrder) {
  std::vector<uint64_t> v = {5, 0, 5, 7, 0, 1ull << 63, 7, 1ull << 63, 3};
  KeepDistinct(&v);
  EXPECT_EQ(v, (std::vector<uint64_t>{5, 0, 7, 1ull << 63, 3}));
  std::vector<uint64_t> empty;
  KeepDistinct(&empty);
  EXPECT_TRUE(empty.empty());
  uint64_t seed = 42;
  auto next = [&] { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; };
  for (const size_t n : {1, 2, 100, 5000, 200000}) {  // 200,000: past the reused table
    std::vector<uint64_t> values;
    for (size_t i = 0; i < n; ++i) {
      switch (i % 4) {
        case 0: values.push_back(next() % 97); break;             // small, repeating
        case 1: values.push_back(i << 20); break;                 // same low bits
        case 2: values.push_back(next()); break;                  // well mixed
        case 3: values.push_back(values[next() % values.size()]); break;  // a repeat
      }
    }
    std::vector<uint64_t> expected;
    std::set<uint64_t> seen;
    for (uint64_t x : values) {
      if (seen.insert(x).second) expected.push_back(x);
    }
    KeepDistinct(&values);
    EXPECT_EQ(values, expected) << n << " values";
  }
}

// 100,000 distinct tag sets of the usual shapes, short and past 8 bytes, are 100,000 distinct
// series: nothing in hashing or KeepDistinct merges two of them.
TEST(IngestLimitsTest, DistinctTagSetsAreDistinctSeries) {
  Batch b;
  b.database = "d";
  b.measurement = "cpu";
  const int host = b.AddColumn("host", ColumnType::kString, true);
  const int dc = b.AddColumn("datacenter", ColumnType::kString, true);
  const int v = b.AddColumn("v", ColumnType::kInt64, false);
  for (int i = 0; i < 100000; ++i) {
    b.columns[host].AppendString(i % 2 ? "h" + std::to_string(i) : "server-" + std::to_string(i) + ".example.org");
    b.columns[dc].AppendString(i % 3 ? "eu-west-1" : "us-east-1");
    b.columns[v].AppendInt(i);
    b.FinishRow(i);
  }
  EXPECT_EQ(SeriesHashes(b).size(), 100000u);
}

TEST(IngestLimitsTest, RefusedRequestsRecordNothing) {
  IngestLimits limits({0, 2, 0, 3});
  EXPECT_TRUE(limits.Admit(Parse("d", "m,h=1 v=1 1\nm,h=2 v=1 1\n")).ok());
  Status st = limits.Admit(Parse("d", "m,h=3 v=1 1\nm,h=4 v=1 1\n"));
  EXPECT_NE(st.message().find("max_series_per_database"), std::string::npos) << st.message();
  EXPECT_EQ(limits.counts().series, 2u) << "nothing of the refused request was counted";
  EXPECT_TRUE(limits.Admit(Parse("d", "m,h=3 v=1 1\n")).ok());
  st = limits.Admit(Parse("d", "x v=1 1\ny v=1 1\n"));
  EXPECT_NE(st.message().find("max_measurements_per_database"), std::string::npos) << st.message();
  EXPECT_EQ(limits.counts().measurements, 1u);
  EXPECT_TRUE(limits.Admit(Parse("other", "x v=1 1\ny v=1 1\n")).ok()) << "limits are per database";
}

TEST(IngestLimitsTest, ColumnsCountIgnoringCaseAndSeededMeasurements) {
  IngestLimits limits({1, 1, 2, 0});
  limits.Seed("d", "m");
  EXPECT_TRUE(limits.Admit(Parse("d", "m v=1 1\n")).ok());
  EXPECT_TRUE(limits.Admit(Parse("d", "m V=1 1\n")).ok()) << "V and v are one column";
  EXPECT_TRUE(limits.Admit(Parse("d", "m w=1 1\n")).ok()) << "two columns: at the limit";
  Status st = limits.Admit(Parse("d", "m x=1 1\n"));
  EXPECT_NE(st.message().find("max_columns_per_measurement"), std::string::npos) << st.message();
  st = limits.Admit(Parse("d", "n v=1 1\n"));
  EXPECT_NE(st.message().find("max_measurements_per_database"), std::string::npos) << "m was seeded";
  st = limits.Admit(Parse("e", "m v=1 1\n"));
  EXPECT_NE(st.message().find("max_databases"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace arc
