// S3Storage: Parquet files published to an S3-compatible bucket at <prefix><relative path>.
// The local copy stays under storage.local_path as a read cache, so queries read what this
// server wrote without downloading it.
#pragma once

#include <memory>
#include <string>

#include "s3/s3_client.h"
#include "storage/local_storage.h"

namespace arc {

class S3Storage final : public Storage {
 public:
  // `fs` must outlive the storage. `cache_root` holds temp files and the read cache.
  S3Storage(FileSystem* fs, std::string cache_root, s3::S3Options options, std::string prefix);
  // Opens the cache and checks the bucket: an error names the problem (credentials, bucket,
  // endpoint) so start-up can refuse with it.
  Status Open();

  std::string NewTempPath() override { return cache_.NewTempPath(); }
  FileSystem* temp_file_system() const override { return cache_.temp_file_system(); }
  // Uploads (PUT or multipart), then keeps the file in the local cache. OK means the object
  // is in the bucket. Thread-safe.
  Status Commit(const std::string& temp_path, const std::string& relative_path, uint64_t* bytes) override;
  // Stage uploads every file (the object is durable in the bucket); Expose moves the temp
  // files into the read cache (what this server's queries read); Seal has nothing left to do.
  Status Stage(std::vector<DataFile>* files) override;
  Status Expose(std::vector<DataFile>* files) override;
  // Also deletes objects uploaded by Stage but never exposed.
  Status Withdraw(std::vector<DataFile>* files, const Status& why) override;
  void Discard(const std::string& temp_path) override { cache_.Discard(temp_path); }
  Result<std::vector<std::string>> List(const std::string& relative_dir) override;
  Status Delete(const std::string& relative_path) override;
  Result<bool> Exists(const std::string& relative_path) override;
  std::string Describe() const override;
  // Lists the measurement's keys and downloads the ones the cache lacks (read-through cache);
  // other servers' files gone from the bucket leave the cache.
  Status EnsureLocal(const std::string& db, const std::string& measurement,
                     std::optional<int64_t> min_hour, std::optional<int64_t> max_hour) override;

 private:
  Status DropGoneFiles(const std::string& db, const std::string& m,
                       std::optional<int64_t> min_hour, std::optional<int64_t> max_hour,
                       const std::vector<std::string>& keys);

  FileSystem* const fs_;
  LocalStorage cache_;
  s3::S3Client client_;
  const std::string prefix_;
  const std::string cache_root_;
};

}  // namespace arc
