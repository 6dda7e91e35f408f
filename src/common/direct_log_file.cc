#include "common/direct_log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

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

Result<std::unique_ptr<WritableFile>> DirectLogFile::Open(const std::string& path, int mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, mode);
  if (fd < 0) {
    if (errno == EINVAL) return std::unique_ptr<WritableFile>();  // no O_DIRECT here
    return Status::FromErrno(errno, "create " + path);
  }
  // Some file systems accept the flag and refuse the write, or want larger blocks: one block
  // of zeros proves the alignment before the log relies on it.
  auto file = std::make_unique<DirectLogFile>(path, fd);
  AlignedBuffer probe;
  probe.Append(std::string(kDirectBlock, '\0'));
  const ssize_t n = ::pwrite(fd, probe.data(), kDirectBlock, 0);
  if (n != static_cast<ssize_t>(kDirectBlock)) {
    const int err = n < 0 ? errno : EIO;
    if (err == EINVAL) {
      (void)::unlink(path.c_str());
      return std::unique_ptr<WritableFile>();
    }
    return Status::FromErrno(err, "write " + path);
  }
  if (::ftruncate(fd, 0) != 0) return Status::FromErrno(errno, "truncate " + path);
  return std::unique_ptr<WritableFile>(std::move(file));
}

DirectLogFile::DirectLogFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

// The zero padding after the logical end reads as a zero-filled tail (the end of the log), so
// trimming it is tidiness, not correctness. Everything up to written_end_ was written whole.
DirectLogFile::~DirectLogFile() {
  if (fd_ < 0) return;
  std::lock_guard<std::mutex> lock(io_mu_);
  (void)::ftruncate(fd_, static_cast<off_t>(written_end_));
  ::close(fd_);
}

Status DirectLogFile::Append(std::string_view data) {
  std::lock_guard<std::mutex> lock(stage_mu_);
  staging_.Append(data);
  return Status::OK();
}

Status DirectLogFile::Sync(SyncKind kind) {
  if (fd_ < 0) return Status::IOError("sync " + path_ + ": closed");
  ARC_RETURN_IF_ERROR(WriteStaged());
  const int rc = kind == SyncKind::kData ? ::fdatasync(fd_) : ::fsync(fd_);
  if (rc != 0) return Status::FromErrno(errno, "sync " + path_);
  return Status::OK();
}

Status DirectLogFile::Close() {
  if (fd_ < 0) return Status::OK();
  Status st = Sync(SyncKind::kData);
  std::lock_guard<std::mutex> lock(io_mu_);
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
  std::lock_guard<std::mutex> io(io_mu_);
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
      return Status::FromErrno(errno, "write " + path_);
    }
    // A short direct write ends on a block boundary (or the device failed part of it); the
    // rest is retried, and a failure then is reported.
    if (n == 0 || static_cast<size_t>(n) % kDirectBlock != 0) {
      return Status::IOError("write " + path_ + ": short direct write");
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace arc
