// DirectLogFile: an append-only log file written around the page cache (O_DIRECT). Appends are
// staged in memory; Sync writes everything staged in one aligned write, then syncs. Written
// for the WAL's group commit: the kernel neither copies the bytes into the page cache nor
// writes them back page by page at fdatasync (about half the CPU per byte; docs/wal-format.md,
// "Writing").
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/file_system.h"

namespace arc {

// Block size for offsets, lengths and memory: the largest logical block size in use (4Kn
// disks), so every device that takes O_DIRECT takes it.
inline constexpr size_t kDirectBlock = 4096;

// A block-aligned, growable byte buffer (O_DIRECT needs aligned memory). Not thread-safe.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  void Append(std::string_view bytes);
  // Grows size() by `n` and returns the first of those bytes (uninitialized) to write.
  char* Extend(size_t n);
  // Zeroes the bytes from size() to the next block boundary (capacity permitting) and returns
  // that boundary.
  size_t PadToBlock();
  void Clear() { size_ = 0; }
  // Drops the memory when more than `keep` bytes are held (after a burst).
  void ShrinkTo(size_t keep);

 private:
  struct Free {
    void operator()(char* p) const;
  };
  void Reserve(size_t bytes);

  std::unique_ptr<char, Free> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

class DirectLogFile final : public WritableFile {
 public:
  // Creates (truncating) `path` for O_DIRECT writes. Returns nullptr with OK when the file
  // system refuses O_DIRECT at open (the caller writes through the page cache instead); when
  // it accepts the flag but refuses an aligned write, the file drops O_DIRECT at that write.
  // With `truncate` false the file must exist (NotFound otherwise) and keeps its blocks: the
  // writes overwrite it from offset 0 (docs/wal-format.md, "Reusing segment files").
  static Result<std::unique_ptr<WritableFile>> Open(const std::string& path, int mode,
                                                    bool truncate = true);
  DirectLogFile(std::string path, int fd);
  ~DirectLogFile() override;  // closes; the zero padding of the last block stays (harmless)

  // Copies `data` into memory; nothing reaches the file before Sync (a kill -9 loses what no
  // Sync wrote, which the WAL never acknowledged). Thread-safe. After a failed Sync: its error.
  Status Append(std::string_view data) override;
  // As Append, with `fill` writing the bytes straight into the staging buffer (under the
  // staging lock: keep it to a copy's length). Thread-safe.
  Status AppendFilled(size_t size, const Fill& fill) override;
  // Writes every byte appended before the call (the last partial block rewritten, zero-padded
  // to the block), then fdatasync (kData) or fsync (kFull). Thread-safe; calls run one at a
  // time. A failure is sticky: every later Sync, Append and Close returns it (the bytes it
  // dropped are never reported durable; the WAL abandons the file).
  Status Sync(SyncKind kind) override;
  // Syncs what is staged, trims the padding and closes. Not concurrent with Sync.
  Status Close() override;

 private:
  Status SyncLocked(SyncKind kind);  // io_mu_ held
  Status WriteStaged();              // io_mu_ held
  Status WriteAt(const char* data, size_t size, size_t offset);
  void Fail(const Status& why);  // io_mu_ held

  const std::string path_;
  std::mutex io_mu_;           // one Sync at a time: writes stay in order, failures are seen
  int fd_;                     // io_mu_
  bool direct_ = true;         // io_mu_: false once the file system refused an aligned write
  std::mutex stage_mu_;        // staging_, staging_offset_, carried_
  Status failed_;              // written under both locks, read under either
  AlignedBuffer staging_;      // file bytes from staging_offset_ on, not yet written
  size_t staging_offset_ = 0;  // block-aligned file offset of staging_'s first byte
  size_t carried_ = 0;         // leading bytes of staging_ already written (a partial block)
  AlignedBuffer writing_;      // io_mu_: the buffer being written
  size_t written_end_ = 0;     // io_mu_: logical end of what reached the file
};

}  // namespace arc
