#include "storage/local_storage.h"

#include <gtest/gtest.h>

#include "util/fault_fs.h"
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

// Several files publish in three steps with one syncfs for the data and one for the names;
// after a crash at any point, a file is either absent or whole under its final name.
TEST(LocalStorageTest, ManyFilesPublishDurablyInThreeSteps) {
  test::FaultFileSystem fs;
  LocalStorage s(&fs, "/r");
  ASSERT_TRUE(s.Open().ok());
  std::vector<DataFile> files;
  for (int i = 0; i < 6; ++i) {
    DataFile f;
    f.temp_path = s.NewTempPath();
    f.relative_path = "db/m" + std::to_string(i) + "/2024/01/01/00/f.parquet";
    fs.WriteRaw(f.temp_path, "x");  // WriteRaw is durable: make it not, like DuckDB's writes
    ASSERT_TRUE(fs.Remove(f.temp_path).ok());
    auto w = fs.NewWritableFile(f.temp_path, true);
    ASSERT_TRUE(w.ok() && (*w)->Append("data" + std::to_string(i)).ok());
    files.push_back(f);
  }
  ASSERT_TRUE(s.Stage(&files).ok());
  ASSERT_TRUE(s.Expose(&files).ok());
  EXPECT_TRUE(fs.DurableContent("/r/db/m0/2024/01/01/00/f.parquet").empty()) << "not sealed yet";
  ASSERT_TRUE(s.Seal(&files).ok());
  fs.Crash();
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(*fs.ReadFile("/r/db/m" + std::to_string(i) + "/2024/01/01/00/f.parquet"), "data" + std::to_string(i));
  }
}

// syncfs reports a write-back error once; a caller whose files were written before another
// caller saw that error must fail too, since the error may have been about its files.
TEST(LocalStorageTest, AWriteBackErrorSeenByAnotherCallerStillFailsEveryStageItMayConcern) {
  test::FaultFileSystem fs;
  LocalStorage s(&fs, "/r");
  ASSERT_TRUE(s.Open().ok());
  auto batch = [&](const std::string& name) {
    std::vector<DataFile> files;
    for (int i = 0; i < 4; ++i) {
      DataFile f;
      f.temp_path = s.NewTempPath();
      f.relative_path = "db/" + name + std::to_string(i) + "/2024/01/01/00/f.parquet";
      auto w = fs.NewWritableFile(f.temp_path, true);
      EXPECT_TRUE(w.ok() && (*w)->Append("d").ok());
      files.push_back(f);
    }
    return files;
  };
  std::vector<DataFile> early = batch("a");  // written before the error
  std::vector<DataFile> other = batch("b");
  fs.FailSyncs(1);
  EXPECT_FALSE(s.Stage(&other).ok()) << "this caller sees the error";
  EXPECT_FALSE(s.Stage(&early).ok()) << "so does every set written before it was seen";
  std::vector<DataFile> late = batch("c");
  EXPECT_TRUE(s.Stage(&late).ok()) << "files written after it are fine";
}

}  // namespace
}  // namespace arc
