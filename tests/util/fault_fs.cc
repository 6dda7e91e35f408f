#include "util/fault_fs.h"

#include <thread>

namespace arc::test {
namespace {

class FaultFile final : public WritableFile {
 public:
  FaultFile(FaultFileSystem* fs, std::shared_ptr<FaultFileSystem::Node> node)
      : fs_(fs), node_(std::move(node)) {}
  Status Append(std::string_view data) override { return fs_->AppendTo(node_, data); }
  Status Sync(SyncKind kind) override { return fs_->SyncNode(node_, kind); }
  Status Close() override { return Status::OK(); }

 private:
  FaultFileSystem* fs_;
  std::shared_ptr<FaultFileSystem::Node> node_;
};

// Writes from offset 0 over what the file holds (ReuseLogFile).
class OverwriteFile final : public WritableFile {
 public:
  OverwriteFile(FaultFileSystem* fs, std::shared_ptr<FaultFileSystem::Node> node)
      : fs_(fs), node_(std::move(node)) {}
  Status Append(std::string_view data) override {
    ARC_RETURN_IF_ERROR(fs_->WriteAt(node_, offset_, data));
    offset_ += data.size();
    return Status::OK();
  }
  Status Sync(SyncKind kind) override { return fs_->SyncNode(node_, kind); }
  Status Close() override { return Status::OK(); }

 private:
  FaultFileSystem* fs_;
  std::shared_ptr<FaultFileSystem::Node> node_;
  uint64_t offset_ = 0;
};

// The WAL's log file contract (DirectLogFile) over any file: appends stay in memory until a
// Sync writes them; a failed Sync is sticky.
class StagedFile final : public WritableFile {
 public:
  explicit StagedFile(std::unique_ptr<WritableFile> inner) : inner_(std::move(inner)) {}
  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.ok()) return failed_;
    staged_.append(data);
    return Status::OK();
  }
  // Like DirectLogFile, appends are not blocked while a sync is in flight (group commit lines
  // them up behind it); syncs run one at a time so the bytes stay in order.
  Status Sync(SyncKind kind) override {
    std::lock_guard<std::mutex> io(io_mu_);
    std::string batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!failed_.ok()) return failed_;
      batch.swap(staged_);
    }
    Status st = batch.empty() ? Status::OK() : inner_->Append(batch);
    if (st.ok()) st = inner_->Sync(kind);
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      failed_ = st;
    }
    return st;
  }
  Status Close() override { return Sync(SyncKind::kData); }

 private:
  const std::unique_ptr<WritableFile> inner_;
  std::mutex io_mu_;  // one Sync at a time
  std::mutex mu_;     // staged_, failed_
  std::string staged_;
  Status failed_;
};

}  // namespace

Result<std::unique_ptr<WritableFile>> FaultFileSystem::NewLogFile(const std::string& path) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, NewWritableFile(path, true));
  return std::unique_ptr<WritableFile>(std::make_unique<StagedFile>(std::move(file)));
}

Result<std::unique_ptr<WritableFile>> FaultFileSystem::ReuseLogFile(const std::string& path) {
  std::shared_ptr<Node> node;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ARC_RETURN_IF_ERROR(CheckFrozen());
    auto it = live_.find(path);
    if (it == live_.end()) return Status::NotFound(path);
    node = it->second;
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<StagedFile>(std::make_unique<OverwriteFile>(this, std::move(node))));
}

Status FaultFileSystem::CheckFrozen() {
  if (ops_until_freeze_ == 0) return Status::IOError("file system frozen (simulated crash)");
  if (ops_until_freeze_ > 0) --ops_until_freeze_;
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultFileSystem::NewWritableFile(const std::string& path,
                                                                       bool truncate, int) {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  if (!dirs_.count(DirName(path))) return Status::IOError("no directory for " + path);
  auto& node = live_[path];
  if (!node)
    node = std::make_shared<Node>();
  else if (truncate)
    node->data.clear();
  return std::unique_ptr<WritableFile>(std::make_unique<FaultFile>(this, node));
}

Status FaultFileSystem::AppendTo(const std::shared_ptr<Node>& node, std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  ++appends;
  const uint64_t used = UsedLocked();
  if (used + data.size() > space_limit_) {
    node->data.append(data.substr(0, space_limit_ > used ? space_limit_ - used : 0));
    return Status::NoSpace("append: No space left on device (injected)");
  }
  node->data.append(data);
  return Status::OK();
}

Status FaultFileSystem::WriteAt(const std::shared_ptr<Node>& node, uint64_t offset,
                                std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  ++appends;
  const uint64_t end = offset + data.size();
  if (end > node->data.size()) {
    if (UsedLocked() + (end - node->data.size()) > space_limit_) {
      return Status::NoSpace("write: No space left on device (injected)");
    }
    node->data.resize(end);
  }
  node->data.replace(offset, data.size(), data);
  return Status::OK();
}

void FaultFileSystem::HoldSyncs() {
  std::lock_guard<std::mutex> lock(gate_mu_);
  hold_syncs_ = true;
}

void FaultFileSystem::ReleaseSyncs() {
  {
    std::lock_guard<std::mutex> lock(gate_mu_);
    hold_syncs_ = false;
  }
  gate_cv_.notify_all();
}

int FaultFileSystem::syncs_waiting() {
  std::lock_guard<std::mutex> lock(gate_mu_);
  return syncs_waiting_;
}

Status FaultFileSystem::SyncNode(const std::shared_ptr<Node>& node, SyncKind kind) {
  {
    std::unique_lock<std::mutex> gate(gate_mu_);
    ++syncs_waiting_;
    gate_cv_.wait(gate, [this] { return !hold_syncs_; });
    --syncs_waiting_;
  }
  if (sync_delay_.count() > 0) std::this_thread::sleep_for(sync_delay_);
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  if (fail_syncs_ != 0) {
    if (fail_syncs_ > 0) --fail_syncs_;
    return Status::IOError("fsync: Input/output error (injected)");
  }
  (kind == SyncKind::kData ? data_syncs : full_syncs)++;
  node->durable = node->data;
  return Status::OK();
}

Result<std::string> FaultFileSystem::ReadFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return Status::NotFound(path);
  return it->second->data;
}

Status FaultFileSystem::SyncFile(const std::string& path) {
  std::shared_ptr<Node> node;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(path);
    if (it == live_.end()) return Status::NotFound(path);
    node = it->second;
  }
  return SyncNode(node, SyncKind::kFull);
}

Status FaultFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  ++dir_syncs;
  for (auto it = durable_.begin(); it != durable_.end();) {
    if (DirName(it->first) == dir && !live_.count(it->first))
      it = durable_.erase(it);
    else
      ++it;
  }
  for (const auto& [path, node] : live_) {
    if (DirName(path) == dir) durable_[path] = node;
  }
  return Status::OK();
}

Status FaultFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  auto it = live_.find(from);
  if (it == live_.end()) return Status::NotFound(from);
  live_[to] = it->second;
  live_.erase(from);
  return Status::OK();
}

Status FaultFileSystem::Remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  if (live_.erase(path) == 0) return Status::NotFound(path);
  return Status::OK();
}

Result<std::unique_ptr<FileSystemSync>> FaultFileSystem::OpenFileSystemSync(const std::string&) {
  class Handle final : public FileSystemSync {
   public:
    explicit Handle(FaultFileSystem* fs) : fs_(fs) {}
    Status Sync() override { return fs_->SyncEverything(); }

   private:
    FaultFileSystem* fs_;
  };
  return std::unique_ptr<FileSystemSync>(std::make_unique<Handle>(this));
}

Status FaultFileSystem::SyncEverything() {
  std::lock_guard<std::mutex> lock(mu_);
  ARC_RETURN_IF_ERROR(CheckFrozen());
  if (fail_syncs_ != 0) {
    if (fail_syncs_ > 0) --fail_syncs_;
    return Status::IOError("syncfs: Input/output error (injected)");
  }
  for (auto& [path, node] : live_) node->durable = node->data;
  durable_ = live_;
  return Status::OK();
}

Status FaultFileSystem::CreateDirs(const std::string& path, bool) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string p = path; !p.empty() && p != "." && p != "/"; p = DirName(p)) dirs_.insert(p);
  return Status::OK();
}

Result<std::vector<DirEntry>> FaultFileSystem::ListDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirs_.count(dir)) return Status::NotFound(dir);
  std::vector<DirEntry> out;
  for (const auto& [path, node] : live_) {
    if (DirName(path) == dir)
      out.push_back({path.substr(dir.size() + 1), false, false, node->data.size(), 0});
  }
  return out;
}

bool FaultFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.count(path) > 0 || dirs_.count(path) > 0;
}

Result<uint64_t> FaultFileSystem::FileSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return Status::NotFound(path);
  return static_cast<uint64_t>(it->second->data.size());
}

Result<std::unique_ptr<FileLock>> FaultFileSystem::LockFile(const std::string& path) {
  class Lock final : public FileLock {
   public:
    Lock(FaultFileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
    ~Lock() override {
      std::lock_guard<std::mutex> lock(fs_->mu_);
      fs_->locked_.erase(path_);
    }

   private:
    FaultFileSystem* fs_;
    std::string path_;
  };
  std::lock_guard<std::mutex> lock(mu_);
  if (!locked_.insert(path).second)
    return Status::Unavailable(path + " is locked by another process");
  return std::unique_ptr<FileLock>(std::make_unique<Lock>(this, path));
}

void FaultFileSystem::Crash(std::mt19937* rng) {
  std::lock_guard<std::mutex> lock(mu_);
  live_ = durable_;
  for (auto& [path, node] : live_) {
    std::string kept = node->durable;
    const bool appended =
        node->data.size() > kept.size() && node->data.compare(0, kept.size(), kept) == 0;
    if (rng != nullptr && appended) {
      std::uniform_int_distribution<size_t> dist(0, node->data.size() - kept.size());
      kept = node->data.substr(0, kept.size() + dist(*rng));
    }
    node->data = kept;
    node->durable = kept;
  }
  ops_until_freeze_ = -1;
  fail_syncs_ = 0;
}

uint64_t FaultFileSystem::UsedBytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return UsedLocked();
}

uint64_t FaultFileSystem::UsedLocked() const {
  uint64_t used = 0;
  for (const auto& [p, n] : live_) used += n->data.size();
  return used;
}

void FaultFileSystem::Corrupt(const std::string& path, size_t offset, char mask) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& n = live_.at(path);
  n->data[offset] ^= mask;
  n->durable = n->data;
}

void FaultFileSystem::Truncate(const std::string& path, size_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& n = live_.at(path);
  n->data.resize(size);
  n->durable = n->data;
}

void FaultFileSystem::WriteRaw(const std::string& path, const std::string& data) {
  std::lock_guard<std::mutex> lock(mu_);
  dirs_.insert(DirName(path));
  auto node = std::make_shared<Node>();
  node->data = node->durable = data;
  live_[path] = durable_[path] = node;
}

std::string FaultFileSystem::DurableContent(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = durable_.find(path);
  return it == durable_.end() ? "" : it->second->durable;
}

}  // namespace arc::test
