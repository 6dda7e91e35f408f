#include "server/answer_encoding.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace arc {
namespace {

TEST(AcceptsGzipTest, QValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip ; q=1"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity, *;q=0.5"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzip;Q=0.0, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *")) << "gzip named: its q counts, not *'s";
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipx, xgzip"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=2")) << "malformed q: the element is ignored";
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.0001"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=abc"));
  EXPECT_FALSE(AcceptsGzip("gzip;q="));
  EXPECT_TRUE(AcceptsGzip("gzip;q=x, *")) << "a malformed gzip element falls back to *";
  EXPECT_FALSE(AcceptsGzip(",,,;;;"));
}

TEST(AnswerEncodingTest, CompressedTypesAreLeftAlone) {
  EXPECT_TRUE(IsCompressibleType("application/json"));
  EXPECT_TRUE(IsCompressibleType("text/csv; charset=utf-8"));
  EXPECT_FALSE(IsCompressibleType("application/vnd.apache.arrow.stream")) << "Arrow is for throughput";
  EXPECT_FALSE(IsCompressibleType("application/gzip"));
  EXPECT_FALSE(IsCompressibleType("Application/Octet-Stream"));
  EXPECT_FALSE(IsCompressibleType("application/vnd.apache.parquet"));
  EXPECT_FALSE(IsCompressibleType("image/png"));
}

std::string Gunzip(const std::string& gz) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out(1 << 20, '\0');
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

bool HasHeader(const HttpResponse& r, const std::string& name, const std::string& value) {
  for (const auto& [k, v] : r.headers) {
    if (k == name && v == value) return true;
  }
  return false;
}

TEST(AnswerEncodingTest, GzipsOnlyWhatQualifies) {
  AnswerEncoding yes;
  yes.gzip = true;
  AnswerEncoding no;
  const std::string big(5000, 'a');

  HttpResponse r;
  r.body = big;
  EncodeAnswer(yes, &r);
  EXPECT_TRUE(HasHeader(r, "Content-Encoding", "gzip"));
  EXPECT_TRUE(HasHeader(r, "Vary", "Accept-Encoding"));
  EXPECT_EQ(Gunzip(r.body), big);

  HttpResponse not_asked;
  not_asked.body = big;
  EncodeAnswer(no, &not_asked);
  EXPECT_EQ(not_asked.body, big);
  EXPECT_FALSE(HasHeader(not_asked, "Content-Encoding", "gzip"));
  EXPECT_TRUE(HasHeader(not_asked, "Vary", "Accept-Encoding")) << "caches must know it could be";

  HttpResponse small;
  small.body = std::string(1023, 'a');
  EncodeAnswer(yes, &small);
  EXPECT_EQ(small.body.size(), 1023u);
  EXPECT_TRUE(small.headers.empty());

  HttpResponse no_content = NoContent();
  EncodeAnswer(yes, &no_content);
  EXPECT_TRUE(no_content.headers.empty());

  HttpResponse parquet;
  parquet.content_type = "application/vnd.apache.parquet";
  parquet.body = big;
  EncodeAnswer(yes, &parquet);
  EXPECT_EQ(parquet.body, big);

  HttpResponse encoded;
  encoded.body = big;
  encoded.headers.emplace_back("content-encoding", "zstd");
  EncodeAnswer(yes, &encoded);
  EXPECT_EQ(encoded.body, big) << "never compressed twice";
  EXPECT_EQ(encoded.headers.size(), 1u);
}

}  // namespace
}  // namespace arc
