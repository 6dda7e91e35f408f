#include "common/direct_log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/logging.h"

namespace arc {
namespace {

size_t RoundUp(size_t n) { return (n + kDirectBlock - 1) / kDirectBlock * kDirectBlock; }
size_t RoundDown(size_t n) { return n / kDirectBlock * kDirectBlock; }

// Kept between syncs; a burst (a stalled disk) may grow a buffer far past this, and the
// memory is returned once the burst is written.
constexpr size_t kKeepBytes = 8u << 20;

}  // namespace

void AlignedBuffer::Free::operator()(char* p) const { std::free(p); }

void AlignedBuffer::Reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  // Doubling keeps appends amortised O(1); the block rounding leaves room for PadToBlock.
  const size_t cap = RoundUp(std::max(bytes, capacity_ * 2));
  void* p = nullptr;
  if (::posix_memalign(&p, kDirectBlock, cap) != 0) throw std::bad_alloc();
  if (size_ > 0) std::memcpy(p, data_.get(), size_);
  data_.reset(static_cast<char*>(p));
  capacity_ = cap;
}

void AlignedBuffer::Append(std::string_view bytes) {
  Reserve(size_ + bytes.size());
  if (!bytes.empty()) std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

char* AlignedBuffer::Extend(size_t n) {
  Reserve(size_ + n);
  char* const start = data_.get() + size_;
  size_ += n;
  return start;
}

size_t AlignedBuffer::PadToBlock() {
  const size_t end = RoundUp(size_);
  Reserve(end);
  std::memset(data_.get() + size_, 0, end - size_);
  return end;
}

void AlignedBuffer::ShrinkTo(size_t keep) {
  if (capacity_ <= keep) return;
  data_.reset();
  capacity_ = size_ = 0;
}

Result<std::unique_ptr<WritableFile>> DirectLogFile::Open(const std::string& path, int mode,
                                                          bool truncate) {
  const int create = truncate ? O_CREAT | O_TRUNC : 0;
  const int fd = ::open(path.c_str(), O_WRONLY | create | O_CLOEXEC | O_DIRECT, mode);
  if (fd < 0) {
    if (errno == EINVAL) return std::unique_ptr<WritableFile>();  // no O_DIRECT here
    if (errno == ENOENT && !truncate) return Status::NotFound(path);
    return Status::FromErrno(errno, (truncate ? "create " : "open ") + path);
  }
  return std::unique_ptr<WritableFile>(std::make_unique<DirectLogFile>(path, fd));
}

DirectLogFile::DirectLogFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

// No trim here: the destructor runs wherever the last reference drops (at rotation, inside the
// WAL's locks), and truncating to a partial block makes the file system read and zero it. The
// padding reads as a zero-filled tail, the end of the log.
DirectLogFile::~DirectLogFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status DirectLogFile::Append(std::string_view data) {
  std::lock_guard<std::mutex> lock(stage_mu_);
  if (!failed_.ok()) return failed_;
  staging_.Append(data);
  return Status::OK();
}

Status DirectLogFile::AppendFilled(size_t size, const Fill& fill) {
  std::lock_guard<std::mutex> lock(stage_mu_);
  if (!failed_.ok()) return failed_;
  fill(staging_.Extend(size));
  return Status::OK();
}

Status DirectLogFile::Sync(SyncKind kind) {
  std::lock_guard<std::mutex> io(io_mu_);
  return SyncLocked(kind);
}

Status DirectLogFile::SyncLocked(SyncKind kind) {
  if (!failed_.ok()) return failed_;
  if (fd_ < 0) return Status::IOError("sync " + path_ + ": closed");
  Status st = WriteStaged();
  if (st.ok()) {
    const int rc = kind == SyncKind::kData ? ::fdatasync(fd_) : ::fsync(fd_);
    if (rc != 0) st = Status::FromErrno(errno, "sync " + path_);
  }
  if (!st.ok()) Fail(st);
  return st;
}

// Sticky: the failed write's bytes left the staging buffer, and after a failed sync the kernel
// may have dropped dirty state, so a later "successful" sync of this file would prove nothing.
void DirectLogFile::Fail(const Status& why) {
  std::lock_guard<std::mutex> lock(stage_mu_);
  failed_ = why;
}

Status DirectLogFile::Close() {
  std::lock_guard<std::mutex> io(io_mu_);
  if (fd_ < 0) return Status::OK();
  Status st = SyncLocked(SyncKind::kData);
  if (st.ok() && ::ftruncate(fd_, static_cast<off_t>(written_end_)) != 0) {
    st = Status::FromErrno(errno, "truncate " + path_);
  }
  if (::close(fd_) != 0 && st.ok()) st = Status::FromErrno(errno, "close " + path_);
  fd_ = -1;
  return st;
}

// Swaps the staged bytes out under the short lock, so appends continue during the write, and
// starts the next staging buffer with the partial last block: the next write rewrites that
// block whole. Its leading bytes are rewritten with the same values, so a write torn by a
// power cut cannot change bytes an earlier sync made durable.
Status DirectLogFile::WriteStaged() {
  size_t offset = 0;
  {
    std::lock_guard<std::mutex> lock(stage_mu_);
    if (staging_.size() == carried_) return Status::OK();  // nothing new
    std::swap(staging_, writing_);
    offset = staging_offset_;
    const size_t end = writing_.size();
    const size_t full = RoundDown(end);
    staging_.Clear();
    staging_.Append(std::string_view(writing_.data() + full, end - full));
    staging_offset_ = offset + full;
    carried_ = end - full;
  }
  const size_t end = writing_.size();
  const size_t padded = writing_.PadToBlock();
  Status st = WriteAt(writing_.data(), padded, offset);
  if (st.ok()) written_end_ = offset + end;
  writing_.Clear();
  writing_.ShrinkTo(kKeepBytes);
  return st;
}

Status DirectLogFile::WriteAt(const char* data, size_t size, size_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      // The flag was accepted at open but this file system (or device) wants another
      // alignment: the same aligned bytes go through the page cache from now on.
      if (errno == EINVAL && direct_) {
        const int flags = ::fcntl(fd_, F_GETFL);
        if (flags >= 0 && ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) == 0) {
          direct_ = false;
          LOG_INFO(path_ << ": an O_DIRECT write was refused; this file is written through "
                            "the page cache");
          continue;
        }
      }
      return Status::FromErrno(errno, "write " + path_);
    }
    // A short direct write ends on a block boundary (or the device failed part of it); the
    // rest is retried, and a failure then is reported.
    if (n == 0 || (direct_ && static_cast<size_t>(n) % kDirectBlock != 0)) {
      return Status::IOError("write " + path_ + ": short direct write");
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace arc
