#include "util/tmpfs.h"

#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace arc::test {

bool CanMount() { return ::geteuid() == 0; }

Tmpfs::Tmpfs(std::string dir, uint64_t bytes) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    error_ = "mount tmpfs at " + dir_ + ": " + std::strerror(errno);
    return;
  }
  mounted_ = true;
}

Tmpfs::~Tmpfs() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

uint64_t Tmpfs::FreeBytes() const {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

void Tmpfs::Fill(uint64_t leave) {
  std::ofstream ballast(dir_ + "/.ballast", std::ios::binary | std::ios::app);
  const std::vector<char> block(64 * 1024, 'x');
  while (FreeBytes() > leave) {
    const uint64_t room = FreeBytes() - leave;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(room, block.size()));
    if (!ballast.write(block.data(), static_cast<std::streamsize>(n))) break;
    ballast.flush();
    if (n < block.size()) break;
  }
}

void Tmpfs::Free() { std::filesystem::remove(dir_ + "/.ballast"); }

}  // namespace arc::test
