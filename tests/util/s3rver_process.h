// S3rverProcess: the S3-compatible test server (npm @20minutes/s3rver, which checks SigV4
// signatures), started on a free loopback port with one bucket. Credentials: S3RVER/S3RVER.
#pragma once

#include <sys/types.h>

#include <string>

namespace arc::test {

class S3rverProcess {
 public:
  // Data lives in `directory`; `bucket` is created at start.
  S3rverProcess(std::string directory, std::string bucket);
  ~S3rverProcess();
  bool Start();   // waits up to 30 s for "ready"
  void Stop();    // SIGKILL
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Runs Debian's aws CLI against this server; returns its stdout (and the exit code).
  std::string Aws(const std::string& args, int* exit_code = nullptr) const;

 private:
  std::string directory_, bucket_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace arc::test
