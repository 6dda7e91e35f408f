#include "query/arrow_ipc.h"

#include <gtest/gtest.h>

#include <cstring>

#include "arrow_format_generated.h"

namespace arc {
namespace {

namespace fb = arrowfmt;

// One encapsulated message of a stream: its metadata (verified) and its body.
struct Message {
  const fb::Message* meta = nullptr;
  std::string_view body;
};

// Splits a whole IPC stream into its messages; fails the test on any framing error.
std::vector<Message> Split(const std::string& stream, bool* saw_eos) {
  std::vector<Message> out;
  size_t pos = 0;
  *saw_eos = false;
  while (pos + 8 <= stream.size()) {
    uint32_t cont = 0, len = 0;
    std::memcpy(&cont, stream.data() + pos, 4);
    std::memcpy(&len, stream.data() + pos + 4, 4);
    EXPECT_EQ(cont, 0xFFFFFFFFu);
    pos += 8;
    if (len == 0) {
      *saw_eos = true;
      EXPECT_EQ(pos, stream.size()) << "bytes after the end-of-stream marker";
      break;
    }
    EXPECT_EQ((8 + len) % 8, 0u) << "the body must start 8-byte aligned";
    const auto* data = reinterpret_cast<const uint8_t*>(stream.data() + pos);
    flatbuffers::Verifier verifier(data, len);
    EXPECT_TRUE(fb::VerifyMessageBuffer(verifier));
    Message m;
    m.meta = fb::GetMessage(data);
    pos += len;
    m.body = std::string_view(stream).substr(pos, static_cast<size_t>(m.meta->bodyLength()));
    pos += static_cast<size_t>(m.meta->bodyLength());
    out.push_back(m);
  }
  return out;
}

// A struct array over caller-owned children, as DuckDB's export hands them out.
struct TestBatch {
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> pointers;
  ArrowArray parent{};
  explicit TestBatch(std::vector<ArrowArray> c) : children(std::move(c)) {
    for (ArrowArray& a : children) pointers.push_back(&a);
    parent.length = children.empty() ? 0 : children[0].length;
    parent.n_children = static_cast<int64_t>(children.size());
    parent.children = pointers.data();
  }
};

ArrowArray Column(int64_t length, int64_t nulls, std::vector<const void*>* buffers) {
  ArrowArray a{};
  a.length = length;
  a.null_count = nulls;
  a.n_buffers = static_cast<int64_t>(buffers->size());
  a.buffers = buffers->data();
  return a;
}

TEST(ArrowIpc, ParsesTheFormatsItEncodesAndNamesTheColumnOfOneItDoesNot) {
  EXPECT_EQ(ParseArrowColumn("a", "l")->kind, ArrowKind::kInt);
  EXPECT_EQ(ParseArrowColumn("a", "C")->bit_width, 8);
  EXPECT_FALSE(ParseArrowColumn("a", "C")->is_signed);
  EXPECT_EQ(ParseArrowColumn("a", "f")->bit_width, 32);
  EXPECT_EQ(ParseArrowColumn("a", "tsn:")->unit, ArrowTimeUnit::kNano);
  EXPECT_EQ(ParseArrowColumn("a", "tss:Europe/Paris")->kind, ArrowKind::kTimestamp);
  EXPECT_EQ(ParseArrowColumn("a", "tdD")->kind, ArrowKind::kDate32);
  EXPECT_EQ(ParseArrowColumn("a", "d:38,0")->kind, ArrowKind::kDecimal128);
  EXPECT_EQ(ParseArrowColumn("a", "d:10,2,128")->scale, 2);
  for (const char* f : {"+l", "d:10,2,256", "d:40,0", "d:5,6", "d:", "tdm", "tsx:", "U", "vu", "e", ""}) {
    Result<ArrowColumn> c = ParseArrowColumn("col", f);
    ASSERT_FALSE(c.ok()) << f;
    EXPECT_NE(c.status().message().find("\"col\""), std::string::npos) << c.status().message();
  }
}

TEST(ArrowIpc, SchemaMessageNamesEveryColumnWithItsTypeAndUtcTimestamps) {
  const ArrowIpcEncoder enc({*ParseArrowColumn("time", "tsu:"), *ParseArrowColumn("host", "u"),
                             *ParseArrowColumn("v", "g"), *ParseArrowColumn("n", "i"),
                             *ParseArrowColumn("ok", "b"), *ParseArrowColumn("none", "n")});
  std::string out;
  enc.AppendSchema(&out);
  out += ArrowIpcEncoder::EndOfStream();
  bool eos = false;
  const std::vector<Message> msgs = Split(out, &eos);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_TRUE(eos);
  const fb::Message* m = msgs[0].meta;
  EXPECT_EQ(m->version(), fb::MetadataVersion_V5);
  ASSERT_EQ(m->header_type(), fb::MessageHeader_Schema);
  const auto* fields = m->header_as_Schema()->fields();
  ASSERT_EQ(fields->size(), 6u);
  EXPECT_EQ(fields->Get(0)->name()->str(), "time");
  ASSERT_EQ(fields->Get(0)->type_type(), fb::Type_Timestamp);
  EXPECT_EQ(fields->Get(0)->type_as_Timestamp()->unit(), fb::TimeUnit_MICROSECOND);
  EXPECT_EQ(fields->Get(0)->type_as_Timestamp()->timezone()->str(), "UTC");
  EXPECT_EQ(fields->Get(1)->type_type(), fb::Type_Utf8);
  EXPECT_EQ(fields->Get(2)->type_as_FloatingPoint()->precision(), fb::Precision_DOUBLE);
  EXPECT_EQ(fields->Get(3)->type_as_Int()->bitWidth(), 32);
  EXPECT_TRUE(fields->Get(3)->type_as_Int()->is_signed());
  EXPECT_EQ(fields->Get(4)->type_type(), fb::Type_Bool);
  EXPECT_EQ(fields->Get(5)->type_type(), fb::Type_Null);
  for (size_t i = 0; i < fields->size(); ++i) EXPECT_TRUE(fields->Get(i)->nullable());
}

TEST(ArrowIpc, BatchBodyHoldsEachBufferAlignedWithEmptyValidityWhenNoNulls) {
  const int64_t values[3] = {7, -1, 42};
  const uint8_t validity = 0b101;  // row 1 is null
  const int32_t offsets[4] = {0, 2, 2, 5};
  const char text[] = "abxyz";
  std::vector<const void*> ints = {&validity, values};
  std::vector<const void*> strings = {nullptr, offsets, text};
  std::vector<const void*> none = {};
  TestBatch batch({Column(3, 1, &ints), Column(3, 0, &strings), Column(3, 3, &none)});
  const ArrowIpcEncoder enc({*ParseArrowColumn("n", "l"), *ParseArrowColumn("s", "u"), *ParseArrowColumn("z", "n")});
  std::string out;
  ASSERT_TRUE(enc.AppendBatch(batch.parent, &out).ok());
  bool eos = false;
  const std::vector<Message> msgs = Split(out, &eos);
  ASSERT_EQ(msgs.size(), 1u);
  ASSERT_EQ(msgs[0].meta->header_type(), fb::MessageHeader_RecordBatch);
  const fb::RecordBatch* rb = msgs[0].meta->header_as_RecordBatch();
  EXPECT_EQ(rb->length(), 3);
  ASSERT_EQ(rb->nodes()->size(), 3u);
  EXPECT_EQ(rb->nodes()->Get(0)->null_count(), 1);
  EXPECT_EQ(rb->nodes()->Get(1)->null_count(), 0);
  EXPECT_EQ(rb->nodes()->Get(2)->null_count(), 3);  // the null column has no buffers
  ASSERT_EQ(rb->buffers()->size(), 5u);             // validity+values, validity+offsets+bytes
  const std::string_view body = msgs[0].body;
  std::vector<std::pair<int64_t, int64_t>> got;
  for (const fb::Buffer* b : *rb->buffers()) {
    EXPECT_EQ(b->offset() % 8, 0);
    got.emplace_back(b->offset(), b->length());
  }
  EXPECT_EQ(got[0].second, 1);   // one validity byte
  EXPECT_EQ(got[1].second, 24);  // three int64
  EXPECT_EQ(got[2].second, 0);   // no nulls: no validity bitmap
  EXPECT_EQ(got[3].second, 16);  // four int32 offsets
  EXPECT_EQ(got[4].second, 5);
  EXPECT_EQ(static_cast<uint8_t>(body[got[0].first]), validity);
  EXPECT_EQ(std::memcmp(body.data() + got[1].first, values, 24), 0);
  EXPECT_EQ(std::memcmp(body.data() + got[3].first, offsets, 16), 0);
  EXPECT_EQ(body.substr(got[4].first, 5), "abxyz");
  EXPECT_EQ(body.size() % 8, 0u);
}

TEST(ArrowIpc, CountsNullsWhenTheProducerLeftTheCountUnknown) {
  const double values[10] = {};
  const uint8_t validity[2] = {0b11110111, 0b00000010};  // rows 3, 8 are null
  std::vector<const void*> buffers = {validity, values};
  TestBatch batch({Column(10, -1, &buffers)});
  std::string out;
  ASSERT_TRUE(ArrowIpcEncoder({*ParseArrowColumn("v", "g")}).AppendBatch(batch.parent, &out).ok());
  bool eos = false;
  EXPECT_EQ(Split(out, &eos)[0].meta->header_as_RecordBatch()->nodes()->Get(0)->null_count(), 2);
}

TEST(ArrowIpc, RefusesBatchesThatDoNotMatchTheSchema) {
  const int64_t values[2] = {1, 2};
  std::vector<const void*> buffers = {nullptr, values};
  TestBatch batch({Column(2, 0, &buffers)});
  std::string out;
  EXPECT_FALSE(ArrowIpcEncoder({*ParseArrowColumn("a", "l"), *ParseArrowColumn("b", "l")})
                   .AppendBatch(batch.parent, &out)
                   .ok());
  std::vector<const void*> short_buffers = {nullptr, values};
  TestBatch strings({Column(2, 0, &short_buffers)});
  EXPECT_FALSE(ArrowIpcEncoder({*ParseArrowColumn("s", "u")}).AppendBatch(strings.parent, &out).ok());
  batch.children[0].offset = 1;  // a slice
  EXPECT_FALSE(ArrowIpcEncoder({*ParseArrowColumn("a", "l")}).AppendBatch(batch.parent, &out).ok());
}

}  // namespace
}  // namespace arc
