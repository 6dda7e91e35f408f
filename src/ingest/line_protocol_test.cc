#include "ingest/line_protocol.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cmath>
#include <map>
#include <string>

namespace arc {
namespace {

constexpr int64_t kNow = 1700000000000000;  // µs

struct Parsed {
  Status status;
  BatchSet set{"db"};
};

std::unique_ptr<Parsed> Parse(std::string_view body, Precision p = Precision::kNanoseconds) {
  auto out = std::make_unique<Parsed>();
  out->status = ParseLineProtocol(body, p, kNow, &out->set);
  return out;
}

const Column& Col(const Batch& b, const std::string& name) {
  const int i = b.FindColumn(name);
  EXPECT_GE(i, 0) << "no column " << name;
  return b.columns.at(i < 0 ? 0 : i);
}

TEST(LineProtocolTest, ParsesTagsFieldsAndTimestamp) {
  auto p = Parse("cpu,host=a,region=eu usage=1.5,count=3i,big=7u,ok=true,msg=\"hi\" 1700000000123456789\n");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  ASSERT_EQ(p->set.batches().size(), 1u);
  const Batch& b = p->set.batches()[0];
  EXPECT_EQ(b.measurement, "cpu");
  ASSERT_EQ(b.rows(), 1u);
  EXPECT_EQ(b.time_us[0], 1700000000123456);
  EXPECT_TRUE(Col(b, "host").is_tag());
  EXPECT_EQ(Col(b, "host").StringAt(0), "a");
  EXPECT_EQ(Col(b, "region").StringAt(0), "eu");
  EXPECT_EQ(Col(b, "usage").type(), ColumnType::kDouble);
  EXPECT_DOUBLE_EQ(Col(b, "usage").doubles()[0], 1.5);
  EXPECT_EQ(Col(b, "count").ints()[0], 3);
  EXPECT_EQ(Col(b, "big").ints()[0], 7);
  EXPECT_EQ(Col(b, "ok").bools()[0], 1);
  EXPECT_EQ(Col(b, "msg").StringAt(0), "hi");
  EXPECT_FALSE(Col(b, "msg").is_tag());
}

TEST(LineProtocolTest, EscapesInMeasurementTagsAndFieldKeys) {
  auto p = Parse("my\\ cpu\\,x,ho\\=st=a\\ b\\,c f\\ 1=1i 1\n");
  ASSERT_FALSE(p->status.ok()) << "measurement names are restricted to [A-Za-z0-9_-]";
  p = Parse("cpu,ho\\=st=a\\ b\\,c\\=d f\\ 1\\,x=1i 1\n");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  const Batch& b = p->set.batches()[0];
  EXPECT_EQ(Col(b, "ho=st").StringAt(0), "a b,c=d");
  EXPECT_EQ(Col(b, "f 1,x").ints()[0], 1);
}

TEST(LineProtocolTest, StringFieldEscapesAndSpecialCharacters) {
  auto p = Parse("m s=\"a \\\"quoted\\\" \\\\ back, with = and space\",t=\"x\\ny\" 1\n");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  const Batch& b = p->set.batches()[0];
  EXPECT_EQ(Col(b, "s").StringAt(0), "a \"quoted\" \\ back, with = and space");
  EXPECT_EQ(Col(b, "t").StringAt(0), "x\\ny") << "other backslashes stay literal";
}

TEST(LineProtocolTest, StringFieldMayContainNewline) {
  auto p = Parse("m s=\"line1\nline2\" 1\nm s=\"next\" 2\n");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  const Batch& b = p->set.batches()[0];
  ASSERT_EQ(b.rows(), 2u);
  EXPECT_EQ(Col(b, "s").StringAt(0), "line1\nline2");
}

TEST(LineProtocolTest, EveryBooleanSpelling) {
  for (const char* t : {"t", "T", "true", "True", "TRUE"}) {
    auto p = Parse(std::string("m b=") + t);
    ASSERT_TRUE(p->status.ok()) << t;
    EXPECT_EQ(Col(p->set.batches()[0], "b").bools()[0], 1) << t;
  }
  for (const char* f : {"f", "F", "false", "False", "FALSE"}) {
    auto p = Parse(std::string("m b=") + f);
    ASSERT_TRUE(p->status.ok()) << f;
    EXPECT_EQ(Col(p->set.batches()[0], "b").bools()[0], 0) << f;
  }
}

TEST(LineProtocolTest, NumberForms) {
  auto p = Parse("m a=1,b=-2.5,c=1e3,d=.5,e=+3,f=-9223372036854775808i,g=9223372036854775807u 1");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  const Batch& b = p->set.batches()[0];
  EXPECT_DOUBLE_EQ(Col(b, "a").doubles()[0], 1.0);
  EXPECT_DOUBLE_EQ(Col(b, "b").doubles()[0], -2.5);
  EXPECT_DOUBLE_EQ(Col(b, "c").doubles()[0], 1000.0);
  EXPECT_DOUBLE_EQ(Col(b, "d").doubles()[0], 0.5);
  EXPECT_DOUBLE_EQ(Col(b, "e").doubles()[0], 3.0);
  EXPECT_EQ(Col(b, "f").ints()[0], INT64_MIN);
  EXPECT_EQ(Col(b, "g").ints()[0], INT64_MAX);
}

TEST(LineProtocolTest, PrecisionUnits) {
  struct Case { Precision p; int64_t raw; int64_t us; };
  const Case cases[] = {
      {Precision::kNanoseconds, 1700000000123456789, 1700000000123456},
      {Precision::kMicroseconds, 1700000000123456, 1700000000123456},
      {Precision::kMilliseconds, 1700000000123, 1700000000123000},
      {Precision::kSeconds, 1700000000, 1700000000000000},
      {Precision::kMinutes, 28333333, 28333333LL * 60000000},
      {Precision::kHours, 472222, 472222LL * 3600000000},
      {Precision::kNanoseconds, -1500, -2},  // floor, not truncation
  };
  for (const Case& c : cases) {
    auto p = Parse("m v=1 " + std::to_string(c.raw), c.p);
    ASSERT_TRUE(p->status.ok()) << p->status.ToString();
    EXPECT_EQ(p->set.batches()[0].time_us[0], c.us) << c.raw;
  }
}

TEST(LineProtocolTest, PrecisionNamesOfInfluxV1AndV2) {
  const std::map<std::string, Precision> names = {
      {"", Precision::kNanoseconds}, {"ns", Precision::kNanoseconds}, {"n", Precision::kNanoseconds},
      {"us", Precision::kMicroseconds}, {"u", Precision::kMicroseconds},
      {"ms", Precision::kMilliseconds}, {"s", Precision::kSeconds}, {"m", Precision::kMinutes},
      {"h", Precision::kHours}};
  for (const auto& [name, want] : names) {
    Result<Precision> got = ParsePrecision(name);
    ASSERT_TRUE(got.ok()) << name;
    EXPECT_EQ(*got, want) << name;
  }
  EXPECT_FALSE(ParsePrecision("xs").ok());
}

TEST(LineProtocolTest, MissingTimestampUsesServerTime) {
  auto p = Parse("m v=1\nm v=2   \n");
  ASSERT_TRUE(p->status.ok());
  EXPECT_EQ(p->set.batches()[0].time_us, (std::vector<int64_t>{kNow, kNow}));
}

TEST(LineProtocolTest, CommentsBlankLinesAndCrLf) {
  auto p = Parse("# header\n\n   \nm v=1 1\r\n# mid\r\nm v=2 2\r\n\n");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  EXPECT_EQ(p->set.batches()[0].rows(), 2u);
}

TEST(LineProtocolTest, SparseFieldsBecomeNulls) {
  auto p = Parse("m a=1 1\nm b=2 2\nm,h=x a=3 3\n");
  ASSERT_TRUE(p->status.ok());
  const Batch& b = p->set.batches()[0];
  ASSERT_EQ(b.rows(), 3u);
  EXPECT_TRUE(Col(b, "a").IsValid(0));
  EXPECT_FALSE(Col(b, "a").IsValid(1));
  EXPECT_FALSE(Col(b, "b").IsValid(0));
  EXPECT_TRUE(Col(b, "b").IsValid(1));
  EXPECT_FALSE(Col(b, "h").IsValid(0));
  EXPECT_EQ(Col(b, "h").StringAt(2), "x");
}

TEST(LineProtocolTest, SeveralMeasurementsInOneBody) {
  auto p = Parse("cpu v=1 1\nmem v=2i 2\ncpu v=3 3\n");
  ASSERT_TRUE(p->status.ok());
  ASSERT_EQ(p->set.batches().size(), 2u);
  EXPECT_EQ(p->set.batches()[0].rows(), 2u);
  EXPECT_EQ(p->set.batches()[1].rows(), 1u);
  EXPECT_EQ(p->set.TotalRows(), 3u);
}

TEST(LineProtocolTest, FieldNamedLikeATagBecomesNameValue) {
  auto p = Parse("m,host=a host=1.5 1");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  const Batch& b = p->set.batches()[0];
  EXPECT_EQ(Col(b, "host").StringAt(0), "a");
  EXPECT_DOUBLE_EQ(Col(b, "host_value").doubles()[0], 1.5);
}

TEST(LineProtocolTest, RepeatedFieldKeyLastWins) {
  auto p = Parse("m v=1,v=2 1");
  ASSERT_TRUE(p->status.ok());
  EXPECT_DOUBLE_EQ(Col(p->set.batches()[0], "v").doubles()[0], 2.0);
  EXPECT_EQ(Col(p->set.batches()[0], "v").size(), 1u);
}

struct BadCase {
  std::string body;
  const char* expect;  // substring of the error
};

TEST(LineProtocolTest, BadLinesNameLineAndReason) {
  const BadCase cases[] = {
      {"m", "missing fields"},
      {"m ", "missing fields"},
      {"m,t=a", "missing fields"},
      {"m,t= v=1", "empty value"},
      {"m,=a v=1", "empty tag key"},
      {"m,t v=1", "has no value"},
      {"m v", "has no value"},
      {"m =1", "empty field key"},
      {"m v=", "missing value"},
      {"m v=abc", "invalid field value"},
      {"m v=1.2.3", "invalid number"},
      {"m v=1x", "invalid"},
      {"m v=12ai", "invalid integer"},
      {"m v=99999999999999999999i", "integer out of range"},
      {"m v=9223372036854775808u", "above INT64_MAX"},
      {"m v=-1u", "invalid unsigned"},
      {"m v=NaN", "invalid field value"},
      {"m v=inf", "invalid field value"},
      {"m v=\"open", "unterminated string"},
      {"m v=1 abc", "invalid timestamp"},
      {"m v=1 1 2", "unexpected text after timestamp"},
      {"m v=1 99999999999999999999", "timestamp out of range"},
      {",t=a v=1", "missing measurement"},
      {"9cpu v=1", "must start with a letter"},
      {"cpu.load v=1", "only letters, digits"},
      {"m time=1", "reserved"},
      {"m,time=a v=1", "reserved"},
      // Regressions (issue 10): each was accepted with 204 and then failed every flush.
      {"m,Time=a v=1", "reserved for the timestamp"},
      {"m TIME=1", "reserved for the timestamp"},
      {"m,ho\x01st=a v=1", "control character"},
      {std::string("m,h\0st=a v=1", 12), "control character"},
      {"m,h=a\xff v=1", "not valid UTF-8"},
      {std::string("m,h=a\0b v=1", 12), "contains NUL"},
      {"m v=\"\xc3\x28\"", "not valid UTF-8"},
      {"m \xed\xa0\x80=1", "not valid UTF-8"},
      {"m v=1 -9223372036854775808", "outside the supported range"},
      {"m v=1i 1\nm v=1.5 2", "field type conflict"},
      {"m,Host=a v=1 1\nm,host=b v=1 2", "differs only in case"},
      {"m v=1 1\nm,v=x w=1 2", "a field in an earlier line"},
  };
  for (const BadCase& c : cases) {
    auto p = Parse(std::string("ok v=1 1\n") + c.body);
    ASSERT_FALSE(p->status.ok()) << c.body;
    EXPECT_EQ(p->status.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p->status.message().find(c.expect), std::string::npos)
        << c.body << " -> " << p->status.message();
    const std::string body(c.body);
    const std::string line = "line " + std::to_string(2 + std::count(body.begin(), body.end(), '\n'));
    EXPECT_NE(p->status.message().find(line + ":"), std::string::npos)
        << c.body << " -> " << p->status.message();
  }
}

// Regression (issue 10): year 10000 made a five-digit year folder.
TEST(LineProtocolTest, TimestampsOutsideTheInfluxDbRangeAreRejected) {
  auto ok = Parse("m v=1 9223372036854", Precision::kMilliseconds);
  EXPECT_TRUE(ok->status.ok()) << ok->status.ToString();
  for (const char* body : {"m v=1 253402300800", "m v=1 -9223372037"}) {
    auto p = Parse(body, Precision::kSeconds);
    ASSERT_FALSE(p->status.ok()) << body;
    EXPECT_NE(p->status.message().find("outside the supported range"), std::string::npos)
        << p->status.message();
  }
}

TEST(LineProtocolTest, TimestampOverflowInCoarsePrecision) {
  auto p = Parse("m v=1 9223372036854775", Precision::kSeconds);
  EXPECT_FALSE(p->status.ok());
}

// ---- property: encoding records as line protocol and parsing them gives them back ----

struct Record {
  std::string tag_value;
  double f = 0;
  int64_t i = 0;
  bool b = false;
  std::string s;
  int64_t t_ns = 0;
};

std::string EscapeTag(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == ',' || c == ' ' || c == '=' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string EscapeString(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string Encode(const Record& r) {
  char f[64];
  std::snprintf(f, sizeof(f), "%.17g", r.f);
  return "m,tag=" + EscapeTag(r.tag_value) + " f=" + f + ",i=" + std::to_string(r.i) + "i,b=" +
         (r.b ? "true" : "false") + ",s=\"" + EscapeString(r.s) + "\" " + std::to_string(r.t_ns);
}

// The short-decimal fast path gives exactly what from_chars gives, bit for bit, for every
// shape around its limits (15 significant digits, 22 fraction digits, leading zeros, "-0",
// "5.", ".5"); anything it leaves alone still parses or fails as before.
TEST(LineProtocolPropertyTest, DecimalsParseExactlyAsFromChars) {
  const bool ok = rc::check("decimal fast path", [] {
    std::string num = *rc::gen::element<std::string>("", "-", "+");
    const auto int_digits = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 20), rc::gen::inRange('0', ':'));
    const auto frac_digits = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(0, 26), rc::gen::inRange('0', ':'));
    const bool point = *rc::gen::arbitrary<bool>();
    num += int_digits;
    if (point) num += "." + frac_digits;
    std::string_view body_num = num;
    auto p = Parse("m f=" + num + " 1");
    std::string_view plain = body_num;
    if (!plain.empty() && plain[0] == '+') plain.remove_prefix(1);
    double want = 0;
    const auto r = std::from_chars(plain.data(), plain.data() + plain.size(), want);
    const bool valid = !plain.empty() && r.ec == std::errc() && r.ptr == plain.data() + plain.size() &&
                       std::isfinite(want) && plain != "-" && plain[0] != '+';
    RC_ASSERT(p->status.ok() == valid);
    if (!valid) return;
    const double got = p->set.batches()[0].columns[0].doubles()[0];
    RC_ASSERT(std::memcmp(&got, &want, sizeof(double)) == 0);
  });
  EXPECT_TRUE(ok);
  auto p = Parse("m a=123456789012345.6,b=0.1234567890123456789012,c=-0,d=5.,e=0.30000000000000004 1");
  ASSERT_TRUE(p->status.ok()) << p->status.ToString();
  const Batch& b = p->set.batches()[0];
  EXPECT_EQ(Col(b, "a").doubles()[0], 123456789012345.6);
  EXPECT_EQ(Col(b, "b").doubles()[0], 0.1234567890123456789012);
  EXPECT_TRUE(std::signbit(Col(b, "c").doubles()[0]));
  EXPECT_EQ(Col(b, "d").doubles()[0], 5.0);
  EXPECT_EQ(Col(b, "e").doubles()[0], 0.30000000000000004);
}

TEST(LineProtocolPropertyTest, EncodeThenParseRoundTrips) {
  const bool ok = rc::check("line protocol round trip", [] {
    const auto n = *rc::gen::inRange<size_t>(1, 20);
    std::vector<Record> records;
    std::string body;
    for (size_t k = 0; k < n; ++k) {
      Record r;
      r.tag_value = *rc::gen::nonEmpty(rc::gen::container<std::string>(
          rc::gen::oneOf(rc::gen::inRange<char>('a', 'z'), rc::gen::element(',', ' ', '=', '\\', '"'))));
      if (r.tag_value.back() == '\\') r.tag_value.back() = 'x';  // a trailing backslash escapes the separator
      r.f = *rc::gen::suchThat(rc::gen::arbitrary<double>(), [](double d) { return std::isfinite(d); });
      r.i = *rc::gen::arbitrary<int64_t>();
      r.b = *rc::gen::arbitrary<bool>();
      r.s = *rc::gen::container<std::string>(rc::gen::oneOf(
          rc::gen::inRange<char>(' ', '~'), rc::gen::element('\n', '\t')));
      r.t_ns = *rc::gen::inRange<int64_t>(-4000000000000000000, 4000000000000000000);
      body += Encode(r) + "\n";
      records.push_back(r);
    }
    BatchSet set("db");
    const Status st = ParseLineProtocol(body, Precision::kNanoseconds, kNow, &set);
    RC_ASSERT(st.ok());
    RC_ASSERT(set.batches().size() == 1u);
    const Batch& b = set.batches()[0];
    RC_ASSERT(b.rows() == n);
    for (size_t k = 0; k < n; ++k) {
      const Record& r = records[k];
      RC_ASSERT(b.columns[b.FindColumn("tag")].StringAt(k) == r.tag_value);
      RC_ASSERT(b.columns[b.FindColumn("f")].doubles()[k] == r.f);
      RC_ASSERT(b.columns[b.FindColumn("i")].ints()[k] == r.i);
      RC_ASSERT((b.columns[b.FindColumn("b")].bools()[k] != 0) == r.b);
      RC_ASSERT(b.columns[b.FindColumn("s")].StringAt(k) == r.s);
      const int64_t floor_us = r.t_ns / 1000 - ((r.t_ns % 1000 < 0) ? 1 : 0);
      RC_ASSERT(b.time_us[k] == floor_us);
    }
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace arc
