#include "common/database_scope.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(DatabaseScopeTest, UnrestrictedAllowsEverything) {
  const DatabaseScope all;
  EXPECT_TRUE(all.unrestricted());
  EXPECT_TRUE(all.Allows("anything"));
  EXPECT_TRUE(all.Check("x").ok());
}

TEST(DatabaseScopeTest, OnlyListedDatabasesWithANamedError) {
  const DatabaseScope s = DatabaseScope::Only({"b", "a", "b"}, "ingest");
  EXPECT_FALSE(s.unrestricted());
  EXPECT_EQ(s.databases(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(s.Allows("a"));
  EXPECT_TRUE(s.Check("b").ok());
  EXPECT_FALSE(s.Allows("A")) << "names are case-sensitive, as the folders are";
  const Status st = s.Check("other");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message(), "token \"ingest\" may not access database \"other\"");
  EXPECT_LT(s.Check(std::string(5000, 'x')).message().size(), 200u) << "a long name is cut";
}

}  // namespace
}  // namespace arc
