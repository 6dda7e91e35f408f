#include "storage/switch_record.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

SwitchRecord Sample() {
  SwitchRecord r;
  r.seq = 7;
  r.kind = SwitchKind::kCompact;
  r.state = SwitchState::kCommitted;
  r.inputs = {"db/m/2024/01/02/03/w1-5-9.parquet", "db/m/2024/01/02/03/b17-w0-3.parquet"};
  r.outputs = {{".lifecycle/out-7-0.parquet", "db/m/2024/01/02/03/c99-7.parquet", 1234}};
  return r;
}

TEST(SwitchRecordTest, RoundTrips) {
  Result<SwitchRecord> r = DecodeSwitchRecord(EncodeSwitchRecord(Sample()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(r->state, SwitchState::kCommitted);
  EXPECT_EQ(r->inputs, Sample().inputs);
  ASSERT_EQ(r->outputs.size(), 1u);
  EXPECT_EQ(r->outputs[0].path, "db/m/2024/01/02/03/c99-7.parquet");
  EXPECT_EQ(r->outputs[0].rows, 1234u);
}

TEST(SwitchRecordTest, AnyFlippedByteIsCorruption) {
  const std::string text = EncodeSwitchRecord(Sample());
  for (size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] ^= 0x01;
    if (bad == text) continue;
    Result<SwitchRecord> r = DecodeSwitchRecord(bad);
    // A flip in the trailing newline may still decode to the same record; nothing else may.
    if (i + 1 == text.size()) continue;
    EXPECT_FALSE(r.ok()) << "byte " << i;
  }
  EXPECT_FALSE(DecodeSwitchRecord("").ok());
  EXPECT_FALSE(DecodeSwitchRecord(text.substr(0, text.size() / 2)).ok());
}

// Recovery deletes inputs and renames outputs: a record naming anything outside the layout
// (written by hand, or by a bug) must not make it touch other files.
TEST(SwitchRecordTest, PathsOutsideTheLayoutAreRefused) {
  SwitchRecord r = Sample();
  r.inputs = {"../etc/passwd"};
  EXPECT_EQ(DecodeSwitchRecord(EncodeSwitchRecord(r)).status().code(), StatusCode::kCorruption);
  r = Sample();
  r.outputs[0].temp = ".lifecycle/../db/x.parquet";
  EXPECT_EQ(DecodeSwitchRecord(EncodeSwitchRecord(r)).status().code(), StatusCode::kCorruption);
  r = Sample();
  r.outputs[0].path = "db/m/notanhour/c1-1.parquet";
  EXPECT_EQ(DecodeSwitchRecord(EncodeSwitchRecord(r)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace arc
