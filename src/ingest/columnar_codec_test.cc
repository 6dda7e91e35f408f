#include "ingest/columnar_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "ingest/batch_codec.h"
#include "ingest/line_protocol.h"
#include "ingest/time_units.h"

namespace arc {
namespace {

BatchSet Parse(const std::string& lines) {
  BatchSet set("db");
  EXPECT_TRUE(ParseLineProtocol(lines, Precision::kMicroseconds, 0, &set).ok()) << lines;
  return set;
}

// Every value, null and flag of `a` equals `b`'s (doubles bit for bit).
void ExpectSameSets(const BatchSet& a, const BatchSet& b) {
  ASSERT_EQ(a.database(), b.database());
  ASSERT_EQ(a.batches().size(), b.batches().size());
  for (size_t i = 0; i < a.batches().size(); ++i) {
    const Batch& x = a.batches()[i];
    const Batch& y = b.batches()[i];
    EXPECT_EQ(x.measurement, y.measurement);
    EXPECT_EQ(y.database, b.database());
    EXPECT_EQ(x.time_us, y.time_us);
    ASSERT_EQ(x.columns.size(), y.columns.size());
    for (size_t c = 0; c < x.columns.size(); ++c) {
      const Column& p = x.columns[c];
      const Column& q = y.columns[c];
      EXPECT_EQ(p.name(), q.name());
      EXPECT_EQ(p.type(), q.type()) << p.name();
      EXPECT_EQ(p.is_tag(), q.is_tag()) << p.name();
      ASSERT_EQ(p.size(), q.size()) << p.name();
      for (size_t r = 0; r < p.size(); ++r) {
        ASSERT_EQ(p.IsValid(r), q.IsValid(r)) << p.name() << " row " << r;
        if (!p.IsValid(r)) continue;
        switch (p.type()) {
          case ColumnType::kInt64: EXPECT_EQ(p.ints()[r], q.ints()[r]); break;
          case ColumnType::kDouble:
            EXPECT_EQ(0, std::memcmp(&p.doubles()[r], &q.doubles()[r], 8)) << p.name() << " row " << r;
            break;
          case ColumnType::kBool: EXPECT_EQ(p.bools()[r], q.bools()[r]); break;
          case ColumnType::kString: EXPECT_EQ(p.StringAt(r), q.StringAt(r)); break;
        }
      }
    }
  }
}

const char* kEveryType =
    "cpu,host=a,dc=x f=1.5,i=-9223372036854775807i,s=\"x\",b=t,e=\"\" 3600000000\n"
    "cpu,host=b f=-0.0,s=\"h\xC3\xA9llo\",b=f 7200000001\n"
    "cpu,host=c i=7i 7200000002\n"
    "mem used=10i -1000\n";

TEST(ColumnarCodecTest, RoundTripsEveryTypeNullTagAndBatch) {
  const BatchSet set = Parse(kEveryType);
  const std::string payload = EncodeColumnar(set);
  ASSERT_TRUE(IsColumnarPayload(payload));
  std::unique_ptr<BatchSet> back;
  ASSERT_TRUE(DecodeColumnar(payload, &back).ok());
  ExpectSameSets(set, *back);
  // The batch codec writes this encoding and reads it back by its first byte.
  EXPECT_EQ(EncodeBatchSet(set), payload);
  std::unique_ptr<BatchSet> via_codec;
  ASSERT_TRUE(DecodeBatchSet(payload, &via_codec).ok());
  ExpectSameSets(set, *via_codec);
}

// Regression: the query path ships a measurement's buffered batches (one per request, same
// schema) as one set; the first build of this codec refused a second batch of a measurement,
// and every query over buffered rows from two requests answered 400.
TEST(ColumnarCodecTest, SeveralBatchesOfOneMeasurementStayApart) {
  BatchSet first = Parse("cpu,host=a v=1 1\n");
  BatchSet second = Parse("cpu,host=b v=2 2\ncpu,host=c v=3 3\n");
  BatchSet both("db");
  both.batches().push_back(std::move(first.batches()[0]));
  both.batches().push_back(std::move(second.batches()[0]));
  std::unique_ptr<BatchSet> back;
  const Status st = DecodeBatchSet(EncodeBatchSet(both), &back);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectSameSets(both, *back);
  EXPECT_EQ(DescribePayload(EncodeBatchSet(both)).rows, 3u);
}

// Regression: the first build of this codec asserted that every column held its batch's rows;
// the flusher's quarantine test hands it a batch built by hand with a column one value longer.
TEST(ColumnarCodecTest, ColumnsLongerOrShorterThanTheirBatchAreCutOrPadded) {
  BatchSet set = Parse("m a=1i,b=2i 5\nm a=3i,b=4i 6\n");
  Batch& b = set.batches()[0];
  b.columns[b.FindColumn("a")].AppendInt(99);  // 3 values for 2 rows
  b.columns[b.FindColumn("b")].PopBack();      // 1 value for 2 rows
  std::unique_ptr<BatchSet> back;
  ASSERT_TRUE(DecodeColumnar(EncodeColumnar(set), &back).ok());
  const Batch& got = back->batches()[0];
  const Column& a = got.columns[got.FindColumn("a")];
  const Column& bb = got.columns[got.FindColumn("b")];
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.ints()[1], 3);
  ASSERT_EQ(bb.size(), 2u);
  EXPECT_EQ(bb.ints()[0], 2);
  EXPECT_FALSE(bb.IsValid(1));
}

// The WAL encodes a request into its own staging memory: the encoder must write exactly the
// bytes EncodeColumnar returns, and exactly size() of them, also for a set it has to align.
TEST(ColumnarCodecTest, EncoderWritesExactlyTheBytesOfEncodeColumnar) {
  BatchSet aligned = Parse(kEveryType);
  BatchSet ragged = Parse("m a=1i,b=2i 5\nm a=3i,b=4i 6\n");
  Batch& b = ragged.batches()[0];
  b.columns[b.FindColumn("a")].AppendInt(99);
  b.columns[b.FindColumn("b")].PopBack();
  for (const BatchSet* set : {&aligned, &ragged}) {
    const std::string expect = EncodeColumnar(*set);
    const ColumnarEncoder encoder(*set);
    ASSERT_EQ(encoder.size(), expect.size());
    std::string out(encoder.size() + 16, '\x5A');  // a guard after the end
    encoder.EncodeTo(out.data());
    EXPECT_EQ(out.substr(0, expect.size()), expect);
    EXPECT_EQ(out.substr(expect.size()), std::string(16, '\x5A')) << "wrote past size()";
  }
}

// Regression (found by msgpack_fuzz): an older MessagePack payload with a database name the
// write path refuses decoded, and its columnar re-encoding did not; both refuse it now.
TEST(ColumnarCodecTest, BothEncodingsRefuseAnInvalidDatabaseName) {
  BatchSet ok = Parse("m v=1 1\n");
  BatchSet bad("my;b");
  bad.batches() = ok.batches();
  for (Batch& b : bad.batches()) b.database = "my;b";
  std::unique_ptr<BatchSet> out;
  EXPECT_EQ(DecodeBatchSet(EncodeBatchSetAsMessagePack(bad), &out).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBatchSet(EncodeBatchSet(bad), &out).code(), StatusCode::kCorruption);
  EXPECT_TRUE(DecodeBatchSet(EncodeBatchSetAsMessagePack(ok), &out).ok());
}

// The layout of docs/wal-format.md, byte for byte, for one row of `m,t=a v=2i 5`.
TEST(ColumnarCodecTest, WritesTheDocumentedLayout) {
  BatchSet set = Parse("m,t=a v=2i 5\n");
  std::string want("\xC1\x01", 2);
  auto u32 = [&](uint32_t v) { want.append(reinterpret_cast<const char*>(&v), 4); };
  auto str = [&](const std::string& s) { u32(static_cast<uint32_t>(s.size())); want += s; };
  str("db");
  u32(1);                                        // batches
  str("m");
  u32(1);                                        // rows
  u32(2);                                        // columns
  want.append("\x05\0\0\0\0\0\0\0", 8);          // time 5 µs
  str("t");
  want.append("\x03\x01", 2);                    // string, tag, no validity
  u32(1);                                        // ends
  want += "a";
  str("v");
  want.append("\x01\x00", 2);                    // int64, field
  want.append("\x02\0\0\0\0\0\0\0", 8);
  EXPECT_EQ(EncodeColumnar(set), want);
}

// A WAL or quarantine written by an older build holds MessagePack payloads: they decode to the
// same rows as this build's encoding of them.
TEST(ColumnarCodecTest, OlderMessagePackPayloadsStillDecode) {
  const BatchSet set = Parse(kEveryType);
  const std::string old = EncodeBatchSetAsMessagePack(set);
  ASSERT_FALSE(IsColumnarPayload(old));
  std::unique_ptr<BatchSet> from_old, from_new;
  ASSERT_TRUE(DecodeBatchSet(old, &from_old).ok());
  ASSERT_TRUE(DecodeBatchSet(EncodeBatchSet(set), &from_new).ok());
  ExpectSameSets(*from_old, *from_new);
  const PayloadSummary a = DescribePayload(old);
  const PayloadSummary b = DescribePayload(EncodeBatchSet(set));
  EXPECT_TRUE(a.readable && b.readable);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.measurements, b.measurements);
  EXPECT_EQ(a.database, b.database);
}

TEST(ColumnarCodecTest, ScansHourRunsAsTheDecoderSeesThem) {
  const BatchSet set = Parse(kEveryType);
  std::map<std::pair<std::string, int64_t>, size_t> runs;
  int calls = 0;
  ASSERT_TRUE(ScanColumnarHours(EncodeColumnar(set), [&](std::string_view db, std::string_view m, int64_t hour,
                                                          size_t rows) {
                EXPECT_EQ(db, "db");
                runs[{std::string(m), hour}] += rows;
                ++calls;
              }).ok());
  EXPECT_EQ(calls, 3) << "cpu hour 1, cpu hour 2, mem hour -1";
  EXPECT_EQ((runs[{"cpu", HourOf(3600000000)}]), 1u);
  EXPECT_EQ((runs[{"cpu", HourOf(7200000001)}]), 2u);
  EXPECT_EQ((runs[{"mem", HourOf(-1000)}]), 1u);
}

// A damaged or hand-made payload is refused with Corruption, never a crash or a huge allocation:
// every cut, and every value of every single byte.
TEST(ColumnarCodecTest, EveryCutAndEveryByteValueIsRefusedOrWellFormed) {
  const std::string whole = EncodeColumnar(Parse(kEveryType));
  std::unique_ptr<BatchSet> out;
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    EXPECT_EQ(DecodeColumnar(whole.substr(0, cut), &out).code(), StatusCode::kCorruption) << cut;
    EXPECT_EQ(ScanColumnarHours(whole.substr(0, cut), [](auto, auto, auto, auto) {}).code(),
              StatusCode::kCorruption)
        << cut;
  }
  EXPECT_EQ(DecodeColumnar(whole + "x", &out).code(), StatusCode::kCorruption) << "trailing bytes";
  int decoded = 0;
  for (size_t pos = 0; pos < whole.size(); ++pos) {
    for (int v = 0; v < 256; v += 7) {
      std::string bad = whole;
      bad[pos] = static_cast<char>(v);
      const Status st = DecodeColumnar(bad, &out);
      if (st.ok()) {
        ++decoded;  // a changed value: still one well-formed set of the same shape
        EXPECT_EQ(out->batches().size(), 2u);
      } else {
        EXPECT_EQ(st.code(), StatusCode::kCorruption) << pos << " " << v << " " << st.ToString();
      }
    }
  }
  EXPECT_GT(decoded, 0) << "value bytes may change freely";
}

// Hand-made payloads, one field wrong each: the error names the field.
TEST(ColumnarCodecTest, HostileFieldsAreNamed) {
  auto payload = [](uint32_t rows, uint8_t type, uint8_t flags, const std::string& values,
                    const std::string& name = "v", int64_t time = 5) {
    std::string p("\xC1\x01", 2);
    auto u32 = [&](uint32_t v) { p.append(reinterpret_cast<const char*>(&v), 4); };
    u32(2);
    p += "db";
    u32(1);
    u32(1);
    p += "m";
    u32(rows);
    u32(1);
    for (uint32_t i = 0; i < rows && i < 4; ++i) p.append(reinterpret_cast<const char*>(&time), 8);
    u32(static_cast<uint32_t>(name.size()));
    p += name;
    p += static_cast<char>(type);
    p += static_cast<char>(flags);
    p += values;
    return p;
  };
  const std::string one_int("\x02\0\0\0\0\0\0\0", 8);
  std::unique_ptr<BatchSet> out;
  ASSERT_TRUE(DecodeColumnar(payload(1, 1, 0, one_int), &out).ok()) << "the template itself is valid";
  const std::pair<std::string, std::string> cases[] = {
      {payload(0xFFFFFFFF, 1, 0, one_int), "time column runs past the end"},
      {payload(1, 9, 0, one_int), "unknown column type 9"},
      {payload(1, 1, 4, one_int), "unknown column flags 4"},
      {payload(1, 4, 0, "\x02"), "boolean value other than 0 or 1"},
      {payload(1, 1, 2, std::string("\x05", 1) + one_int), "validity byte other than 0 or 1"},
      {payload(1, 1, 2, std::string("\x00", 1) + one_int), "holds only nulls"},
      {payload(2, 3, 0, std::string("\x02\0\0\0\x01\0\0\0", 8) + "ab"), "string ends decrease"},
      {payload(1, 3, 0, std::string("\xFF\xFF\xFF\x7F", 4) + "a"), "column string bytes runs past the end"},
      {payload(1, 3, 0, std::string("\x01\0\0\0", 4) + "\xFF"), "UTF-8"},
      {payload(1, 1, 0, one_int, "time"), "column \"time\""},
      {payload(1, 1, 0, one_int, ""), "column \"\""},
      {payload(1, 1, 0, one_int, "v", INT64_MIN), "time"},
  };
  for (const auto& [bytes, want] : cases) {
    const Status st = DecodeColumnar(bytes, &out);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << want;
    EXPECT_NE(st.message().find(want), std::string::npos) << st.ToString() << " / want " << want;
  }
  std::string version = payload(1, 1, 0, one_int);
  version[1] = 2;
  EXPECT_NE(DecodeColumnar(version, &out).message().find("unknown version 2"), std::string::npos);
}

}  // namespace
}  // namespace arc
