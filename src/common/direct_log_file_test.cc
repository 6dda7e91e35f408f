#include "common/direct_log_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "util/tmpfs.h"

namespace arc {
namespace {

// A scratch folder on the real disk (its own, so the ThreadSanitizer build, which links no
// test utilities beyond tmpfs, can run these tests).
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "arc-dlf-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string Bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(1 + rng() % 255);  // never zero: padding shows
  return s;
}

std::string ReadAll(const std::string& path) {
  auto r = DefaultFileSystem()->ReadFile(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::unique_ptr<WritableFile> OpenOrSkip(const std::string& path) {
  auto f = DirectLogFile::Open(path, 0644);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::move(*f) : nullptr;
}

TEST(AlignedBufferTest, GrowsKeepsBytesAndPadsWithZeros) {
  AlignedBuffer b;
  const std::string a = Bytes(5000, 1), c = Bytes(70000, 2);
  b.Append(a);
  b.Append(c);
  ASSERT_EQ(b.size(), a.size() + c.size());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % kDirectBlock, 0u);
  EXPECT_EQ(std::string(b.data(), b.size()), a + c);
  const size_t end = b.PadToBlock();
  EXPECT_EQ(end % kDirectBlock, 0u);
  EXPECT_LT(end - b.size(), kDirectBlock);
  EXPECT_EQ(std::string(b.data() + b.size(), end - b.size()), std::string(end - b.size(), '\0'));
}

// Nothing reaches the file before a Sync; after it the file holds exactly the bytes appended,
// whatever their alignment, once the file is closed (the padding is trimmed).
TEST(DirectLogFileTest, SyncWritesWhatWasAppendedAcrossBlockBoundaries) {
  ScratchDir dir;
  const std::string path = dir.Sub("log");
  auto f = OpenOrSkip(path);
  if (f == nullptr) GTEST_SKIP() << "no O_DIRECT on this file system";
  std::string expect;
  const size_t sizes[] = {64, 28, 4000, 4, 1, 4096, 8192, 12289, 3, 100000, 4095};
  uint32_t seed = 10;
  for (size_t n : sizes) {
    const std::string piece = Bytes(n, seed++);
    ASSERT_TRUE(f->Append(piece).ok());
    EXPECT_EQ(ReadAll(path).size(), expect.size() % kDirectBlock == 0
                                        ? expect.size()
                                        : (expect.size() / kDirectBlock + 1) * kDirectBlock)
        << "an append alone writes nothing";
    expect += piece;
    ASSERT_TRUE(f->Sync(SyncKind::kData).ok());
    const std::string on_disk = ReadAll(path);
    ASSERT_GE(on_disk.size(), expect.size());
    EXPECT_EQ(on_disk.size() % kDirectBlock, 0u) << "whole blocks while open";
    EXPECT_EQ(on_disk.substr(0, expect.size()), expect) << "after " << n << " bytes";
    EXPECT_EQ(on_disk.substr(expect.size()), std::string(on_disk.size() - expect.size(), '\0'))
        << "the last block is zero-padded (reads as the end of the log)";
  }
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(ReadAll(path), expect) << "closing trims the padding";
}

// AppendFilled (the WAL encoding a request straight into the staging buffer) stages the same
// bytes as Append, interleaved with it, at any alignment.
TEST(DirectLogFileTest, AppendFilledStagesTheBytesItsFillWrites) {
  ScratchDir dir;
  const std::string path = dir.Sub("log");
  auto f = OpenOrSkip(path);
  if (f == nullptr) GTEST_SKIP() << "no O_DIRECT on this file system";
  std::string expect;
  uint32_t seed = 40;
  for (size_t n : {size_t{25}, size_t{4096}, size_t{0}, size_t{70001}, size_t{3}}) {
    const std::string filled = Bytes(n, seed++), appended = Bytes(n / 2 + 1, seed++);
    ASSERT_TRUE(f->AppendFilled(n, [&](char* out) {
                   if (n > 0) std::memcpy(out, filled.data(), n);
                 }).ok());
    ASSERT_TRUE(f->Append(appended).ok());
    expect += filled + appended;
    if (n != 0) {
      ASSERT_TRUE(f->Sync(SyncKind::kData).ok());
    }
  }
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(ReadAll(path), expect);
}

TEST(DirectLogFileTest, SeveralAppendsBetweenSyncsAndEmptySyncs) {
  ScratchDir dir;
  const std::string path = dir.Sub("log");
  auto f = OpenOrSkip(path);
  if (f == nullptr) GTEST_SKIP() << "no O_DIRECT on this file system";
  std::string expect;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < round % 4; ++i) {
      const std::string piece = Bytes(37 * round + i * 1001, round * 7 + i);
      ASSERT_TRUE(f->Append(piece).ok());
      expect += piece;
    }
    ASSERT_TRUE(f->Sync(round % 2 ? SyncKind::kFull : SyncKind::kData).ok());
  }
  f.reset();  // the destructor keeps the padding: zeros after the last byte, to the block
  const std::string on_disk = ReadAll(path);
  ASSERT_EQ(on_disk.size(), (expect.size() + kDirectBlock - 1) / kDirectBlock * kDirectBlock);
  EXPECT_EQ(on_disk.substr(0, expect.size()), expect);
  EXPECT_EQ(on_disk.substr(expect.size()), std::string(on_disk.size() - expect.size(), '\0'));
}

// The WAL's writer appends while its syncer thread syncs: every byte lands once, in order.
TEST(DirectLogFileTest, AppendsConcurrentWithSyncsLandInOrder) {
  ScratchDir dir;
  const std::string path = dir.Sub("log");
  auto f = OpenOrSkip(path);
  if (f == nullptr) GTEST_SKIP() << "no O_DIRECT on this file system";
  std::atomic<bool> done{false};
  std::thread syncer([&] {
    while (!done.load()) ASSERT_TRUE(f->Sync(SyncKind::kData).ok());
  });
  std::string expect;
  for (int i = 0; i < 2000; ++i) {
    const std::string piece = Bytes(1 + (i * 7919) % 9000, i);
    ASSERT_TRUE(f->Append(piece).ok());
    expect += piece;
  }
  done = true;
  syncer.join();
  ASSERT_TRUE(f->Sync(SyncKind::kData).ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(ReadAll(path), expect);
}

TEST(DirectLogFileTest, OpenTruncatesAnOldFile) {
  ScratchDir dir;
  const std::string path = dir.Sub("log");
  ASSERT_TRUE(WriteFileAtomically(DefaultFileSystem(), path, std::string(10000, 'x')).ok());
  auto f = OpenOrSkip(path);
  if (f == nullptr) GTEST_SKIP() << "no O_DIRECT on this file system";
  EXPECT_EQ(ReadAll(path), "");
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(ReadAll(path), "abc");
}

// The default file system hands the WAL a direct file where O_DIRECT works, and one that
// keeps the same contract either way.
TEST(DirectLogFileTest, FileSystemLogFileKeepsTheContract) {
  ScratchDir dir;
  const std::string path = dir.Sub("log");
  auto f = DefaultFileSystem()->NewLogFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append("header").ok());
  ASSERT_TRUE((*f)->Append(Bytes(5000, 3)).ok());
  ASSERT_TRUE((*f)->Sync(SyncKind::kData).ok());
  EXPECT_EQ(ReadAll(path).substr(0, 6), "header");
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(ReadAll(path).size(), 5006u);
}

// A write that fails (a full disk) is never followed by a Sync that reports success, even
// once space is back: the failed write's bytes are gone, so the file stays failed and the WAL
// moves to a fresh segment. Regression: the staged bytes were dropped and a second Sync (the
// rotation's, racing the syncer's) found nothing staged and returned OK.
TEST(DirectLogFileTest, AFailedWriteIsStickyEvenOnceSpaceIsBack) {
  if (!test::CanMount()) GTEST_SKIP() << "mounting a tmpfs needs root";
  ScratchDir dir;
  test::Tmpfs disk(dir.Sub("disk"), 1 << 20);
  ASSERT_TRUE(disk.ok()) << disk.error();
  auto f = OpenOrSkip(disk.dir() + "/log");
  if (f == nullptr) GTEST_SKIP() << "no O_DIRECT on tmpfs here";
  ASSERT_TRUE(f->Append(Bytes(10000, 1)).ok());
  ASSERT_TRUE(f->Sync(SyncKind::kData).ok());
  disk.Fill(0);
  ASSERT_TRUE(f->Append(Bytes(300000, 2)).ok());
  const Status failed = f->Sync(SyncKind::kData);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), StatusCode::kNoSpace) << failed.ToString();
  disk.Free();
  const Status again = f->Sync(SyncKind::kData);
  EXPECT_FALSE(again.ok()) << "nothing new staged, yet the lost bytes were never written";
  EXPECT_EQ(again.message(), failed.message());
  EXPECT_FALSE(f->Append("more").ok());
  EXPECT_FALSE(f->Close().ok());
}

}  // namespace
}  // namespace arc
