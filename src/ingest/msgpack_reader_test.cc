#include "ingest/msgpack_reader.h"

#include <gtest/gtest.h>

#include <msgpack.hpp>
#include <string>

namespace arc {
namespace {

std::string Bytes(const msgpack::sbuffer& b) { return std::string(b.data(), b.size()); }

TEST(MsgpackReaderTest, Float64RunStopsAtAnotherTypeWithoutConsumingIt) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_double(1.5);
  pk.pack_double(-2.25);
  pk.pack(7);  // an integer ends the run
  const std::string bytes = Bytes(buf);
  MsgpackReader r(bytes);
  double out[8];
  ASSERT_EQ(r.ReadFloat64Run(out, 8), 2u);
  EXPECT_EQ(out[0], 1.5);
  EXPECT_EQ(out[1], -2.25);
  MsgValue v;
  ASSERT_TRUE(r.Next(&v).ok());
  EXPECT_EQ(v.type, MsgType::kInt);
  EXPECT_EQ(v.i, 7);
  EXPECT_TRUE(r.AtEnd());
}

TEST(MsgpackReaderTest, Float64RunRespectsMaxAndTruncation) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  for (int i = 0; i < 3; ++i) pk.pack_double(i + 0.5);
  std::string bytes = Bytes(buf);
  double out[8];
  MsgpackReader r(bytes);
  EXPECT_EQ(r.ReadFloat64Run(out, 2), 2u);
  bytes.pop_back();  // the third value is now cut short
  MsgpackReader cut(bytes);
  EXPECT_EQ(cut.ReadFloat64Run(out, 8), 2u);
  MsgValue v;
  EXPECT_FALSE(cut.Next(&v).ok()) << "the truncated value is left for Next to report";
}

TEST(MsgpackReaderTest, IntRunReadsEveryWidthAndStopsAboveInt64Max) {
  const int64_t values[] = {0, 127, -1, -32, 200, -100, 40000, -30000, 4000000000LL,
                            -2000000000LL, INT64_MAX, INT64_MIN};
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  for (int64_t x : values) pk.pack(x);
  pk.pack(static_cast<uint64_t>(INT64_MAX) + 1);
  const std::string bytes = Bytes(buf);
  MsgpackReader r(bytes);
  int64_t out[16];
  ASSERT_EQ(r.ReadIntRun(out, 16), std::size(values));
  for (size_t i = 0; i < std::size(values); ++i) EXPECT_EQ(out[i], values[i]) << i;
  MsgValue v;
  ASSERT_TRUE(r.Next(&v).ok());
  EXPECT_EQ(v.type, MsgType::kUint) << "the value above INT64_MAX is left for Next";
}

TEST(MsgpackReaderTest, ShortStringReadsFixstrAndStr8Only) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack(std::string("abc"));
  pk.pack(std::string(200, 'x'));  // str8
  pk.pack(std::string(300, 'y'));  // str16: not short
  const std::string bytes = Bytes(buf);
  MsgpackReader r(bytes);
  std::string_view s;
  ASSERT_TRUE(r.TryReadShortString(&s));
  EXPECT_EQ(s, "abc");
  ASSERT_TRUE(r.TryReadShortString(&s));
  EXPECT_EQ(s, std::string(200, 'x'));
  EXPECT_FALSE(r.TryReadShortString(&s));
  MsgValue v;
  ASSERT_TRUE(r.Next(&v).ok());
  EXPECT_EQ(v.str.size(), 300u);
  EXPECT_FALSE(r.TryReadShortString(&s)) << "at the end";
  const std::string cut = bytes.substr(0, 3);  // "abc" without its last byte
  MsgpackReader c(cut);
  EXPECT_FALSE(c.TryReadShortString(&s));
  EXPECT_EQ(c.Remaining(), 3u);
}

}  // namespace
}  // namespace arc
