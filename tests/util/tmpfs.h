// Tmpfs: a small real file system made by the test (mount -t tmpfs), for full-disk cases
// through the real server. Needs root (CAP_SYS_ADMIN); Mount() says why when it cannot.
#pragma once

#include <cstdint>
#include <string>

namespace arc::test {

class Tmpfs {
 public:
  // Mounts a tmpfs of `bytes` at `dir` (created). Check ok() / error().
  Tmpfs(std::string dir, uint64_t bytes);
  ~Tmpfs();  // unmounts (lazily, so a server still holding files cannot block it)
  bool ok() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  // Fills the file system with a ballast file until at most `leave` bytes are free.
  void Fill(uint64_t leave);
  // Removes the ballast.
  void Free();
  uint64_t FreeBytes() const;

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// True when this process may mount file systems (root).
bool CanMount();

}  // namespace arc::test
