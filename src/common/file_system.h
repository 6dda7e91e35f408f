// FileSystem: every WAL and storage file access goes through this interface so that tests can
// inject faults (drop unsynced bytes, EIO on fsync, ENOSPC). PosixFileSystem is the real one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace arc {

enum class SyncKind { kData, kFull };  // fdatasync, fsync

// A file open for appending. Not thread-safe: one owner appends and syncs.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Hands `data` to the OS. Returns OK once all bytes are written (not yet durable).
  virtual Status Append(std::string_view data) = 0;
  // Appends `size` bytes that `fill` writes, given memory for exactly that many, so a file
  // that stages its appends (DirectLogFile) takes them without a copy. `fill` must write every
  // byte and must not throw. The default fills a temporary buffer and calls Append.
  using Fill = std::function<void(char*)>;
  virtual Status AppendFilled(size_t size, const Fill& fill);
  // Makes every byte appended so far durable (kData: fdatasync, kFull: fsync).
  virtual Status Sync(SyncKind kind) = 0;
  virtual Status Close() = 0;
};

// The read-only bytes of a whole file, mapped or owned; valid while this object lives.
class FileContents {
 public:
  virtual ~FileContents() = default;
  virtual std::string_view data() const = 0;
};

// Owns `bytes` as FileContents (tests, and file systems that cannot map).
std::unique_ptr<FileContents> OwnedFileContents(std::string bytes);

// An exclusive lock on a file, held until this object is destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

// See FileSystem::OpenFileSystemSync. Not thread-safe: callers serialize Sync.
class FileSystemSync {
 public:
  virtual ~FileSystemSync() = default;
  virtual Status Sync() = 0;
};

struct DirEntry {
  std::string name;
  bool is_dir = false;       // a directory, or a symbolic link to one
  bool is_symlink = false;   // the entry itself is a symbolic link
  uint64_t size = 0;
  int64_t mtime_sec = 0;
};

// Thread-safe: all methods may be called concurrently.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates (or truncates, when `truncate`) `path` for appending; a new file gets `mode`
  // (less the umask).
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                bool truncate, int mode = 0644) = 0;
  // Creates (truncating) a write-ahead log file: Append only stages bytes in memory and Sync
  // writes them, around the page cache where the file system allows (DirectLogFile; nothing
  // appended reaches the file before a Sync). Default: NewWritableFile, whose appends reach
  // the OS at once, which keeps that contract too.
  virtual Result<std::unique_ptr<WritableFile>> NewLogFile(const std::string& path);
  // Opens the existing file `path` as a log file (as NewLogFile) written again from offset 0,
  // without truncating it: overwriting blocks the file already has makes a sync write no
  // metadata. Bytes beyond what is written stay. NotFound when `path` does not exist.
  // Default: NewLogFile on an existing file (truncating, which the contract allows).
  virtual Result<std::unique_ptr<WritableFile>> ReuseLogFile(const std::string& path);
  // chmod: tightens who may read a secret (the token file and its folder).
  virtual Status SetPermissions(const std::string& path, int mode) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // The whole file for a large sequential read (WAL replay), mapped where the file system
  // can (no copy, no zero-fill); the file must not shrink meanwhile. Default: ReadFile.
  virtual Result<std::unique_ptr<FileContents>> ReadWholeFile(const std::string& path);
  // Opens an existing file written by someone else (DuckDB) and fsyncs it.
  virtual Status SyncFile(const std::string& path) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  // A handle on the file system holding `path` whose Sync makes everything written to it
  // durable, files and names (syncfs(2) on a descriptor kept open): one call instead of an
  // fsync per file when many small files are published. Its Sync reports every write-back
  // error of that file system since the handle was opened, whoever else saw it first.
  virtual Result<std::unique_ptr<FileSystemSync>> OpenFileSystemSync(const std::string& path) = 0;
  // Atomic replace within one file system. The caller syncs the directory.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // mkdir -p; with `sync`, syncs each directory it creates and its parent (without, the
  // caller makes them durable, e.g. with SyncFileSystem).
  virtual Status CreateDirs(const std::string& path, bool sync = true) = 0;
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& dir) = 0;
  virtual bool Exists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created when missing) for the life of the returned
  // object and writes the caller's pid into it. Unavailable, naming the holder's pid, while
  // another process or another lock object holds it. The directory must exist.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// The process-wide real file system (never null, never freed).
FileSystem* DefaultFileSystem();

// Writes `contents` durably at `path`: temp file (created with `mode`), fsync, rename,
// directory fsync.
Status WriteFileAtomically(FileSystem* fs, const std::string& path, std::string_view contents,
                           int mode = 0644);

// Returns the directory part of `path` ("." when there is none).
std::string DirName(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace arc
