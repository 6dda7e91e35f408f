#include "lifecycle/retention_policies.h"

#include <gtest/gtest.h>

#include "util/fault_fs.h"

namespace arc {
namespace {

RetentionPolicy Policy(const std::string& db = "metrics", int64_t days = 7) {
  RetentionPolicy p;
  p.name = "week";
  p.database = db;
  p.retention_days = days;
  return p;
}

TEST(RetentionPoliciesTest, ChangesAreDurableAndReloaded) {
  test::FaultFileSystem fs;
  {
    RetentionPolicies store(&fs, "/d/.retention/policies.json");
    ASSERT_TRUE(store.Load().ok());
    Result<RetentionPolicy> a = store.Create(Policy(), 1000);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->id, 1);
    EXPECT_EQ(a->created_at, 1000);
    ASSERT_TRUE(store.Create(Policy("other", 30), 1001).ok());
    RetentionPolicy changed = Policy("metrics", 14);
    changed.measurement = "cpu";
    ASSERT_TRUE(store.Update(1, changed).ok());
    ASSERT_TRUE(store.MarkRun(1, 2000).ok());
    ASSERT_TRUE(store.Remove(2).ok());
    EXPECT_EQ(store.Remove(2).code(), StatusCode::kNotFound);
  }
  fs.Crash();  // only what was synced survives
  RetentionPolicies store(&fs, "/d/.retention/policies.json");
  ASSERT_TRUE(store.Load().ok());
  ASSERT_EQ(store.List().size(), 1u);
  const RetentionPolicy p = *store.Get(1);
  EXPECT_EQ(p.retention_days, 14);
  EXPECT_EQ(p.measurement, "cpu");
  EXPECT_EQ(p.last_run, 2000);
  EXPECT_EQ(p.created_at, 1000);
  EXPECT_EQ(store.Create(Policy(), 3000)->id, 3) << "ids are never reused";
}

TEST(RetentionPoliciesTest, BadFieldsAreNamed) {
  RetentionPolicy p = Policy();
  p.retention_days = 0;
  EXPECT_NE(ValidateRetentionPolicy(p).message().find("retention_days"), std::string::npos);
  p = Policy("../etc");
  EXPECT_NE(ValidateRetentionPolicy(p).message().find("database"), std::string::npos);
  p = Policy();
  p.measurement = "a/b";
  EXPECT_NE(ValidateRetentionPolicy(p).message().find("measurement"), std::string::npos);
  p = Policy();
  p.buffer_days = -1;
  EXPECT_NE(ValidateRetentionPolicy(p).message().find("buffer_days"), std::string::npos);
  p = Policy();
  p.name = "";
  EXPECT_FALSE(ValidateRetentionPolicy(p).ok());
}

// Whole hours only: an hour goes once its end is retention_days + buffer_days old.
TEST(RetentionPoliciesTest, LastExpiredHourCountsWholeHours) {
  RetentionPolicy p = Policy("metrics", 1);
  const int64_t now = 10 * 86400 + 1800;  // day 10, 00:30
  // cutoff = day 9, 00:30 → hour 215 (day 8, 23:00–24:00) has ended, hour 216 has not.
  EXPECT_EQ(LastExpiredHour(p, now), 9 * 24 - 1);
  p.buffer_days = 1;
  EXPECT_EQ(LastExpiredHour(p, now), 8 * 24 - 1);
  p.buffer_days = 0;
  EXPECT_EQ(LastExpiredHour(p, 9 * 86400 + 86400), 9 * 24 - 1)
      << "an hour ending exactly at the cutoff goes";
}

}  // namespace
}  // namespace arc
