#include "query/query_worker.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

// Regression: errors echoed the data directory's absolute path and the server's rewritten SQL.
TEST(SanitizeQueryErrorTest, NoAbsolutePathsNoRewrittenSql) {
  const std::string root = "/var/lib/arc/data";
  const std::string msg =
      "IO Error: No magic bytes found at end of file "
      "'/var/lib/arc/data/db/cpu/2024/01/01/00/a.parquet'\n\n"
      "LINE 1: SELECT * FROM read_parquet(['/var/lib/arc/data/db/cpu/2024/01/01/00/*.parquet'], "
      "union_by_name=true)";
  const std::string out = SanitizeQueryError(msg, root);
  EXPECT_EQ(out.find(root), std::string::npos) << out;
  EXPECT_EQ(out.find("read_parquet"), std::string::npos) << out;
  EXPECT_EQ(out.find("LINE 1"), std::string::npos) << out;
  EXPECT_NE(out.find("'db/cpu/2024/01/01/00/a.parquet'"), std::string::npos)
      << "relative path kept: " << out;
  EXPECT_EQ(SanitizeQueryError("Binder Error: x in /var/lib/arc/data", root),
            "Binder Error: x in .");
}

TEST(SanitizeQueryErrorTest, SuggestionsOfSettingsAreDropped) {
  EXPECT_EQ(
      SanitizeQueryError(
          "Out of Memory Error: failed to allocate\n\nPossible solutions:\n* SET threads=X", "/r"),
      "Out of Memory Error: failed to allocate");
}

TEST(SanitizeQueryErrorTest, StackTracesAreDropped) {
  EXPECT_EQ(SanitizeQueryError("INTERNAL Error: boom\n\nStack Trace:\n0x1 f()\n", "/r"),
            "INTERNAL Error: boom");
}

}  // namespace
}  // namespace arc
