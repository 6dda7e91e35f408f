#include "util/server_process.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "util/http_client.h"
#include "util/test_util.h"

namespace arc::test {

std::string ArcBinary() {
  const char* b = std::getenv("ARC_BINARY");
  char resolved[PATH_MAX];
  const char* path = b ? b : "./arc";
  return ::realpath(path, resolved) ? resolved : path;  // the child changes directory
}

ServerProcess::ServerProcess(std::string workdir, std::string config_toml,
                             std::map<std::string, std::string> env)
    : workdir_(std::move(workdir)), config_(std::move(config_toml)), env_(std::move(env)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

std::string ServerProcess::Log() const {
  std::ifstream f(workdir_ + "/arc.log");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t ServerProcess::Spawn() {
  WriteTextFile(workdir_ + "/arc.conf", config_);
  const std::string binary = ArcBinary();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child.
  if (::chdir(workdir_.c_str()) != 0) _exit(127);
  std::FILE* log = std::fopen("arc.log", "a");
  if (log == nullptr) _exit(127);
  ::dup2(fileno(log), 1);
  ::dup2(fileno(log), 2);
  if (file_limit_ > 0) {
    const rlimit rl{static_cast<rlim_t>(file_limit_), static_cast<rlim_t>(file_limit_)};
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(127);
  }
  ::setenv("ARC_SERVER_HOST", "127.0.0.1", 1);
  ::setenv("ARC_SERVER_PORT", "0", 1);
  for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
  ::execl(binary.c_str(), binary.c_str(), "--config", "arc.conf", static_cast<char*>(nullptr));
  _exit(127);
}

bool ServerProcess::Start() {
  const size_t log_start = Log().size();  // the log is appended across restarts
  pid_ = Spawn();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (port_ == 0) {
      const std::string log = Log().substr(log_start);
      const std::string marker = "listening on 127.0.0.1:";
      const size_t pos = log.rfind(marker);
      if (pos != std::string::npos) port_ = std::atoi(log.c_str() + pos + marker.size());
    }
    if (port_ != 0) {
      HttpClient c(port_);
      if (!tls_ca_.empty()) c.UseTls(tls_ca_);
      if (c.Get("/ready").status == 200) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int ServerProcess::WaitExit(int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      port_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return -1;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return WaitExit(120);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  port_ = 0;
}

int ServerProcess::RunToExit(int timeout_seconds) {
  pid_ = Spawn();
  return WaitExit(timeout_seconds);
}

}  // namespace arc::test
