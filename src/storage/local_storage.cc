#include "storage/local_storage.h"

#include <unistd.h>

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
  return Status::OK();
}

std::string LocalStorage::NewTempPath() {
  return JoinPath(tmp_dir_, std::to_string(::getpid()) + "-" + std::to_string(counter_++) +
                                ".parquet.tmp");
}

Status LocalStorage::Commit(const std::string& temp_path, const std::string& relative_path,
                            uint64_t* bytes) {
  const std::string final_path = JoinPath(root_, relative_path);
  const std::string dir = DirName(final_path);
  ARC_ASSIGN_OR_RETURN(*bytes, fs_->FileSize(temp_path));
  ARC_RETURN_IF_ERROR(fs_->SyncFile(temp_path));
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir));
  ARC_RETURN_IF_ERROR(fs_->Rename(temp_path, final_path));
  return fs_->SyncDir(dir);
}

Status LocalStorage::CommitAll(std::vector<DataFile>* files) {
  if (files->size() < kBatchCommitFiles) return Storage::CommitAll(files);
  for (DataFile& f : *files) {
    Result<uint64_t> size = fs_->FileSize(f.temp_path);
    if (!size.ok()) return Withdraw(files, 0, size.status());
    f.bytes = *size;
  }
  // The data must be durable before its name is: a crash must never leave a final name
  // pointing at a file whose blocks were not written.
  Status st = fs_->SyncFileSystem(tmp_dir_);
  if (!st.ok()) return Withdraw(files, 0, st);
  for (size_t i = 0; i < files->size(); ++i) {
    DataFile& f = (*files)[i];
    const std::string final_path = JoinPath(root_, f.relative_path);
    st = fs_->CreateDirs(DirName(final_path), /*sync=*/false);
    if (st.ok()) st = fs_->Rename(f.temp_path, final_path);
    if (!st.ok()) return Withdraw(files, i, st);
    f.temp_path.clear();
  }
  st = fs_->SyncFileSystem(root_);
  if (!st.ok()) return Withdraw(files, files->size(), st);
  return Status::OK();
}

void LocalStorage::Discard(const std::string& temp_path) {
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

}  // namespace arc
