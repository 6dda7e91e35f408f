#include "storage/quarantine.h"

#include <gtest/gtest.h>

#include "util/fault_fs.h"

namespace arc {
namespace {

TEST(QuarantineTest, AddListReadShrinkRemove) {
  test::FaultFileSystem fs;
  Quarantine q(&fs, "/d/.quarantine");
  ASSERT_TRUE(q.Open().ok());
  auto r = q.Add("db", "m", {"payload-1", "payload-2"}, 7, "why", "flush");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(IsQuarantineId(r->id));
  fs.Crash();  // Add is durable once it returns
  auto list = q.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].rows, 7u);
  EXPECT_EQ((*list)[0].entries, 2u);
  EXPECT_EQ((*list)[0].reason, "why");
  EXPECT_EQ(*q.ReadPayloads(r->id), (std::vector<std::string>{"payload-1", "payload-2"}));
  ASSERT_TRUE(q.Shrink(r->id, {"payload-2"}, 3, "partly replayed").ok());
  EXPECT_EQ(*q.ReadPayloads(r->id), (std::vector<std::string>{"payload-2"}));
  EXPECT_EQ(q.totals().rows, 3u);
  ASSERT_TRUE(q.Remove(r->id).ok());
  EXPECT_TRUE(q.List()->empty());
  EXPECT_EQ(q.Remove(r->id).code(), StatusCode::kNotFound);
}

TEST(QuarantineTest, IdsCannotReachOtherFiles) {
  for (const char* bad : {"", "q", "q1", "q-1", "q1-", "../x", "q1-2/../../etc", "q1-2.json", "x1-2"}) {
    EXPECT_FALSE(IsQuarantineId(bad)) << bad;
  }
  EXPECT_TRUE(IsQuarantineId("q1764646200000000-0"));
}

TEST(QuarantineTest, RowsWithoutTheirDescriptionAreDescribedAgainAtOpen) {
  test::FaultFileSystem fs;
  std::string id;
  {
    Quarantine q(&fs, "/d/.quarantine");
    ASSERT_TRUE(q.Open().ok());
    auto r = q.Add("db", "m", {"p"}, 1, "why", "flush");
    ASSERT_TRUE(r.ok());
    id = r->id;
  }
  ASSERT_TRUE(fs.Remove("/d/.quarantine/" + id + ".json").ok());  // a crash between the two writes
  Quarantine q(&fs, "/d/.quarantine");
  ASSERT_TRUE(q.Open().ok());
  auto list = q.List();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_NE((*list)[0].reason.find("description lost"), std::string::npos);
  EXPECT_EQ(*q.ReadPayloads(id), std::vector<std::string>{"p"});
}

}  // namespace
}  // namespace arc
