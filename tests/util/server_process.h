// ServerProcess: runs the real arc binary ($ARC_BINARY) for integration tests.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace arc::test {

class ServerProcess {
 public:
  // The server runs in `workdir` with `config_toml` as its arc.conf, listening on a free
  // loopback port, with `env` added to the environment.
  ServerProcess(std::string workdir, std::string config_toml,
                std::map<std::string, std::string> env = {});
  ~ServerProcess();  // kills the process if still running

  // Starts and waits (up to 60 s) for /ready to answer 200. False with the log on failure.
  bool Start();
  // SIGTERM and wait; returns the exit status (or -1).
  int Stop();
  // SIGKILL and wait.
  void Kill();
  // Runs the binary to completion (for start-up errors); returns its exit code.
  int RunToExit(int timeout_seconds = 30);
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // The RLIMIT_NOFILE the server starts with (from the next Start); 0 keeps the test's own.
  void set_file_limit(int n) { file_limit_ = n; }
  // The server speaks TLS with the certificate in `ca_file`: Start's readiness probe uses it.
  void set_tls_ca(std::string ca_file) { tls_ca_ = std::move(ca_file); }
  std::string Log() const;
  const std::string& workdir() const { return workdir_; }

 private:
  pid_t Spawn();
  int WaitExit(int timeout_seconds);

  std::string workdir_;
  std::string config_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  int port_ = 0;
  int file_limit_ = 0;
  std::string tls_ca_;
};

// The path of the arc binary under test, from $ARC_BINARY.
std::string ArcBinary();

}  // namespace arc::test
