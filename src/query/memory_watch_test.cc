#include "query/memory_watch.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace arc {
namespace {

using std::chrono::milliseconds;

TEST(MemoryWatchTest, ResidentBytesGrowsWithTouchedMemory) {
  const uint64_t before = ResidentBytes();
  ASSERT_GT(before, 0u);
  auto block = std::make_unique<char[]>(64 << 20);
  std::memset(block.get(), 1, 64 << 20);
  EXPECT_GE(ResidentBytes(), before + (48u << 20));
  EXPECT_EQ(block[12345], 1);
}

TEST(MemoryWatchTest, BelowTheLimitNothingHappens) {
  MemoryWatch watch(ResidentBytes() + (512ull << 20), milliseconds(5));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_GT(watch.peak_bytes(), 0u);
}

// The process ends, with the watch's exit code, soon after it passes the limit.
TEST(MemoryWatchTest, EndsTheProcessPastTheLimit) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    MemoryWatch watch(ResidentBytes() + (64ull << 20), milliseconds(5));
    for (int i = 0; i < 200; ++i) {  // up to 1.6 GB, 8 MB at a time
      char* p = static_cast<char*>(std::malloc(8 << 20));
      std::memset(p, 1, 8 << 20);
      ::usleep(2000);
    }
    std::_Exit(0);  // not reached when the watch works
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), MemoryWatch::kExitCode);
}

}  // namespace
}  // namespace arc
