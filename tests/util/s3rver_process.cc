#include "util/s3rver_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "util/test_util.h"

namespace arc::test {
namespace {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

S3rverProcess::S3rverProcess(std::string directory, std::string bucket)
    : directory_(std::move(directory)), bucket_(std::move(bucket)) {}

S3rverProcess::~S3rverProcess() { Stop(); }

bool S3rverProcess::Start() {
  if (port_ == 0) port_ = FreePort();  // a restart keeps the port the server was configured with
  std::filesystem::create_directories(directory_);
  const std::string log = directory_ + "/../s3rver.log";
  pid_ = ::fork();
  if (pid_ == 0) {
    std::FILE* f = std::fopen(log.c_str(), "w");
    ::dup2(fileno(f), 1);
    ::dup2(fileno(f), 2);
    const std::string script = std::string(ARC_SOURCE_DIR) + "/tests/s3rver/start.js";
    ::execlp("node", "node", script.c_str(), std::to_string(port_).c_str(), directory_.c_str(),
             bucket_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find("ready") != std::string::npos) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void S3rverProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string S3rverProcess::Aws(const std::string& args, int* exit_code) const {
  const std::string cmd = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
                          "/usr/bin/aws --endpoint-url " + endpoint() + " " + args + " 2>&1";
  return Shell(cmd, exit_code);
}

}  // namespace arc::test
