#include "common/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/direct_log_file.h"
#include "common/logging.h"

namespace arc {
namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  Status Sync(SyncKind kind) override {
    const int rc = kind == SyncKind::kData ? ::fdatasync(fd_) : ::fsync(fd_);
    if (rc != 0) return Status::FromErrno(errno, "sync " + path_);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::FromErrno(errno, "close " + path_);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno(err, "fsync " + path);
  return Status::OK();
}

// flock(2) on an open descriptor: released when the descriptor closes, also when the process
// dies (kill -9 included), so a crashed server never leaves a stale lock behind.
class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }

 private:
  int fd_;
};

// syncfs(2) reports the file system's write-back errors (since Linux 5.8) to each descriptor
// once, counted from when that descriptor was opened: a descriptor opened afresh for each
// call would miss an error another caller had already seen, so this one stays open.
class OwnedContents final : public FileContents {
 public:
  explicit OwnedContents(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view data() const override { return bytes_; }

 private:
  const std::string bytes_;
};

class MappedContents final : public FileContents {
 public:
  MappedContents(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~MappedContents() override { ::munmap(addr_, size_); }
  std::string_view data() const override { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* const addr_;
  const size_t size_;
};

class PosixFileSystemSync final : public FileSystemSync {
 public:
  PosixFileSystemSync(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileSystemSync() override { ::close(fd_); }
  Status Sync() override {
    if (::syncfs(fd_) != 0) return Status::FromErrno(errno, "syncfs " + path_);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        bool truncate, int mode) override {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) return Status::FromErrno(errno, "create " + path);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
  }

  // O_DIRECT where the file system takes it; through the page cache where it does not.
  Result<std::unique_ptr<WritableFile>> NewLogFile(const std::string& path) override {
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> direct, DirectLogFile::Open(path, 0644));
    if (direct != nullptr) return direct;
    static std::once_flag logged;
    std::call_once(logged, [&] {
      LOG_INFO("the file system of " << path << " refuses O_DIRECT: the WAL writes through the "
                                        "page cache");
    });
    return NewWritableFile(path, true, 0644);
  }

  // Without O_DIRECT the reuse would gain nothing (the page cache writes back whole pages and
  // their metadata anyway), so that case truncates like a new file.
  Result<std::unique_ptr<WritableFile>> ReuseLogFile(const std::string& path) override {
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> direct,
                         DirectLogFile::Open(path, 0644, /*truncate=*/false));
    if (direct != nullptr) return direct;
    if (!Exists(path)) return Status::NotFound(path);
    return NewWritableFile(path, true, 0644);
  }

  Result<std::string> ReadFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::NotFound(path);
      return Status::FromErrno(errno, "open " + path);
    }
    struct stat st {};
    std::string out;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out.resize(static_cast<size_t>(st.st_size));
    size_t used = 0;
    for (;;) {
      // A full buffer is checked for end of file with a small read on the side: growing it
      // first would copy the whole file once more (a WAL segment is up to wal.max_size_mb).
      char probe[4096];
      const bool full = used == out.size();
      const ssize_t n = full ? ::read(fd, probe, sizeof(probe)) : ::read(fd, out.data() + used, out.size() - used);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return Status::FromErrno(err, "read " + path);
      }
      if (n == 0) break;
      if (full) {  // the file grew since fstat (or fstat gave nothing)
        out.resize(used + std::max<size_t>(used / 2, 1 << 16));
        std::memcpy(out.data() + used, probe, static_cast<size_t>(n));
      }
      used += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(used);
    return out;
  }

  // Mapped and populated up front: the page cache's pages are read in place, where a read()
  // would zero-fill a buffer and copy every byte into it.
  Result<std::unique_ptr<FileContents>> ReadWholeFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::NotFound(path);
      return Status::FromErrno(errno, "open " + path);
    }
    struct stat st {};
    void* addr = MAP_FAILED;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      addr = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    }
    ::close(fd);
    if (addr == MAP_FAILED) {  // empty, special or unmappable: read it
      ARC_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
      return OwnedFileContents(std::move(bytes));
    }
    ::madvise(addr, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
    return std::unique_ptr<FileContents>(std::make_unique<MappedContents>(addr, static_cast<size_t>(st.st_size)));
  }

  Status SyncFile(const std::string& path) override { return SyncPath(path, O_RDONLY); }

  Status SetPermissions(const std::string& path, int mode) override {
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) return Status::FromErrno(errno, "chmod " + path);
    return Status::OK();
  }
  Status SyncDir(const std::string& dir) override { return SyncPath(dir, O_RDONLY | O_DIRECTORY); }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::FromErrno(errno, "rename " + from + " -> " + to);
    }
    return Status::OK();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) return Status::NotFound(path);
      return Status::FromErrno(errno, "unlink " + path);
    }
    return Status::OK();
  }

  Status CreateDirs(const std::string& path, bool sync) override {
    if (path.empty() || Exists(path)) return Status::OK();
    const std::string parent = DirName(path);
    if (parent != path) ARC_RETURN_IF_ERROR(CreateDirs(parent, sync));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::FromErrno(errno, "mkdir " + path);
    }
    if (!sync) return Status::OK();
    ARC_RETURN_IF_ERROR(SyncDir(path));
    return SyncDir(parent);
  }

  Result<std::unique_ptr<FileSystemSync>> OpenFileSystemSync(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "open " + path);
    return std::unique_ptr<FileSystemSync>(std::make_unique<PosixFileSystemSync>(path, fd));
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT) return Status::NotFound(dir);
      return Status::FromErrno(errno, "opendir " + dir);
    }
    std::vector<DirEntry> out;
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      struct stat lst {};
      const std::string path = JoinPath(dir, name);
      if (::lstat(path.c_str(), &lst) != 0) continue;  // raced with a delete
      const bool link = S_ISLNK(lst.st_mode);
      if (link && ::stat(path.c_str(), &st) != 0) st = lst;  // a dangling link
      if (!link) st = lst;
      DirEntry entry;
      entry.name = name;
      entry.is_dir = S_ISDIR(st.st_mode);
      entry.is_symlink = link;
      entry.size = static_cast<uint64_t>(st.st_size);
      entry.mtime_sec = static_cast<int64_t>(st.st_mtime);
      out.push_back(std::move(entry));
    }
    ::closedir(d);
    return out;
  }

  bool Exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno(errno, "open lock file " + path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      char pid[32] = {0};
      const ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
      ::close(fd);
      if (err != EWOULDBLOCK) return Status::FromErrno(err, "lock " + path);
      std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return Status::Unavailable(path + " is locked by another process" +
                                 (holder.empty() ? "" : " (pid " + holder + ")"));
    }
    // Only the holder writes: the pid names it in the next contender's message.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno(err, "write lock file " + path);
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
  }
};

}  // namespace

Status WritableFile::AppendFilled(size_t size, const Fill& fill) {
  const std::unique_ptr<char[]> bytes = std::make_unique_for_overwrite<char[]>(size);
  fill(bytes.get());
  return Append(std::string_view(bytes.get(), size));
}

std::unique_ptr<FileContents> OwnedFileContents(std::string bytes) {
  return std::make_unique<OwnedContents>(std::move(bytes));
}

Result<std::unique_ptr<WritableFile>> FileSystem::NewLogFile(const std::string& path) {
  return NewWritableFile(path, true);
}

Result<std::unique_ptr<WritableFile>> FileSystem::ReuseLogFile(const std::string& path) {
  if (!Exists(path)) return Status::NotFound(path);
  return NewLogFile(path);
}

Result<std::unique_ptr<FileContents>> FileSystem::ReadWholeFile(const std::string& path) {
  ARC_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return OwnedFileContents(std::move(bytes));
}

FileSystem* DefaultFileSystem() {
  static PosixFileSystem fs;
  return &fs;
}

Status WriteFileAtomically(FileSystem* fs, const std::string& path, std::string_view contents,
                           int mode) {
  const std::string tmp = path + ".tmp";
  (void)fs->Remove(tmp);  // a leftover would keep its old mode
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->NewWritableFile(tmp, true, mode));
  ARC_RETURN_IF_ERROR(file->Append(contents));
  ARC_RETURN_IF_ERROR(file->Sync(SyncKind::kFull));
  ARC_RETURN_IF_ERROR(file->Close());
  ARC_RETURN_IF_ERROR(fs->Rename(tmp, path));
  return fs->SyncDir(DirName(path));
}

std::string DirName(const std::string& path) {
  const size_t pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

}  // namespace arc
