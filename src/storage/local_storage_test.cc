#include "storage/local_storage.h"

#include <gtest/gtest.h>

#include "util/test_util.h"

namespace arc {
namespace {

TEST(LocalStorageTest, CommitPublishesAndOpenClearsTempDebris) {
  test::TempDir dir;
  LocalStorage s(DefaultFileSystem(), dir.path());
  ASSERT_TRUE(s.Open().ok());
  const std::string tmp = s.NewTempPath();
  EXPECT_NE(tmp, s.NewTempPath());
  test::WriteTextFile(tmp, "data");
  uint64_t bytes = 0;
  ASSERT_TRUE(s.Commit(tmp, "db/m/2024/01/01/00/f.parquet", &bytes).ok());
  EXPECT_EQ(bytes, 4u);
  EXPECT_EQ(test::FindFiles(dir.path() + "/db", ".parquet").size(), 1u);
  EXPECT_FALSE(DefaultFileSystem()->Exists(tmp));
  test::WriteTextFile(s.NewTempPath(), "crash debris");
  LocalStorage again(DefaultFileSystem(), dir.path());
  ASSERT_TRUE(again.Open().ok());
  EXPECT_TRUE(test::FindFiles(dir.path() + "/.tmp", "").empty());
}

TEST(LocalStorageTest, CommitOfMissingTempFileFails) {
  test::TempDir dir;
  LocalStorage s(DefaultFileSystem(), dir.path());
  ASSERT_TRUE(s.Open().ok());
  uint64_t bytes = 0;
  EXPECT_FALSE(s.Commit(dir.path() + "/nope", "db/m/f.parquet", &bytes).ok());
}

}  // namespace
}  // namespace arc
