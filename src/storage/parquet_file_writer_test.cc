#include "storage/parquet_file_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <cstdlib>
#include <optional>

#include "util/parquet_reader.h"
#include "util/test_util.h"

namespace arc {
namespace {

constexpr int64_t kBase = 1700000000LL * 1000000 / 3600000000LL * 3600000000LL;  // an hour

struct Expected {
  int64_t time;
  std::string host;
  std::optional<double> v;
  std::optional<int64_t> n;
  std::optional<bool> b;
  std::optional<std::string> s;
  std::optional<std::string> extra;
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string Text(const std::optional<std::string>& s) { return s ? *s : "NULL"; }

// Batch A: host (tag), v, n, b, s; batch B: host, v, s, extra (no n, no b). Their rows
// interleave in time; values cover NaN, -0.0, nulls, long and non-ASCII strings.
std::vector<Batch> MakeBatches(int rows, std::vector<Expected>* expected) {
  Batch a, b;
  for (Batch* x : {&a, &b}) {
    x->database = "db";
    x->measurement = "m";
  }
  const int ah = a.AddColumn("host", ColumnType::kString, true), av = a.AddColumn("v", ColumnType::kDouble, false),
            an = a.AddColumn("n", ColumnType::kInt64, false), ab = a.AddColumn("b", ColumnType::kBool, false),
            as = a.AddColumn("s", ColumnType::kString, false);
  const int bh = b.AddColumn("host", ColumnType::kString, true), bv = b.AddColumn("v", ColumnType::kDouble, false),
            bs = b.AddColumn("s", ColumnType::kString, false), bx = b.AddColumn("extra", ColumnType::kString, false);
  for (int i = 0; i < rows; ++i) {
    Expected e;
    e.time = kBase + i * 1000;
    e.host = "host-" + std::to_string(i % 5);
    if (i % 7 != 3) e.v = i == 10 ? -0.0 : i == 11 ? NAN : i * 0.25 - 3;
    if (i % 2 == 0) {  // batch A
      if (i % 4 != 2) e.n = int64_t{i} * -1000003;
      if (i % 6 != 4) e.b = i % 3 == 0;
      if (i % 5 != 1) e.s = i % 9 == 0 ? Repeat("é", 50 + i) : "é-" + std::to_string(i);
      a.columns[ah].AppendString(e.host);
      if (e.v) a.columns[av].AppendDouble(*e.v);
      if (e.n) a.columns[an].AppendInt(*e.n);
      if (e.b) a.columns[ab].AppendBool(*e.b);
      if (e.s) a.columns[as].AppendString(*e.s);
      a.FinishRow(e.time);
    } else {
      e.s = "s" + std::to_string(i);
      if (i % 3 != 0) e.extra = "x" + std::to_string(i % 4);
      b.columns[bh].AppendString(e.host);
      if (e.v) b.columns[bv].AppendDouble(*e.v);
      b.columns[bs].AppendString(*e.s);
      if (e.extra) b.columns[bx].AppendString(*e.extra);
      b.FinishRow(e.time);
    }
    expected->push_back(e);
  }
  std::vector<Batch> out;
  out.push_back(std::move(a));
  out.push_back(std::move(b));
  return out;
}

class ParquetFileWriterTest : public ::testing::TestWithParam<ParquetCompression> {
 protected:
  std::string WriteFile(const std::vector<Batch>& batches, size_t row_group_rows) {
    const FlushView view(batches);
    EXPECT_EQ(view.hours().size(), 1u);
    ParquetFileWriter writer(DefaultFileSystem(), GetParam());
    const std::string path = dir_.path() + "/f.parquet";
    const Status st = writer.Write(view, view.hours()[0], path, row_group_rows);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return path;
  }
  test::TempDir dir_;
};

// DuckDB reads every value back exactly, across row groups, with nulls for the columns a
// batch lacks.
TEST_P(ParquetFileWriterTest, DuckDBReadsEveryValueBack) {
  std::vector<Expected> expected;
  const std::vector<Batch> batches = MakeBatches(300, &expected);
  const std::string path = WriteFile(batches, 64);  // 5 row groups
  const test::Rows rows = test::Query(
      "SELECT epoch_us(time), host, v, n, b, s, extra FROM read_parquet('" + path + "')");
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Expected& e = expected[i];
    const std::vector<std::string>& r = rows[i];
    EXPECT_EQ(r[0], std::to_string(e.time)) << i;
    EXPECT_EQ(r[1], e.host) << i;
    if (!e.v) {
      EXPECT_EQ(r[2], "NULL") << i;
    } else {
      const double got = std::strtod(r[2].c_str(), nullptr);
      if (std::isnan(*e.v)) EXPECT_TRUE(std::isnan(got)) << i;
      else EXPECT_TRUE(got == *e.v && std::signbit(got) == std::signbit(*e.v)) << i << ": " << r[2];
    }
    EXPECT_EQ(r[3], e.n ? std::to_string(*e.n) : "NULL") << i;
    EXPECT_EQ(r[4], e.b ? (*e.b ? "true" : "false") : "NULL") << i;
    EXPECT_EQ(r[5], Text(e.s)) << i;
    EXPECT_EQ(r[6], Text(e.extra)) << i;
  }
  EXPECT_EQ(test::QueryValue("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + path + "')"), "5");
}

// The types the COPY it replaces wrote, and the arc:tags key storage reads back.
TEST_P(ParquetFileWriterTest, TypesAndTagMetadata) {
  std::vector<Expected> expected;
  const std::string path = WriteFile(MakeBatches(20, &expected), ParquetFileWriter::kRowGroupRows);
  const test::Rows types = test::Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" +
                                       path + "'))");
  const test::Rows want = {{"time", "TIMESTAMP WITH TIME ZONE"}, {"host", "VARCHAR"}, {"v", "DOUBLE"},
                           {"n", "BIGINT"}, {"b", "BOOLEAN"}, {"s", "VARCHAR"}, {"extra", "VARCHAR"}};
  EXPECT_EQ(types, want);
  EXPECT_EQ(test::QueryValue("SELECT decode(value) FROM parquet_kv_metadata('" + path +
                             "') WHERE decode(key) = 'arc:tags'"),
            "host");
}

// Statistics are exact, so DuckDB may prune with them: NaN is no bound, zeros carry the
// format's signs, strings over 64 bytes leave their chunk without min/max.
TEST_P(ParquetFileWriterTest, StatisticsAreExact) {
  std::vector<Expected> expected;
  const std::string path = WriteFile(MakeBatches(40, &expected), ParquetFileWriter::kRowGroupRows);
  const std::string meta = "FROM parquet_metadata('" + path + "') WHERE path_in_schema = ";
  EXPECT_EQ(test::QueryValue("SELECT stats_min_value || '/' || stats_max_value " + meta + "'time'"),
            "2023-11-14 22:00:00+00/2023-11-14 22:00:00.039+00");
  EXPECT_EQ(test::QueryValue("SELECT stats_min_value || '/' || stats_max_value " + meta + "'host'"),
            "host-0/host-4");
  EXPECT_EQ(test::QueryValue("SELECT coalesce(stats_min_value, 'none') || '/' || stats_null_count " + meta + "'v'"),
            "none/6")
      << "the chunk holds a NaN (row 11)";
  EXPECT_EQ(test::QueryValue("SELECT coalesce(stats_min_value, 'none') " + meta + "'s'"), "none")
      << "the maximum is a 100-byte string";
  EXPECT_EQ(test::QueryValue("SELECT stats_min_value || '/' || stats_max_value || '/' || stats_null_count " +
                             meta + "'extra'"),
            "x1/x3/27");
  // Pruning with them gives the same rows as a full scan.
  EXPECT_EQ(test::QueryValue("SELECT count(*) FROM read_parquet('" + path + "') WHERE v > 5 AND host = 'host-3'"),
            "1");
}

// Past 65,536 distinct values a string chunk is PLAIN; tags stay dictionary-encoded.
TEST_P(ParquetFileWriterTest, ManyDistinctStringsFallBackToPlain) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  const int tag = b.AddColumn("t", ColumnType::kString, true);
  const int s = b.AddColumn("s", ColumnType::kString, false);
  const int rows = 70000;
  for (int i = 0; i < rows; ++i) {
    b.columns[tag].AppendString(i % 2 ? "a" : "b");
    b.columns[s].AppendString("value-" + std::to_string(i));
    b.FinishRow(kBase + i);
  }
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const std::string path = WriteFile(batches, ParquetFileWriter::kRowGroupRows);
  const std::string meta = "FROM parquet_metadata('" + path + "') WHERE path_in_schema = ";
  EXPECT_EQ(test::QueryValue("SELECT encodings " + meta + "'s'"), "PLAIN, RLE");
  EXPECT_NE(test::QueryValue("SELECT encodings " + meta + "'t'").find("RLE_DICTIONARY"), std::string::npos);
  EXPECT_EQ(test::QueryValue("SELECT count(DISTINCT s) || '/' || min(s) || '/' || max(s) || '/' || "
                             "sum((t = 'a')::INT) FROM read_parquet('" + path + "')"),
            "70000/value-0/value-9999/35000");
  EXPECT_EQ(test::QueryValue("SELECT s FROM read_parquet('" + path + "') WHERE epoch_us(time) = " +
                             std::to_string(kBase + 65537)),
            "value-65537");
}

// String values past 1 MiB in a chunk spread over several pages; a value larger than a page
// still gets one of its own.
TEST_P(ParquetFileWriterTest, LargeStringsSpanSeveralPages) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  const int s = b.AddColumn("s", ColumnType::kString, false);
  for (int i = 0; i < 40; ++i) {
    if (i % 10 != 5) b.columns[s].AppendString(std::string(i == 7 ? 3000000 : 100000, static_cast<char>('a' + i % 26)));
    b.FinishRow(kBase + i);
  }
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const std::string path = WriteFile(batches, ParquetFileWriter::kRowGroupRows);
  EXPECT_EQ(test::QueryValue("SELECT count(*) || '/' || count(s) || '/' || sum(length(s)) || '/' || "
                             "sum((s = repeat(chr((97 + (epoch_us(time) - " + std::to_string(kBase) +
                             ") % 26)::INTEGER), length(s)))::INT) FROM read_parquet('" + path + "')"),
            "40/36/6500000/36");
}

// The codec is chosen per chunk: columns that shrink take the configured one, random doubles
// are stored uncompressed (compressing them costs CPU for nothing).
TEST_P(ParquetFileWriterTest, IncompressibleChunksAreStoredUncompressed) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  const int tag = b.AddColumn("t", ColumnType::kString, true);
  const int noise = b.AddColumn("noise", ColumnType::kDouble, false);
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b.columns[tag].AppendString("host-" + std::to_string(i % 100));
    b.columns[noise].AppendDouble(static_cast<double>(x) / 3.0);
    b.FinishRow(kBase + i * 1000);
  }
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const std::string path = WriteFile(batches, ParquetFileWriter::kRowGroupRows);
  const std::string configured = GetParam() == ParquetCompression::kNone ? "UNCOMPRESSED"
                                 : GetParam() == ParquetCompression::kSnappy ? "SNAPPY"
                                 : GetParam() == ParquetCompression::kZstd  ? "ZSTD"
                                                                            : "GZIP";
  const std::string meta = "FROM parquet_metadata('" + path + "') WHERE path_in_schema = ";
  EXPECT_EQ(test::QueryValue("SELECT compression " + meta + "'time'"), configured);
  EXPECT_EQ(test::QueryValue("SELECT compression " + meta + "'t'"), configured);
  EXPECT_EQ(test::QueryValue("SELECT compression " + meta + "'noise'"), "UNCOMPRESSED");
  EXPECT_EQ(test::QueryValue("SELECT count(*) || '/' || count(DISTINCT t) || '/' || (sum(noise) > 0) FROM read_parquet('" +
                             path + "')"),
            "20000/100/true");
}

// A dictionary chunk whose values compress but whose bit-packed indices are random (the
// shape of a gauge with a few decimals): the dictionary page decides the codec, and every
// value reads back.
TEST_P(ParquetFileWriterTest, DictionaryChunkWithRandomIndicesReadsBack) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  const int v = b.AddColumn("v", ColumnType::kDouble, false);
  uint64_t x = 88172645463325252ull;
  double sum = 0;
  for (int i = 0; i < 30000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const double d = static_cast<double>(x % 5000);  // whole numbers: the dictionary shrinks
    sum += d;
    b.columns[v].AppendDouble(d);
    b.FinishRow(kBase + i);
  }
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const std::string path = WriteFile(batches, ParquetFileWriter::kRowGroupRows);
  const std::string meta = "FROM parquet_metadata('" + path + "') WHERE path_in_schema = 'v'";
  EXPECT_NE(test::QueryValue("SELECT encodings " + meta).find("RLE_DICTIONARY"), std::string::npos);
  if (GetParam() == ParquetCompression::kSnappy) {
    EXPECT_EQ(test::QueryValue("SELECT compression " + meta), "SNAPPY");
  }
  EXPECT_EQ(test::QueryValue("SELECT count(*) || '/' || sum(v)::BIGINT FROM read_parquet('" + path + "')"),
            "30000/" + std::to_string(static_cast<int64_t>(sum)));
}

// Doubles that repeat take a dictionary and read back bit for bit (-0.0, NaN, infinities,
// denormals, nulls); a chunk with more distinct values than half its values stays PLAIN.
TEST_P(ParquetFileWriterTest, RepeatingDoublesTakeADictionaryAndReadBackExactly) {
  const double specials[] = {-0.0, 0.0, std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(), 42.57};
  Batch b;
  b.database = "db";
  b.measurement = "m";
  const int rep = b.AddColumn("rep", ColumnType::kDouble, false);
  const int half = b.AddColumn("half", ColumnType::kDouble, false);
  const int over = b.AddColumn("over", ColumnType::kDouble, false);
  const int rows = 1000;
  for (int i = 0; i < rows; ++i) {
    if (i % 9 == 4) b.columns[rep].AppendNulls(1);
    else b.columns[rep].AppendDouble(specials[i % 8]);
    b.columns[half].AppendDouble(i % (rows / 2));      // exactly half as many distinct values
    b.columns[over].AppendDouble(i % (rows / 2 + 1));  // one more: no dictionary
    b.FinishRow(kBase + i);
  }
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const std::string path = WriteFile(batches, ParquetFileWriter::kRowGroupRows);
  const std::string meta = "FROM parquet_metadata('" + path + "') WHERE path_in_schema = ";
  EXPECT_NE(test::QueryValue("SELECT encodings " + meta + "'rep'").find("RLE_DICTIONARY"), std::string::npos);
  EXPECT_NE(test::QueryValue("SELECT encodings " + meta + "'half'").find("RLE_DICTIONARY"), std::string::npos);
  EXPECT_EQ(test::QueryValue("SELECT encodings " + meta + "'over'"), "PLAIN, RLE");
  const test::Rows got = test::Query("SELECT rep, half, over FROM read_parquet('" + path + "') ORDER BY time");
  ASSERT_EQ(got.size(), static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    EXPECT_EQ(got[i][1], std::to_string(i % (rows / 2)) + ".0") << i;
    EXPECT_EQ(got[i][2], std::to_string(i % (rows / 2 + 1)) + ".0") << i;
    if (i % 9 == 4) {
      EXPECT_EQ(got[i][0], "NULL") << i;
      continue;
    }
    const double want = specials[i % 8];
    const double v = std::strtod(got[i][0].c_str(), nullptr);
    if (std::isnan(want)) EXPECT_TRUE(std::isnan(v)) << i << ": " << got[i][0];
    else EXPECT_TRUE(v == want && std::signbit(v) == std::signbit(want)) << i << ": " << got[i][0];
  }
  int matching = 0;  // 42.57, -0.0 and 0.0 (equal in SQL), not null
  for (int i = 0; i < rows; ++i) matching += i % 9 != 4 && (i % 8 == 0 || i % 8 == 1 || i % 8 == 7);
  EXPECT_EQ(test::QueryValue("SELECT count(*) FROM read_parquet('" + path + "') WHERE rep = 42.57 OR rep = -0.0"),
            std::to_string(matching))
      << "filters see the dictionary's values";
}

// A writer keeps its buffers and dictionaries from file to file (a flusher thread's writer):
// each file holds only its own values, whatever the previous file left in them.
TEST_P(ParquetFileWriterTest, OneWriterWritesFileAfterFileFromItsKeptBuffers) {
  ParquetFileWriter writer(DefaultFileSystem(), GetParam());
  const int sizes[] = {3000, 40, 1000};
  // Each file numbers the same values in another order (a dictionary each time): a number
  // left from the previous file would point at another value.
  auto value = [&](int f, int i) { return (sizes[f] / 4 - 1 - i % (sizes[f] / 4)) * (f % 2 == 0 ? 1 : 3) + 0.5; };
  for (int f = 0; f < 3; ++f) {
    Batch b;
    b.database = "db";
    b.measurement = "m";
    const int v = b.AddColumn("v", ColumnType::kDouble, false);
    const int s = b.AddColumn("s", ColumnType::kString, true);
    for (int i = 0; i < sizes[f]; ++i) {
      b.columns[v].AppendDouble(value(f, i));
      b.columns[s].AppendString("f" + std::to_string(f) + "-" + std::to_string(i % 7));
      b.FinishRow(kBase + i);
    }
    std::vector<Batch> batches;
    batches.push_back(std::move(b));
    const FlushView view(batches);
    const std::string path = dir_.path() + "/f" + std::to_string(f) + ".parquet";
    ASSERT_TRUE(writer.Write(view, view.hours()[0], path).ok());
    EXPECT_NE(test::QueryValue("SELECT encodings FROM parquet_metadata('" + path +
                               "') WHERE path_in_schema = 'v'")
                  .find("RLE_DICTIONARY"),
              std::string::npos);
    const test::Rows got = test::Query("SELECT v, s FROM read_parquet('" + path + "') ORDER BY time");
    ASSERT_EQ(got.size(), static_cast<size_t>(sizes[f])) << "file " << f;
    for (int i = 0; i < sizes[f]; ++i) {
      ASSERT_EQ(std::strtod(got[i][0].c_str(), nullptr), value(f, i))
          << "file " << f << " row " << i;
      ASSERT_EQ(got[i][1], "f" + std::to_string(f) + "-" + std::to_string(i % 7)) << "file " << f;
    }
  }
}

// Integers are written as deltas (DELTA_BINARY_PACKED): every int64 comes back, across block
// and miniblock edges, with deltas that wrap around and nulls in between.
TEST_P(ParquetFileWriterTest, IntegersOfAnyRangeComeBackExactly) {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (const int rows : {1, 2, 31, 33, 129, 130, 300, 1000}) {
    SCOPED_TRACE(rows);
    Batch b;
    b.database = "db";
    b.measurement = "m";
    const int n = b.AddColumn("n", ColumnType::kInt64, false);
    std::vector<std::string> expected;
    for (int i = 0; i < rows; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      std::optional<int64_t> v;
      switch (i % 6) {
        case 0: v = INT64_MIN; break;                     // then INT64_MAX: wrapping deltas
        case 1: v = INT64_MAX; break;
        case 2: v = static_cast<int64_t>(x); break;       // any 64 bits
        case 3: if (i % 4 != 3) v = -static_cast<int64_t>(i); break;  // nulls in between
        case 4: v = 0; break;
        case 5: v = static_cast<int64_t>(x % 1000); break;
      }
      if (v) b.columns[n].AppendInt(*v);
      b.FinishRow(kBase + i * 1000 + static_cast<int64_t>(x % 7));  // an irregular clock
      expected.push_back(v ? std::to_string(*v) : "NULL");
    }
    b.PadColumns();
    std::vector<Batch> batches;
    batches.push_back(std::move(b));
    const std::string path = WriteFile(batches, 128);  // row groups on a block edge, too
    const test::Rows got = test::Query("SELECT n FROM read_parquet('" + path + "') ORDER BY time");
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i][0], expected[i]) << "row " << i;
    EXPECT_EQ(test::QueryValue("SELECT string_agg(DISTINCT encodings, '|') FROM parquet_metadata('" + path +
                               "') WHERE path_in_schema = 'n'"),
              "DELTA_BINARY_PACKED, RLE");
  }
}

// Regression: bounds that skipped a NaN let DuckDB prune (or fold) `v > 5` and lose the NaN
// row, which DuckDB orders above every number. A chunk with a NaN has no bounds.
TEST_P(ParquetFileWriterTest, NaNRowsSurviveFiltersThatUseStatistics) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  const int v = b.AddColumn("v", ColumnType::kDouble, false);
  b.columns[v].AppendDouble(1.0);
  b.FinishRow(kBase);
  b.columns[v].AppendDouble(NAN);
  b.FinishRow(kBase + 1);
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const std::string path = WriteFile(batches, ParquetFileWriter::kRowGroupRows);
  const std::string from = " FROM read_parquet('" + path + "')";
  EXPECT_EQ(test::QueryValue("SELECT count(*)" + from + " WHERE v > 5"), "1");
  EXPECT_EQ(test::QueryValue("SELECT count(*)" + from + " WHERE v = 'nan'::DOUBLE"), "1");
  EXPECT_EQ(test::QueryValue("SELECT count(*)" + from + " WHERE v >= 'inf'::DOUBLE"), "1");
  EXPECT_EQ(test::QueryValue("SELECT string_agg((v > 5)::VARCHAR, ',' ORDER BY time)" + from), "false,true");
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetFileWriterTest,
                         ::testing::Values(ParquetCompression::kSnappy, ParquetCompression::kZstd,
                                           ParquetCompression::kGzip, ParquetCompression::kNone),
                         [](const auto& info) { return std::string(EnumToString(info.param)); });

}  // namespace
}  // namespace arc
