#include "query/worker_protocol.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace arc {
namespace {

class WorkerProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  void TearDown() override {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  int fds_[2] = {-1, -1};
};

TEST_F(WorkerProtocolTest, MessagesArriveWholeAndInOrder) {
  const std::string big(3 << 20, 'q');  // larger than a socket buffer: written while read
  std::thread writer([&] {
    EXPECT_TRUE(WriteWorkerMessage(fds_[0], WorkerMessage::kHeader, "{}").ok());
    EXPECT_TRUE(WriteWorkerMessage(fds_[0], WorkerMessage::kData, big).ok());
    EXPECT_TRUE(WriteWorkerMessage(fds_[0], WorkerMessage::kEnd, "").ok());
  });
  WorkerMessage type;
  std::string payload;
  ASSERT_TRUE(ReadWorkerMessage(fds_[1], &type, &payload, 16 << 20).ok());
  EXPECT_EQ(type, WorkerMessage::kHeader);
  EXPECT_EQ(payload, "{}");
  ASSERT_TRUE(ReadWorkerMessage(fds_[1], &type, &payload, 16 << 20).ok());
  EXPECT_EQ(type, WorkerMessage::kData);
  EXPECT_EQ(payload, big);
  ASSERT_TRUE(ReadWorkerMessage(fds_[1], &type, &payload, 16 << 20).ok());
  EXPECT_EQ(type, WorkerMessage::kEnd);
  writer.join();
}

TEST_F(WorkerProtocolTest, OversizedUnknownAndCutMessagesAreErrors) {
  WorkerMessage type;
  std::string payload;
  ASSERT_TRUE(WriteWorkerMessage(fds_[0], WorkerMessage::kData, std::string(100, 'x')).ok());
  EXPECT_FALSE(ReadWorkerMessage(fds_[1], &type, &payload, 99).ok())
      << "larger than the reader allows";
  EXPECT_LT(payload.size(), 100u) << "nothing allocated for it";

  char header[12] = {};
  const uint32_t unknown = 77;
  std::memcpy(header, &unknown, 4);
  ASSERT_EQ(::write(fds_[0], header, sizeof(header)), 12);
  EXPECT_FALSE(ReadWorkerMessage(fds_[1], &type, &payload, 1 << 20).ok());

  // A worker killed part way through a message: the reader sees EOF, not a short payload.
  const uint32_t data = static_cast<uint32_t>(WorkerMessage::kData);
  const uint64_t len = 1000;
  std::memcpy(header, &data, 4);
  std::memcpy(header + 4, &len, 8);
  ASSERT_EQ(::write(fds_[0], header, sizeof(header)), 12);
  ASSERT_EQ(::write(fds_[0], "abc", 3), 3);
  ::close(fds_[0]);
  fds_[0] = -1;
  Status st = ReadWorkerMessage(fds_[1], &type, &payload, 1 << 20);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace arc
