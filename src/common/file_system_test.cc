#include "common/file_system.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/test_util.h"

namespace arc {
namespace {

TEST(FileSystemTest, LockIsExclusiveAndNamesTheHolder) {
  test::TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  const std::string path = dir.Sub(".lock");
  auto first = fs->LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = fs->LockFile(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.status().message();
  first->reset();
  EXPECT_TRUE(fs->LockFile(path).ok()) << "released with its owner";
}

TEST(FileSystemTest, LockOfADeadProcessIsFree) {
  test::TempDir dir;
  const std::string path = dir.Sub(".lock");
  const pid_t child = ::fork();
  if (child == 0) {
    auto lock = DefaultFileSystem()->LockFile(path);
    ::_exit(lock.ok() ? 0 : 1);  // dies holding it, without running destructors
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(DefaultFileSystem()->LockFile(path).ok());
}

TEST(FileSystemTest, WriteFileAtomicallyReplacesWhole) {
  test::TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  const std::string path = dir.Sub("f");
  ASSERT_TRUE(WriteFileAtomically(fs, path, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(fs, path, "two two").ok());
  EXPECT_EQ(*fs->ReadFile(path), "two two");
  EXPECT_FALSE(fs->Exists(path + ".tmp"));
}

}  // namespace
}  // namespace arc

namespace arc {
namespace {

// ReadFile returns every byte whatever the size relative to its buffer and probe (empty,
// smaller than a probe, exactly a buffer, 3 MB), and a file that is longer than fstat said
// when the read starts (/proc files report size 0).
TEST(FileSystemReadTest, ReadsEveryByteOfEverySize) {
  test::TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{65536}, size_t{65537},
                      size_t{3} << 20}) {
    std::string content(size, '\0');
    for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>(i * 131 + size);
    const std::string path = dir.path() + "/f" + std::to_string(size);
    ASSERT_TRUE(WriteFileAtomically(fs, path, content).ok());
    Result<std::string> got = fs->ReadFile(path);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, content) << size;
  }
  Result<std::string> proc = fs->ReadFile("/proc/self/status");
  ASSERT_TRUE(proc.ok());
  EXPECT_NE(proc->find("VmRSS"), std::string::npos) << "a size-0 file read to its end";
}

}  // namespace
}  // namespace arc
