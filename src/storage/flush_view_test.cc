#include "storage/flush_view.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>

namespace arc {
namespace {

constexpr int64_t kHour = 3600LL * 1000000;

Batch TimesOnly(std::vector<int64_t> times, const std::string& col = "v") {
  Batch b;
  int c = b.AddColumn(col, ColumnType::kInt64, false);
  for (int64_t t : times) {
    b.columns[c].AppendInt(t);
    b.FinishRow(t);
  }
  return b;
}

std::vector<Batch> Job(std::vector<Batch> batches) { return batches; }

// The times in view order, flattened.
std::vector<int64_t> Flatten(const FlushView& v) {
  std::vector<int64_t> out;
  for (const RowRun& r : v.runs()) {
    for (uint32_t i = 0; i < r.len; ++i) out.push_back(v.batches()[r.batch].time_us[r.row + i]);
  }
  return out;
}

TEST(FlushViewTest, SortedNonOverlappingBatchesGiveOneRunEach) {
  std::vector<Batch> job = Job({TimesOnly({10, 11, 12}), TimesOnly({1, 2, 3}), TimesOnly({20, 21})});
  FlushView v(job);
  EXPECT_EQ(v.runs().size(), 3u);
  EXPECT_EQ(Flatten(v), (std::vector<int64_t>{1, 2, 3, 10, 11, 12, 20, 21}));
}

TEST(FlushViewTest, InterleavedBatchesMerge) {
  std::vector<Batch> job = Job({TimesOnly({1, 4, 5, 9}), TimesOnly({2, 3, 6, 7, 8})});
  FlushView v(job);
  EXPECT_EQ(Flatten(v), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(FlushViewTest, UnsortedBatchFallsBackToFullSort) {
  std::vector<Batch> job = Job({TimesOnly({5, 1, 3}), TimesOnly({2, 4})});
  FlushView v(job);
  EXPECT_EQ(Flatten(v), (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST(FlushViewTest, HourSlicesSplitRuns) {
  std::vector<Batch> job = Job({TimesOnly({kHour - 2, kHour - 1, kHour, kHour + 1, 3 * kHour})});
  FlushView v(job);
  ASSERT_EQ(v.hours().size(), 3u);
  EXPECT_EQ(v.hours()[0].hour, 0);
  EXPECT_EQ(v.hours()[0].rows, 2u);
  EXPECT_EQ(v.hours()[1].hour, 1);
  EXPECT_EQ(v.hours()[1].rows, 2u);
  EXPECT_EQ(v.hours()[2].hour, 3);
  EXPECT_EQ(v.hours()[2].rows, 1u);
}

TEST(FlushViewTest, SchemaUnionAndColumnMap) {
  Batch a = TimesOnly({1}, "x");
  Batch b = TimesOnly({2}, "X");
  b.AddColumn("tag", ColumnType::kString, true);
  std::vector<Batch> job = Job({std::move(a), std::move(b)});
  FlushView v(job);
  ASSERT_EQ(v.schema().size(), 2u);
  EXPECT_EQ(v.schema()[0].name, "x");
  EXPECT_EQ(v.column_map()[1][0], 0) << "X matches x ignoring case";
  EXPECT_EQ(v.column_map()[0][1], -1);
  EXPECT_EQ(v.TagList(), "tag");
}

TEST(FlushViewPropertyTest, OrderEqualsStdSortAndHoursPartitionRows) {
  EXPECT_TRUE(rc::check("flush view order", [] {
    const auto batches = *rc::gen::container<std::vector<std::vector<int64_t>>>(
        rc::gen::container<std::vector<int64_t>>(rc::gen::inRange<int64_t>(-5 * kHour, 5 * kHour)));
    std::vector<Batch> bs;
    std::vector<int64_t> all;
    const bool sort_each = *rc::gen::arbitrary<bool>();
    for (auto times : batches) {
      if (sort_each) std::sort(times.begin(), times.end());
      all.insert(all.end(), times.begin(), times.end());
      bs.push_back(TimesOnly(times));
    }
    std::vector<Batch> job = Job(std::move(bs));
    FlushView v(job);
    std::sort(all.begin(), all.end());
    RC_ASSERT(Flatten(v) == all);
    size_t rows = 0;
    for (const HourSlice& h : v.hours()) {
      rows += h.rows;
      for (size_t r = h.run_begin; r < h.run_end; ++r) {
        const RowRun& run = v.runs()[r];
        for (uint32_t i = 0; i < run.len; ++i) {
          RC_ASSERT(HourOf(v.batches()[run.batch].time_us[run.row + i]) == h.hour);
        }
      }
    }
    RC_ASSERT(rows == all.size());
  }));
}

}  // namespace
}  // namespace arc

namespace arc {
namespace {

// Regression: groups came out in buffer order, so an integer met a double before text and a
// query read "1.0" instead of "1" depending on which worker had buffered which row
// (PipelineTest.TypeChangeWhileBufferedNeverBreaksQueries failed now and then).
TEST(SplitBySchemaTest, GroupsWithTextComeFirst) {
  Batch d;
  d.columns[d.AddColumn("x", ColumnType::kDouble, false)].AppendDouble(2.5);
  d.FinishRow(2);
  Batch s;
  s.columns[s.AddColumn("x", ColumnType::kString, false)].AppendString("s");
  s.FinishRow(1);
  std::vector<Batch> in;
  in.push_back(std::move(d));
  in.push_back(std::move(s));
  const std::vector<std::vector<Batch>> groups = SplitBySchema(std::move(in));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0][0].columns[0].type(), ColumnType::kString);
  EXPECT_EQ(groups[1][0].columns[0].type(), ColumnType::kDouble);
}

}  // namespace
}  // namespace arc
