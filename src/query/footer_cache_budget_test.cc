#include "query/footer_cache_budget.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(FooterCacheBudgetTest, TheSameFilesAgainKeepTheCache) {
  FooterCacheBudget budget(3, 100);
  EXPECT_FALSE(budget.MustEmptyBefore({"a", "b"}, {10, 20}));
  EXPECT_FALSE(budget.MustEmptyBefore({"a", "b"}, {10, 20}));
  EXPECT_FALSE(budget.MustEmptyBefore({"b", "b"}, {20, 20}));
  EXPECT_EQ(budget.files(), 2u);
  EXPECT_EQ(budget.bytes(), 30u);
}

TEST(FooterCacheBudgetTest, MoreFilesThanTheBoundEmptyTheCache) {
  FooterCacheBudget budget(3, 1000);
  EXPECT_FALSE(budget.MustEmptyBefore({"a", "b"}, {1, 1}));
  EXPECT_FALSE(budget.MustEmptyBefore({"c"}, {1}));
  EXPECT_TRUE(budget.MustEmptyBefore({"d"}, {1}));  // a, b and c were compacted away, say
  EXPECT_EQ(budget.files(), 1u);
  EXPECT_FALSE(budget.MustEmptyBefore({"a", "b"}, {1, 1}));
  EXPECT_EQ(budget.files(), 3u);
}

TEST(FooterCacheBudgetTest, MoreBytesThanTheBoundEmptyTheCache) {
  FooterCacheBudget budget(100, 10);
  EXPECT_FALSE(budget.MustEmptyBefore({"a", "b"}, {4, 4}));
  EXPECT_TRUE(budget.MustEmptyBefore({"c"}, {4}));
  EXPECT_EQ(budget.bytes(), 4u);
  // One query above the bound on its own: emptied before it, then remembered whole.
  EXPECT_TRUE(budget.MustEmptyBefore({"d", "e", "f"}, {5, 5, 5}));
  EXPECT_EQ(budget.bytes(), 15u);
  EXPECT_TRUE(budget.MustEmptyBefore({"d"}, {5}));
}

}  // namespace
}  // namespace arc
