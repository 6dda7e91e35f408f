#include "storage/hour_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/partition_layout.h"
#include "util/test_util.h"

namespace arc {
namespace {

namespace fs = std::filesystem;

class HourFilesTest : public ::testing::Test {
 protected:
  // Creates `root/<hour folder>/<name>` with some bytes; returns its path.
  std::string Plant(int64_t hour, const std::string& name) {
    const std::string dir = dir_.Sub(HourDirectory("db", "cpu", hour));
    fs::create_directories(dir);
    test::WriteTextFile(dir + "/" + name, "PAR1");
    return dir + "/" + name;
  }
  HourFiles List(std::optional<int64_t> lo = std::nullopt,
                 std::optional<int64_t> hi = std::nullopt) {
    return ListHourFiles(DefaultFileSystem(), dir_.path(), "db", "cpu", lo, hi);
  }
  test::TempDir dir_;
  test::TempDir outside_;
};

TEST_F(HourFilesTest, ListsHoursOldestFirstAndPrunes) {
  Plant(472223, "b.parquet");
  Plant(472222, "a.parquet");
  Plant(472224, "c.parquet");
  HourFiles all = List();
  ASSERT_EQ(all.files.size(), 3u);
  EXPECT_NE(all.files[0].find("a.parquet"), std::string::npos);
  EXPECT_EQ(all.hours_total, 3);
  HourFiles some = List(472223, 472223);
  ASSERT_EQ(some.files.size(), 1u);
  EXPECT_EQ(some.hours_read, 1);
  EXPECT_NE(some.files[0].find("b.parquet"), std::string::npos);
}

// Regression: a link planted in the data directory (by another tenant of the host, or a
// careless restore) made queries read files outside it.
TEST_F(HourFilesTest, SymbolicLinksAreNeverFollowed) {
  const std::string real = Plant(472222, "a.parquet");
  const std::string hour_dir = real.substr(0, real.rfind('/'));
  test::WriteTextFile(outside_.Sub("secret.parquet"), "PAR1");
  ASSERT_EQ(::symlink(outside_.Sub("secret.parquet").c_str(), (hour_dir + "/link.parquet").c_str()),
            0);
  // A whole hour folder that is a link to a folder outside.
  fs::create_directories(outside_.Sub("hour"));
  test::WriteTextFile(outside_.Sub("hour/x.parquet"), "PAR1");
  const std::string linked_hour = dir_.Sub(HourDirectory("db", "cpu", 472223));
  fs::create_directories(fs::path(linked_hour).parent_path());
  ASSERT_EQ(::symlink(outside_.Sub("hour").c_str(), linked_hour.c_str()), 0);

  HourFiles out = List();
  ASSERT_EQ(out.files, std::vector<std::string>{real});
}

TEST_F(HourFilesTest, ALinkedMeasurementOrDatabaseFolderIsEmpty) {
  // The measurement folder itself is a link to a tree that has the layout.
  const std::string tree = outside_.Sub("db/cpu/2023/11/14/22");
  fs::create_directories(tree);
  test::WriteTextFile(tree + "/a.parquet", "PAR1");
  fs::create_directories(dir_.Sub("db"));
  ASSERT_EQ(::symlink(outside_.Sub("db/cpu").c_str(), dir_.Sub("db/cpu").c_str()), 0);
  EXPECT_TRUE(List().files.empty());
  fs::remove(dir_.Sub("db/cpu"));
  fs::remove(dir_.Sub("db"));
  ASSERT_EQ(::symlink(outside_.Sub("db").c_str(), dir_.Sub("db").c_str()), 0);
  EXPECT_TRUE(List().files.empty());
}

// Files retired by a file-set switch are not listed: their rows are in the switch's outputs.
TEST_F(HourFilesTest, RetiredFilesAreNotListed) {
  Plant(472222, "a.parquet");
  const std::string kept = Plant(472222, "c1-1.parquet");
  LiveFileSet live;
  live.Retire({HourDirectory("db", "cpu", 472222) + "/a.parquet"});
  HourFiles out = ListHourFiles(DefaultFileSystem(), dir_.path(), "db", "cpu", std::nullopt,
                                std::nullopt, &live);
  EXPECT_EQ(out.files, std::vector<std::string>{kept});
}

}  // namespace
}  // namespace arc

namespace arc {
namespace {

// Regression: after DROP MEASUREMENT deleted every file, SHOW MEASUREMENTS still listed the
// measurement because its empty hour folders remained.
TEST(HasDataFileTest, EmptyHourFoldersAreNoData) {
  test::TempDir root;
  const std::string empty = root.Sub(HourDirectory("db", "cpu", 472222));
  std::filesystem::create_directories(empty);
  EXPECT_FALSE(HasDataFile(DefaultFileSystem(), root.path(), "db", "cpu"));
  EXPECT_FALSE(HasDataFile(DefaultFileSystem(), root.path(), "db", "nope"));
  test::WriteTextFile(empty + "/a.parquet.tmp", "PAR1");
  EXPECT_FALSE(HasDataFile(DefaultFileSystem(), root.path(), "db", "cpu")) << "not a data file";
  const std::string older = root.Sub(HourDirectory("db", "cpu", 472000));
  std::filesystem::create_directories(older);
  test::WriteTextFile(older + "/a.parquet", "PAR1");
  EXPECT_TRUE(HasDataFile(DefaultFileSystem(), root.path(), "db", "cpu"));
}

}  // namespace
}  // namespace arc
