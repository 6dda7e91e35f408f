// LocalStorage: Parquet files under a directory. A file is made durable under a temp name,
// renamed into place, and its directory synced; a set of many files (from kBatchFiles on)
// uses one syncfs for the data and one for the names instead of an fsync per file and
// directory.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/file_system.h"
#include "storage/storage.h"

namespace arc {

class LocalStorage final : public Storage {
 public:
  // `fs` must outlive this object. Temp files live in <root>/.tmp (same file system as root).
  LocalStorage(FileSystem* fs, std::string root);
  // Creates the root and temp directories, deletes temp files left by a crash and opens the
  // file-system sync handle.
  Status Open();

  std::string NewTempPath() override;
  FileSystem* temp_file_system() const override { return fs_; }
  Status Commit(const std::string& temp_path, const std::string& relative_path,
                uint64_t* bytes) override;
  Status Stage(std::vector<DataFile>* files) override;
  Status Expose(std::vector<DataFile>* files) override;
  Status Seal(std::vector<DataFile>* files) override;
  static constexpr size_t kBatchFiles = 4;
  void Discard(const std::string& temp_path) override;
  Result<std::vector<std::string>> List(const std::string& relative_dir) override;
  Status Delete(const std::string& relative_path) override;
  Result<bool> Exists(const std::string& relative_path) override;
  std::string Describe() const override { return "local:" + root_; }
  const std::string& root() const { return root_; }

 private:
  // syncfs through the kept handle. Fails when any sync since `epoch` reported an error:
  // that error may have been about these files, seen first by another caller.
  Status SyncAll(uint64_t epoch);
  uint64_t Epoch();

  FileSystem* const fs_;
  const std::string root_;
  const std::string tmp_dir_;
  std::atomic<uint64_t> counter_{0};
  std::mutex sync_mu_;
  std::unique_ptr<FileSystemSync> fs_sync_;     // guarded by sync_mu_
  uint64_t error_epoch_ = 0;                    // syncfs errors so far; guarded by sync_mu_
  std::map<std::string, uint64_t> temp_epoch_;  // temp path → epoch when it was handed out
};

}  // namespace arc
