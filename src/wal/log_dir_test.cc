#include "wal/log_dir.h"

#include <gtest/gtest.h>

#include "util/fault_fs.h"
#include "wal/format.h"
#include "wal/segment_name.h"
#include "wal/wal_writer.h"

namespace arc::wal {
namespace {

TEST(LogDirTest, ListsWorkersSegmentsInOrderAndRemovesTempFiles) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  fs.WriteRaw("/w/" + FormatSegmentName(2, 1700000200), "x");
  fs.WriteRaw("/w/" + FormatSegmentName(2, 1700000100), "x");
  fs.WriteRaw("/w/" + FormatSegmentName(1, 1700000300) + ".recovered", "x");
  fs.WriteRaw("/w/worker-5.manifest", "x");
  fs.WriteRaw("/w/worker-5.manifest.tmp", "x");
  fs.WriteRaw("/w/worker-x.manifest", "x");
  fs.WriteRaw("/w/worker-7.manifest.alt", "x");  // a worker known by its second slot alone
  fs.WriteRaw("/w/worker-8.manifest.alt.old", "x");
  fs.WriteRaw("/w/.lock", "123\n");
  auto listing = ListLogDirectory(&fs, "/w");
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->workers, (std::vector<int>{1, 2, 5, 7}));
  ASSERT_EQ(listing->segments.size(), 1u) << "worker 1 has only an archived segment";
  EXPECT_EQ(listing->segments.at(2), (std::vector<std::string>{FormatSegmentName(2, 1700000100),
                                                               FormatSegmentName(2, 1700000200)}));
  EXPECT_EQ(listing->last_name_seconds.at(1), 1700000300);
  EXPECT_EQ(listing->last_name_seconds.at(2), 1700000200);
  EXPECT_FALSE(fs.Exists("/w/worker-5.manifest.tmp"));
  EXPECT_TRUE(fs.Exists("/w/.lock"));
}

TEST(LogDirTest, RefusesASegmentOfAnotherWorkerAndSpotsTornCreation) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  WalOptions o;
  o.dir = "/w";
  o.worker = 3;
  std::string name;
  {
    auto w = WalWriter::Open(&fs, o, 1, 1, 0);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("payload", 1).ok());
    name = (*w)->segments().back().name;
  }
  EXPECT_TRUE(OpenWorkerSegment(&fs, "/w/" + name, 3).ok());
  auto other = OpenWorkerSegment(&fs, "/w/" + name, 4);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(IsTornCreation(&fs, "/w/" + name));
  fs.WriteRaw("/w/torn.wal", std::string(kSegmentHeaderSize - 1, 'x'));
  EXPECT_TRUE(IsTornCreation(&fs, "/w/torn.wal"));
  fs.WriteRaw("/w/zeros.wal", std::string(4096, '\0'));  // a padded header block that was lost
  EXPECT_TRUE(IsTornCreation(&fs, "/w/zeros.wal"));
  std::string hidden(8192, '\0');
  hidden[5000] = 'e';  // a zeroed header with bytes after it may hide entries: not torn
  fs.WriteRaw("/w/hidden.wal", hidden);
  EXPECT_FALSE(IsTornCreation(&fs, "/w/hidden.wal"));
}

TEST(LogDirTest, ArchiveRenamesDurably) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  const std::string name = FormatSegmentName(1, 1700000000);
  fs.WriteRaw("/w/" + name, "x");
  ArchiveSegments(&fs, "/w", {name});
  fs.Crash();
  EXPECT_FALSE(fs.Exists("/w/" + name));
  EXPECT_TRUE(fs.Exists("/w/" + name + ".recovered"));
}

}  // namespace
}  // namespace arc::wal
