// LocalStorage: Parquet files under a directory, published by fsync + rename + directory fsync.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/file_system.h"
#include "storage/storage.h"

namespace arc {

class LocalStorage final : public Storage {
 public:
  // `fs` must outlive this object. Temp files live in <root>/.tmp (same file system as root).
  LocalStorage(FileSystem* fs, std::string root);
  // Creates the root and temp directories and deletes temp files left by a crash.
  Status Open();

  std::string NewTempPath() override;
  Status Commit(const std::string& temp_path, const std::string& relative_path,
                uint64_t* bytes) override;
  // From kBatchCommitFiles files on, two syncfs calls replace an fsync per file and per
  // directory: temp files made durable, renamed into place, names made durable.
  Status CommitAll(std::vector<DataFile>* files) override;
  static constexpr size_t kBatchCommitFiles = 4;
  void Discard(const std::string& temp_path) override;
  Result<std::vector<std::string>> List(const std::string& relative_dir) override;
  Status Delete(const std::string& relative_path) override;
  std::string Describe() const override { return "local:" + root_; }
  const std::string& root() const { return root_; }

 private:
  FileSystem* const fs_;
  const std::string root_;
  const std::string tmp_dir_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace arc
