#include "server/gzip_body.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <deque>
#include <random>

namespace arc {
namespace {

// Inflates a gzip member with zlib. `complete` is set when the member's trailer was read
// (CRC and length checked by zlib); a partial member inflates as far as it goes.
std::string Gunzip(const std::string& gz, bool* complete = nullptr) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  int rc = Z_OK;
  char buf[16384];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // all input used, member not ended
  }
  EXPECT_TRUE(rc == Z_STREAM_END || rc == Z_BUF_ERROR) << rc;
  if (complete != nullptr) *complete = rc == Z_STREAM_END;
  inflateEnd(&z);
  return out;
}

std::string Json(size_t rows) {
  std::string s = "[";
  for (size_t i = 0; i < rows; ++i) {
    s += R"({"time":")" + std::to_string(1700000000000 + i) + R"(","host":"web-)" +
         std::to_string(i % 7) + R"(","usage":)" + std::to_string(i * 0.37) + "},";
  }
  s += "]";
  return s;
}

TEST(GzipBodyTest, WholeBodyRoundTrips) {
  const std::string body = Json(5000);
  Result<std::string> gz = GzipCompressWhole(body);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_LT(gz->size(), body.size() / 4) << "JSON compresses well";
  bool complete = false;
  EXPECT_EQ(Gunzip(*gz, &complete), body);
  EXPECT_TRUE(complete);
}

TEST(GzipBodyTest, EmptyBodyIsAValidMember) {
  Result<std::string> gz = GzipCompressWhole("");
  ASSERT_TRUE(gz.ok());
  EXPECT_GE(gz->size(), 18u) << "header and trailer";
  bool complete = false;
  EXPECT_EQ(Gunzip(*gz, &complete), "");
  EXPECT_TRUE(complete);
}

TEST(GzipBodyTest, IncompressibleBodyRoundTrips) {
  std::mt19937 rng(7);
  std::string body(3 << 20, '\0');
  for (char& c : body) c = static_cast<char>(rng());
  Result<std::string> gz = GzipCompressWhole(body, 6);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(Gunzip(*gz), body);
}

// Each piece is flushed: what was sent so far decodes before the member ends, so a client
// sees a streamed answer as it flows.
TEST(GzipBodyTest, EveryPieceDecodesAsItArrives) {
  GzipEncoder encoder;
  std::string sent, expected;
  for (int i = 0; i < 500; ++i) {
    const std::string piece = Json(static_cast<size_t>(i % 13));  // some tiny, one 2 bytes
    expected += piece;
    ASSERT_TRUE(encoder.Add(piece, false, &sent).ok());
    bool complete = true;
    if (i % 50 == 0) {
      EXPECT_EQ(Gunzip(sent, &complete), expected) << "after piece " << i;
      EXPECT_FALSE(complete);
    }
  }
  ASSERT_TRUE(encoder.Add("", false, &sent).ok()) << "an empty piece adds nothing";
  ASSERT_TRUE(encoder.Add("]", true, &sent).ok());
  expected += "]";
  bool complete = false;
  EXPECT_EQ(Gunzip(sent, &complete), expected);
  EXPECT_TRUE(complete);
  std::string more;
  EXPECT_FALSE(encoder.Add("x", false, &more).ok()) << "nothing after the last piece";
}

// A BodyStream that hands out fixed pieces, the last one empty, then optionally fails.
class Pieces : public BodyStream {
 public:
  Pieces(std::deque<std::string> pieces, bool fail_at_end) : pieces_(std::move(pieces)), fail_(fail_at_end) {}
  void Next(Deliver deliver) override {
    if (pieces_.empty()) return deliver("", !fail_, fail_);
    std::string p = std::move(pieces_.front());
    pieces_.pop_front();
    deliver(std::move(p), false, false);
  }

 private:
  std::deque<std::string> pieces_;
  bool fail_;
};

// Reads a stream to its end: the concatenated output, and whether it failed.
std::string Drain(BodyStream* s, bool* failed, int* count) {
  std::string out;
  bool done = false;
  *failed = false;
  *count = 0;
  while (!done && !*failed) {
    s->Next([&](std::string piece, bool last, bool f) {
      out += piece;
      done = last;
      *failed = f;
      ++*count;
    });
  }
  return out;
}

TEST(GzipBodyTest, StreamOfManyPiecesRoundTrips) {
  std::deque<std::string> pieces;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    pieces.push_back(Json(static_cast<size_t>(i % 40)));
    expected += pieces.back();
  }
  auto gz = std::make_shared<GzipBodyStream>(std::make_shared<Pieces>(pieces, false));
  bool failed = false;
  int count = 0;
  const std::string out = Drain(gz.get(), &failed, &count);
  EXPECT_FALSE(failed);
  EXPECT_EQ(count, 2001) << "one piece out for each piece in, plus the last";
  bool complete = false;
  EXPECT_EQ(Gunzip(out, &complete), expected);
  EXPECT_TRUE(complete);
  EXPECT_LT(out.size(), expected.size() / 3);
}

TEST(GzipBodyTest, EmptyStreamIsAValidMember) {
  auto gz = std::make_shared<GzipBodyStream>(std::make_shared<Pieces>(std::deque<std::string>{}, false));
  bool failed = false;
  int count = 0;
  const std::string out = Drain(gz.get(), &failed, &count);
  EXPECT_FALSE(failed);
  bool complete = false;
  EXPECT_EQ(Gunzip(out, &complete), "");
  EXPECT_TRUE(complete);
}

TEST(GzipBodyTest, AFailingStreamFailsWithoutATrailer) {
  auto gz = std::make_shared<GzipBodyStream>(std::make_shared<Pieces>(std::deque<std::string>{"abc", "def"}, true));
  bool failed = false;
  int count = 0;
  const std::string out = Drain(gz.get(), &failed, &count);
  EXPECT_TRUE(failed);
  bool complete = true;
  EXPECT_EQ(Gunzip(out, &complete), "abcdef");
  EXPECT_FALSE(complete) << "a cut stream never looks complete";
}

}  // namespace
}  // namespace arc
