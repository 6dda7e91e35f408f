#include "storage/local_storage.h"

#include <unistd.h>

#include <set>

#include "common/logging.h"

namespace arc {

LocalStorage::LocalStorage(FileSystem* fs, std::string root)
    : fs_(fs), root_(std::move(root)), tmp_dir_(JoinPath(root_, ".tmp")) {}

Status LocalStorage::Open() {
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(tmp_dir_));
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> leftovers, fs_->ListDir(tmp_dir_));
  for (const DirEntry& e : leftovers) {
    if (!e.is_dir) (void)fs_->Remove(JoinPath(tmp_dir_, e.name));  // crash debris, never published
  }
  std::lock_guard<std::mutex> lock(sync_mu_);
  ARC_ASSIGN_OR_RETURN(fs_sync_, fs_->OpenFileSystemSync(root_));
  return Status::OK();
}

uint64_t LocalStorage::Epoch() {
  std::lock_guard<std::mutex> lock(sync_mu_);
  return error_epoch_;
}

std::string LocalStorage::NewTempPath() {
  std::string path = JoinPath(tmp_dir_, std::to_string(::getpid()) + "-" + std::to_string(counter_++) +
                                            ".parquet.tmp");
  // Any syncfs error from now on may concern this file's data: Stage checks against it.
  const uint64_t epoch = Epoch();
  std::lock_guard<std::mutex> lock(sync_mu_);
  temp_epoch_[path] = epoch;
  return path;
}

Status LocalStorage::Commit(const std::string& temp_path, const std::string& relative_path,
                            uint64_t* bytes) {
  const std::string final_path = JoinPath(root_, relative_path);
  const std::string dir = DirName(final_path);
  ARC_ASSIGN_OR_RETURN(*bytes, fs_->FileSize(temp_path));
  ARC_RETURN_IF_ERROR(fs_->SyncFile(temp_path));
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir));
  ARC_RETURN_IF_ERROR(fs_->Rename(temp_path, final_path));
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    temp_epoch_.erase(temp_path);
  }
  return fs_->SyncDir(dir);
}

Status LocalStorage::SyncAll(uint64_t epoch) {
  std::lock_guard<std::mutex> lock(sync_mu_);
  if (fs_sync_ == nullptr) return Status::Internal("local storage is not open");
  Status st = fs_sync_->Sync();
  if (!st.ok()) ++error_epoch_;
  if (st.ok() && error_epoch_ != epoch) {
    return Status::IOError("a write-back error was reported since these files were written");
  }
  return st;
}

Status LocalStorage::Stage(std::vector<DataFile>* files) {
  uint64_t epoch = UINT64_MAX;
  for (DataFile& f : *files) {
    Result<uint64_t> size = fs_->FileSize(f.temp_path);
    if (!size.ok()) return Withdraw(files, size.status());
    f.bytes = *size;
    std::lock_guard<std::mutex> lock(sync_mu_);
    auto it = temp_epoch_.find(f.temp_path);
    epoch = std::min(epoch, it != temp_epoch_.end() ? it->second : 0);
  }
  Status st;
  if (files->size() >= kBatchFiles) {
    st = SyncAll(epoch);
  } else {
    // An fsync on the file itself sees that file's write-back errors, whoever wrote it.
    for (const DataFile& f : *files) {
      if (st.ok()) st = fs_->SyncFile(f.temp_path);
    }
  }
  if (!st.ok()) return Withdraw(files, st);
  for (DataFile& f : *files) {
    f.staged = true;
    f.sync_epoch = epoch;
  }
  return Status::OK();
}

// Renames only (plus mkdir for a new hour): this is the step a query may be waiting on.
Status LocalStorage::Expose(std::vector<DataFile>* files) {
  const bool batch = files->size() >= kBatchFiles;
  for (DataFile& f : *files) {
    const std::string final_path = JoinPath(root_, f.relative_path);
    // A few files: new directories are synced now; many: the one syncfs of Seal covers them.
    Status st = fs_->CreateDirs(DirName(final_path), /*sync=*/!batch);
    if (st.ok()) st = fs_->Rename(f.temp_path, final_path);
    if (!st.ok()) return Withdraw(files, st);
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      temp_epoch_.erase(f.temp_path);
    }
    f.temp_path.clear();
    f.exposed = true;
  }
  return Status::OK();
}

Status LocalStorage::Seal(std::vector<DataFile>* files) {
  Status st;
  if (files->size() >= kBatchFiles) {
    uint64_t epoch = UINT64_MAX;
    for (const DataFile& f : *files) epoch = std::min(epoch, f.sync_epoch);
    st = SyncAll(epoch);
  } else {
    std::set<std::string> dirs;
    for (const DataFile& f : *files) dirs.insert(DirName(JoinPath(root_, f.relative_path)));
    for (const std::string& dir : dirs) {
      if (st.ok()) st = fs_->SyncDir(dir);
    }
  }
  if (!st.ok()) return Withdraw(files, st);
  return Status::OK();
}

void LocalStorage::Discard(const std::string& temp_path) {
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    temp_epoch_.erase(temp_path);
  }
  Status st = fs_->Remove(temp_path);
  if (!st.ok() && st.code() != StatusCode::kNotFound) {
    LOG_WARN("could not remove temp file " << temp_path << ": " << st.ToString());
  }
}

Result<std::vector<std::string>> LocalStorage::List(const std::string& relative_dir) {
  Result<std::vector<DirEntry>> entries = fs_->ListDir(JoinPath(root_, relative_dir));
  if (!entries.ok()) {
    if (entries.status().code() == StatusCode::kNotFound) return std::vector<std::string>{};
    return entries.status();
  }
  std::vector<std::string> names;
  for (const DirEntry& e : *entries) {
    if (!e.is_dir) names.push_back(e.name);
  }
  return names;
}

Status LocalStorage::Delete(const std::string& relative_path) {
  const std::string path = JoinPath(root_, relative_path);
  ARC_RETURN_IF_ERROR(fs_->Remove(path));
  return fs_->SyncDir(DirName(path));
}

Result<bool> LocalStorage::Exists(const std::string& relative_path) {
  return fs_->Exists(JoinPath(root_, relative_path));
}

}  // namespace arc

