#include "ingest/msgpack_decoder.h"
#include "ingest/validate.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <map>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace arc {
namespace {

constexpr int64_t kNow = 1700000000000000;

using Packer = msgpack::packer<msgpack::sbuffer>;

std::string Bytes(const msgpack::sbuffer& b) { return std::string(b.data(), b.size()); }

template <typename T>
std::string Pack(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return Bytes(buf);
}

struct Decoded {
  Status status;
  BatchSet set{"db"};
};

std::unique_ptr<Decoded> Decode(const std::string& body) {
  auto d = std::make_unique<Decoded>();
  d->status = DecodeMsgpack(body, kNow, &d->set);
  return d;
}

const Column& Col(const Batch& b, const std::string& name) {
  const int i = b.FindColumn(name);
  EXPECT_GE(i, 0) << "no column " << name;
  return b.columns.at(i < 0 ? 0 : i);
}

// {"m": "cpu", "columns": {...}, "tags": [...]} written by hand with a packer.
std::string Columnar(const std::string& m, int64_t base_ms, int n, bool with_tags = true) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(with_tags ? 3 : 2);
  pk.pack("m");
  pk.pack(m);
  pk.pack("columns");
  pk.pack_map(4);
  pk.pack("time");
  pk.pack_array(n);
  for (int i = 0; i < n; ++i) pk.pack(base_ms + i);
  pk.pack("host");
  pk.pack_array(n);
  for (int i = 0; i < n; ++i) pk.pack("h" + std::to_string(i % 3));
  pk.pack("usage");
  pk.pack_array(n);
  for (int i = 0; i < n; ++i) pk.pack(i * 0.5);
  pk.pack("count");
  pk.pack_array(n);
  for (int i = 0; i < n; ++i) pk.pack(static_cast<int64_t>(i));
  if (with_tags) {
    pk.pack("tags");
    pk.pack(std::vector<std::string>{"host"});
  }
  return Bytes(buf);
}

TEST(MsgpackDecoderTest, Columnar) {
  auto d = Decode(Columnar("cpu", 1700000000000, 5));
  ASSERT_TRUE(d->status.ok()) << d->status.ToString();
  const Batch& b = d->set.batches()[0];
  ASSERT_EQ(b.rows(), 5u);
  EXPECT_EQ(b.time_us[0], 1700000000000000);  // milliseconds detected by magnitude
  EXPECT_EQ(b.time_us[4], 1700000000004000);
  EXPECT_TRUE(Col(b, "host").is_tag());
  EXPECT_EQ(Col(b, "host").StringAt(4), "h1");
  EXPECT_EQ(Col(b, "usage").type(), ColumnType::kDouble);
  EXPECT_DOUBLE_EQ(Col(b, "usage").doubles()[3], 1.5);
  EXPECT_EQ(Col(b, "count").ints()[4], 4);
  EXPECT_FALSE(Col(b, "count").is_tag());
}

TEST(MsgpackDecoderTest, ColumnarWithoutTagsListHasNoTags) {
  auto d = Decode(Columnar("cpu", 1700000000000, 2, false));
  ASSERT_TRUE(d->status.ok());
  EXPECT_TRUE(d->set.batches()[0].TagNames().empty());
}

TEST(MsgpackDecoderTest, RowFormat) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(4);
  pk.pack("m"); pk.pack("cpu");
  pk.pack("t"); pk.pack(int64_t{1633024800000000});
  pk.pack("tags"); pk.pack_map(1); pk.pack("host"); pk.pack("a");
  pk.pack("fields"); pk.pack_map(3);
  pk.pack("usage"); pk.pack(45.2);
  pk.pack("n"); pk.pack(7);
  pk.pack("on"); pk.pack(true);
  auto d = Decode(Bytes(buf));
  ASSERT_TRUE(d->status.ok()) << d->status.ToString();
  const Batch& b = d->set.batches()[0];
  EXPECT_EQ(b.time_us[0], 1633024800000000);  // microseconds
  EXPECT_EQ(Col(b, "host").StringAt(0), "a");
  EXPECT_DOUBLE_EQ(Col(b, "usage").doubles()[0], 45.2);
  EXPECT_EQ(Col(b, "n").ints()[0], 7);
  EXPECT_EQ(Col(b, "on").bools()[0], 1);
}

std::string Row(const std::string& m, int64_t t, const std::string& field, double v) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3);
  pk.pack("m"); pk.pack(m);
  pk.pack("t"); pk.pack(t);
  pk.pack("fields"); pk.pack_map(1); pk.pack(field); pk.pack(v);
  return Bytes(buf);
}

// "disk" ends with its columns (decoded without a skip first): the next item starts right
// after it.
TEST(MsgpackDecoderTest, BatchAndArrayShapes) {
  const std::string items[] = {Row("cpu", 1700000000, "v", 1), Columnar("mem", 1700000000000, 3),
                               Columnar("disk", 1700000000000, 2, false), Row("cpu", 1700000001, "v", 2)};
  msgpack::sbuffer batch;
  Packer pk(batch);
  pk.pack_map(1);
  pk.pack("batch");
  pk.pack_array(4);
  std::string body = Bytes(batch);
  for (const auto& i : items) body += i;
  auto d = Decode(body);
  ASSERT_TRUE(d->status.ok()) << d->status.ToString();
  ASSERT_EQ(d->set.batches().size(), 3u);
  EXPECT_EQ(d->set.TotalRows(), 7u);
  EXPECT_EQ(d->set.batches()[0].time_us[1], 1700000001000000);  // seconds

  msgpack::sbuffer arr;
  Packer pa(arr);
  pa.pack_array(4);
  std::string body2 = Bytes(arr);
  for (const auto& i : items) body2 += i;
  auto d2 = Decode(body2);
  ASSERT_TRUE(d2->status.ok()) << d2->status.ToString();
  EXPECT_EQ(d2->set.TotalRows(), 7u);
}

TEST(MsgpackDecoderTest, TimeUnitsByMagnitudeAndMissingTime) {
  const std::pair<int64_t, int64_t> cases[] = {
      {1700000000, 1700000000000000},            // s
      {1700000000123, 1700000000123000},         // ms
      {1700000000123456, 1700000000123456},      // us
      {1700000000123456789, 1700000000123456},   // ns
  };
  for (auto [raw, us] : cases) {
    auto d = Decode(Row("m", raw, "v", 1));
    ASSERT_TRUE(d->status.ok());
    EXPECT_EQ(d->set.batches()[0].time_us[0], us) << raw;
  }
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(2);
  pk.pack("m"); pk.pack("m");
  pk.pack("fields"); pk.pack_map(1); pk.pack("v"); pk.pack(1);
  auto d = Decode(Bytes(buf));
  ASSERT_TRUE(d->status.ok());
  EXPECT_EQ(d->set.batches()[0].time_us[0], kNow);
}

TEST(MsgpackDecoderTest, NullsAndIntegerToFloatWidening) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(2);
  pk.pack("m"); pk.pack("m");
  pk.pack("columns"); pk.pack_map(3);
  pk.pack("time"); pk.pack_array(4); for (int i = 0; i < 4; ++i) pk.pack(1700000000 + i);
  pk.pack("a"); pk.pack_array(4); pk.pack_nil(); pk.pack(2); pk.pack(1.5); pk.pack_nil();
  pk.pack("s"); pk.pack_array(4); pk.pack("x"); pk.pack_nil(); pk.pack_nil(); pk.pack("y");
  auto d = Decode(Bytes(buf));
  ASSERT_TRUE(d->status.ok()) << d->status.ToString();
  const Column& a = Col(d->set.batches()[0], "a");
  EXPECT_EQ(a.type(), ColumnType::kDouble) << "[2, 1.5] from a JavaScript client";
  EXPECT_FALSE(a.IsValid(0));
  EXPECT_DOUBLE_EQ(a.doubles()[1], 2.0);
  EXPECT_DOUBLE_EQ(a.doubles()[2], 1.5);
  EXPECT_FALSE(a.IsValid(3));
  const Column& s = Col(d->set.batches()[0], "s");
  EXPECT_EQ(s.StringAt(3), "y");
  EXPECT_FALSE(s.IsValid(1));
}

// Bulk runs (the decoder's fast path) across its 256-value chunks, broken by nils, integers
// in a float column, floats in an integer column and an invalid tag value: every value lands
// in its row and errors name the right row.
TEST(MsgpackDecoderTest, LongColumnsWithBrokenRunsKeepEveryRow) {
  const int n = 700;
  auto doc = [&](int bad_tag_row, int big_int_row) {
    msgpack::sbuffer buf;
    Packer pk(buf);
    pk.pack_map(3);
    pk.pack("m"); pk.pack("m");
    pk.pack("tags"); pk.pack(std::vector<std::string>{"h"});
    pk.pack("columns"); pk.pack_map(4);
    pk.pack("time"); pk.pack_array(n);
    for (int i = 0; i < n; ++i) {
      if (i == 300) pk.pack_nil();
      else if (i == 301) pk.pack_double(1700000000.5);  // seconds, by magnitude
      else pk.pack(int64_t{1700000000000} + i);          // milliseconds
    }
    pk.pack("f"); pk.pack_array(n);
    for (int i = 0; i < n; ++i) {
      if (i % 97 == 5) pk.pack_nil();
      else if (i % 89 == 3) pk.pack(i);  // an integer in a float column
      else pk.pack_double(i + 0.25);
    }
    pk.pack("i"); pk.pack_array(n);
    for (int i = 0; i < n; ++i) {
      if (i == big_int_row) pk.pack(static_cast<uint64_t>(INT64_MAX) + 1);
      else if (i == 400) pk.pack_nil();
      else pk.pack(int64_t{i} * 1000003 - 300000000);
    }
    pk.pack("h"); pk.pack_array(n);
    for (int i = 0; i < n; ++i) {
      if (i == bad_tag_row) pk.pack(std::string("bad\0tag", 7));
      else if (i == 500) pk.pack(std::string(100 + i, 'z'));  // str16 breaks the run
      else pk.pack("h" + std::to_string(i % 7));
    }
    return Bytes(buf);
  };
  auto d = Decode(doc(-1, -1));
  ASSERT_TRUE(d->status.ok()) << d->status.ToString();
  const Batch& b = d->set.batches()[0];
  ASSERT_EQ(b.rows(), static_cast<size_t>(n));
  EXPECT_EQ(b.time_us[0], 1700000000000000);
  EXPECT_EQ(b.time_us[300], kNow);
  EXPECT_EQ(b.time_us[301], 1700000000500000);
  EXPECT_EQ(b.time_us[699], 1700000000699000);
  const Column& f = Col(b, "f");
  const Column& in = Col(b, "i");
  const Column& h = Col(b, "h");
  for (int i = 0; i < n; ++i) {
    if (i % 97 == 5) {
      EXPECT_FALSE(f.IsValid(i)) << i;
    } else {
      EXPECT_DOUBLE_EQ(f.doubles()[i], i % 89 == 3 ? i : i + 0.25) << i;
    }
    if (i == 400) EXPECT_FALSE(in.IsValid(i));
    else EXPECT_EQ(in.ints()[i], int64_t{i} * 1000003 - 300000000) << i;
    EXPECT_EQ(h.StringAt(i), i == 500 ? std::string(600, 'z') : "h" + std::to_string(i % 7)) << i;
  }
  auto bad = Decode(doc(333, -1));
  ASSERT_FALSE(bad->status.ok());
  EXPECT_NE(bad->status.message().find("row 333"), std::string::npos) << bad->status.message();
  auto big = Decode(doc(-1, 270));
  ASSERT_FALSE(big->status.ok());
  EXPECT_NE(big->status.message().find("row 270"), std::string::npos) << big->status.message();
}

// An array header claiming 4 billion values in a 30-byte body is refused before anything is
// sized by it (under ASan a 32 GB reservation would abort the test): the key scan meets the
// truncation first, and the column reader checks the count against the body as well.
// "columns" last (what clients send) is decoded without a skip first: the decoder's own
// check refuses the count; when a key follows, the skip over the columns does.
TEST(MsgpackDecoderTest, ArrayCountBeyondTheBodyIsRefusedBeforeAllocating) {
  for (const bool columns_last : {true, false}) {
    for (const char* first : {"time", "v"}) {
      msgpack::sbuffer buf;
      Packer pk(buf);
      pk.pack_map(columns_last ? 2 : 3);  // a third key would follow the columns
      pk.pack("m"); pk.pack("cpu");
      pk.pack("columns"); pk.pack_map(1);
      pk.pack(first);
      std::string body = Bytes(buf) + std::string("\xdd\xff\xff\xff\xff", 5) + std::string(8, '\x01');
      auto d = Decode(body);
      ASSERT_FALSE(d->status.ok()) << first;
      const std::string want = columns_last ? "claims 4294967295 values but the body ends first" : "truncated";
      EXPECT_NE(d->status.message().find(want), std::string::npos) << d->status.message();
    }
  }
}

struct BadDoc {
  std::string body;
  const char* expect;
};

TEST(MsgpackDecoderTest, BadDocumentsAreRejectedWithReason) {
  std::vector<BadDoc> cases;
  cases.push_back({"", "empty"});
  cases.push_back({Pack(42), "top level must be a map or an array"});
  cases.push_back({Pack(std::map<std::string, int>{{"x", 1}}), "missing measurement"});
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("x"); pk.pack(1);
    cases.push_back({Bytes(b), "neither \"columns\""});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(2);
    pk.pack("a"); pk.pack(std::vector<int>{1, 2, 3});
    pk.pack("b"); pk.pack(std::vector<int>{1, 2});
    cases.push_back({Bytes(b), "has 2 values but column \"a\" has 3"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(1);
    pk.pack("a"); pk.pack_array(3); pk.pack(1.5); pk.pack(2.5); pk.pack("oops");
    cases.push_back({Bytes(b), "column \"a\" row 2: column \"a\" is float, got string"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(1);
    pk.pack("a"); pk.pack_array(1); pk.pack(std::map<std::string, int>{{"x", 1}});
    cases.push_back({Bytes(b), "map values are not supported"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(1);
    pk.pack("a"); pk.pack_array(1); pk.pack(uint64_t{18446744073709551615ull});
    cases.push_back({Bytes(b), "above INT64_MAX"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(1);
    pk.pack("a"); pk.pack_array(1); pk.pack_bin(2); pk.pack_bin_body("ab", 2);
    cases.push_back({Bytes(b), "binary values are not supported"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(2);
    pk.pack("a"); pk.pack(std::vector<int>{1, 2}); pk.pack("a"); pk.pack(std::vector<int>{3, 4});
    cases.push_back({Bytes(b), "column \"a\" appears twice"});
  }
  cases.push_back({Row("1cpu", 1, "v", 1), "must start with a letter"});
  cases.push_back({Row("c/../../etc", 1, "v", 1), "only letters"});
  cases.push_back({Row("cpu", 1, "time", 1), "reserved"});
  // Regressions (issue 10): each was accepted and then failed every flush or query.
  cases.push_back({Row("cpu", 1, "Time", 1), "reserved for the timestamp"});
  cases.push_back({Row("cpu", 1, std::string("v\0x", 3), 1), "control character"});
  cases.push_back({Row("cpu", -5000, "v", 1), "negative timestamp"});
  {
    msgpack::sbuffer b; Packer pk(b);  // year 10000 in seconds
    pk.pack_map(4); pk.pack("m"); pk.pack("cpu"); pk.pack("time_unit"); pk.pack("s");
    pk.pack("t"); pk.pack(int64_t{253402300800});
    pk.pack("fields"); pk.pack_map(1); pk.pack("v"); pk.pack(1);
    cases.push_back({Bytes(b), "outside the supported range"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(3); pk.pack("m"); pk.pack("cpu"); pk.pack("t"); pk.pack(uint64_t{18446744073709551615ull});
    pk.pack("fields"); pk.pack_map(1); pk.pack("v"); pk.pack(1);
    cases.push_back({Bytes(b), "timestamp 18446744073709551615 is out of range"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(3); pk.pack("m"); pk.pack("cpu"); pk.pack("tags"); pk.pack_map(1); pk.pack("h");
    pk.pack(std::string("a\xff")); pk.pack("fields"); pk.pack_map(1); pk.pack("v"); pk.pack(1);
    cases.push_back({Bytes(b), "not valid UTF-8"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("columns"); pk.pack_map(1);
    pk.pack("s"); pk.pack_array(2); pk.pack("ok"); pk.pack(std::string("\xc0\x80"));
    cases.push_back({Bytes(b), "column \"s\" row 1: string value"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(3); pk.pack("m"); pk.pack("cpu"); pk.pack("t"); pk.pack("yesterday");
    pk.pack("fields"); pk.pack_map(1); pk.pack("v"); pk.pack(1);
    cases.push_back({Bytes(b), "time must be a number"});
  }
  {
    msgpack::sbuffer b; Packer pk(b);
    pk.pack_map(2); pk.pack("m"); pk.pack("cpu"); pk.pack("fields"); pk.pack_map(0);
    cases.push_back({Bytes(b), "holds no non-null value"});
  }
  std::string truncated = Columnar("cpu", 1700000000000, 10);
  truncated.resize(truncated.size() - 7);
  cases.push_back({truncated, "truncated"});
  cases.push_back({Row("cpu", 1, "v", 1) + "x", "trailing bytes"});
  cases.push_back({std::string("\xdd\xff\xff\xff\xff", 5), "truncated"});  // huge array header
  for (const BadDoc& c : cases) {
    auto d = Decode(c.body);
    ASSERT_FALSE(d->status.ok()) << c.expect;
    EXPECT_EQ(d->status.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(d->status.message().find(c.expect), std::string::npos)
        << "want \"" << c.expect << "\" in: " << d->status.message();
  }
}

// Both shapes: "tags" after the columns (they are skipped first) and the columns last (they
// are decoded without a skip).
TEST(MsgpackDecoderTest, EveryTruncationOfAValidDocumentFailsCleanly) {
  for (const bool tags_last : {true, false}) {
    const std::string doc = Columnar("cpu", 1700000000000, 20, tags_last);
    ASSERT_TRUE(Decode(doc)->status.ok()) << tags_last;
    for (size_t len = 0; len < doc.size(); ++len) {
      auto d = Decode(doc.substr(0, len));
      EXPECT_FALSE(d->status.ok()) << tags_last << " " << len;
    }
  }
}

// ---- property: columnar documents round-trip ----

TEST(MsgpackPropertyTest, ColumnarRoundTrip) {
  const bool ok = rc::check("msgpack columnar round trip", [] {
    const int n = *rc::gen::inRange(1, 50);
    std::vector<int64_t> times, ints;
    std::vector<double> floats;
    std::vector<std::string> strs;
    std::vector<bool> bools;
    for (int i = 0; i < n; ++i) {
      times.push_back(*rc::gen::inRange<int64_t>(1000000000000000, 9000000000000000));  // µs
      ints.push_back(*rc::gen::arbitrary<int64_t>());
      floats.push_back(*rc::gen::suchThat(rc::gen::arbitrary<double>(), [](double d) { return std::isfinite(d); }));
      // Half arbitrary bytes (mostly invalid UTF-8), half valid text of 1- to 4-byte characters.
      const auto text = rc::gen::map(
          rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
              "a", "Z", " ", "\t", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80")),
          [](const std::vector<std::string>& parts) {
            std::string out;
            for (const std::string& p : parts) out += p;
            return out;
          });
      strs.push_back(*rc::gen::oneOf(rc::gen::arbitrary<std::string>(), text));
      bools.push_back(*rc::gen::arbitrary<bool>());
    }
    msgpack::sbuffer buf;
    Packer pk(buf);
    pk.pack_map(3);
    pk.pack("m"); pk.pack("prop");
    pk.pack("tags"); pk.pack(std::vector<std::string>{"s"});
    pk.pack("columns"); pk.pack_map(5);
    pk.pack("time"); pk.pack(times);
    pk.pack("i"); pk.pack(ints);
    pk.pack("f"); pk.pack_array(n); for (double f : floats) pk.pack_double(f);
    pk.pack("s"); pk.pack(strs);
    pk.pack("b"); pk.pack(bools);
    BatchSet set("db");
    const Status st = DecodeMsgpack(Bytes(buf), kNow, &set);
    // Tag values must be valid UTF-8 without NUL: exactly those documents decode.
    const bool valid = std::all_of(strs.begin(), strs.end(), [](const std::string& s) {
      return IsValidUtf8(s) && s.find('\0') == std::string::npos;
    });
    RC_ASSERT(st.ok() == valid);
    if (!valid) {
      RC_ASSERT(st.message().find("tag value") != std::string::npos);
      return;
    }
    const Batch& b = set.batches()[0];
    RC_ASSERT(b.rows() == static_cast<size_t>(n));
    RC_ASSERT(b.time_us == times);
    RC_ASSERT(b.columns[b.FindColumn("i")].ints() == ints);
    // msgpack-c packs integral doubles (0.0) as integers: an all-integral column decodes
    // as int64, a mixed one as double. Either way every value comes back exactly.
    const Column& f = b.columns[b.FindColumn("f")];
    for (int i = 0; i < n; ++i) {
      const double got = f.type() == ColumnType::kDouble ? f.doubles()[i]
                                                         : static_cast<double>(f.ints()[i]);
      RC_ASSERT(got == floats[i]);
    }
    for (int i = 0; i < n; ++i) {
      RC_ASSERT(b.columns[b.FindColumn("s")].StringAt(i) == strs[i]);
      RC_ASSERT((b.columns[b.FindColumn("b")].bools()[i] != 0) == bools[i]);
    }
    RC_ASSERT(b.columns[b.FindColumn("s")].is_tag());
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace arc
