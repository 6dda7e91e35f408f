#include "storage/s3_storage.h"

#include "common/logging.h"
#include <set>

#include "storage/hour_files.h"
#include "storage/partition_layout.h"

namespace arc {

S3Storage::S3Storage(FileSystem* fs, std::string cache_root, s3::S3Options options, std::string prefix)
    : fs_(fs), cache_(fs, cache_root), client_(std::move(options)), prefix_(std::move(prefix)),
      cache_root_(std::move(cache_root)) {}

Status S3Storage::Open() {
  ARC_RETURN_IF_ERROR(cache_.Open());
  return client_.CheckBucket();
}

Status S3Storage::Commit(const std::string& temp_path, const std::string& relative_path, uint64_t* bytes) {
  ARC_RETURN_IF_ERROR(client_.UploadFile(prefix_ + relative_path, temp_path));
  // In the bucket now; the local copy becomes the read cache (best effort).
  Status cached = cache_.Commit(temp_path, relative_path, bytes);
  if (!cached.ok()) {
    LOG_WARN("S3: uploaded " << relative_path << " but could not keep the local copy: " << cached.ToString());
    cache_.Discard(temp_path);
  }
  return Status::OK();
}

Status S3Storage::Stage(std::vector<DataFile>* files) {
  for (DataFile& f : *files) {
    Result<uint64_t> size = fs_->FileSize(f.temp_path);
    Status st = size.status();
    if (st.ok()) st = client_.UploadFile(prefix_ + f.relative_path, f.temp_path);
    if (!st.ok()) return Withdraw(files, st);
    f.bytes = *size;
    f.staged = true;
  }
  return Status::OK();
}

// The cache needs no sync: a cache file lost in a crash is downloaded again.
Status S3Storage::Expose(std::vector<DataFile>* files) {
  for (DataFile& f : *files) {
    const std::string local = JoinPath(cache_root_, f.relative_path);
    Status st = fs_->CreateDirs(DirName(local), /*sync=*/false);
    if (st.ok()) st = fs_->Rename(f.temp_path, local);
    if (!st.ok()) return Withdraw(files, st);
    f.temp_path.clear();
    f.exposed = true;
  }
  return Status::OK();
}

Status S3Storage::Withdraw(std::vector<DataFile>* files, const Status& why) {
  for (DataFile& f : *files) {
    if (f.staged && !f.exposed) {
      Status undo = client_.DeleteObject(prefix_ + f.relative_path);
      if (undo.ok()) f.staged = false;
      else LOG_WARN("could not delete uploaded " << f.relative_path << " after a failed publish: " << undo.ToString());
      // Still staged: exposed for the caller's bookkeeping, so it is deleted before a retry.
      if (!undo.ok()) f.exposed = true;
    }
  }
  return Storage::Withdraw(files, why);
}

Result<std::vector<std::string>> S3Storage::List(const std::string& relative_dir) {
  const std::string prefix = prefix_ + relative_dir + "/";
  ARC_ASSIGN_OR_RETURN(std::vector<std::string> keys, client_.ListKeys(prefix));
  std::vector<std::string> names;
  for (const std::string& k : keys) {
    const std::string rest = k.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return names;
}

Status S3Storage::Delete(const std::string& relative_path) {
  ARC_RETURN_IF_ERROR(client_.DeleteObject(prefix_ + relative_path));
  Status st = cache_.Delete(relative_path);
  if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  return Status::OK();
}

Status S3Storage::EnsureLocal(const std::string& db, const std::string& m,
                              std::optional<int64_t> min_hour, std::optional<int64_t> max_hour) {
  const std::string base = prefix_ + MeasurementDirectory(db, m) + "/";
  ARC_ASSIGN_OR_RETURN(std::vector<std::string> keys, client_.ListKeys(base));
  ARC_RETURN_IF_ERROR(DropGoneFiles(db, m, min_hour, max_hour, keys));
  for (const std::string& key : keys) {
    const std::string rel = key.substr(prefix_.size());
    const std::optional<PartitionPath> part = ParsePartitionPath(rel);
    if (!part || !IsParquetFileName(part->file)) continue;  // not a data file of the layout
    if ((min_hour && part->hour < *min_hour) || (max_hour && part->hour > *max_hour)) continue;
    const std::string local = JoinPath(cache_root_, rel);
    if (fs_->Exists(local)) continue;
    ARC_ASSIGN_OR_RETURN(std::string data, client_.GetObject(key));
    ARC_RETURN_IF_ERROR(fs_->CreateDirs(DirName(local)));
    ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, local, data));
  }
  return Status::OK();
}

// Another server's files that left the bucket (its compaction, delete or retention replaced
// or removed them) leave the cache too, or this server's queries would still read them. This
// server's own files are never dropped here: its switches remove them, and a file of its own
// just published may be newer than the listing.
Status S3Storage::DropGoneFiles(const std::string& db, const std::string& m,
                                std::optional<int64_t> min_hour, std::optional<int64_t> max_hour,
                                const std::vector<std::string>& keys) {
  const std::set<std::string> listed(keys.begin(), keys.end());
  for (const int64_t hour : ListHours(fs_, cache_root_, db, m)) {
    if ((min_hour && hour < *min_hour) || (max_hour && hour > *max_hour)) continue;
    const std::string dir = HourDirectory(db, m, hour);
    Result<std::vector<DirEntry>> entries = fs_->ListDir(JoinPath(cache_root_, dir));
    if (!entries.ok()) continue;
    for (const DirEntry& e : *entries) {
      if (e.is_dir || !IsParquetFileName(e.name) || IsLocalNodeFile(e.name)) continue;
      const std::string rel = dir + "/" + e.name;
      if (listed.count(prefix_ + rel)) continue;
      Status st = fs_->Remove(JoinPath(cache_root_, rel));
      if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    }
  }
  return Status::OK();
}

Result<bool> S3Storage::Exists(const std::string& relative_path) {
  ARC_ASSIGN_OR_RETURN(std::vector<std::string> keys, client_.ListKeys(prefix_ + relative_path));
  for (const std::string& k : keys) {
    if (k == prefix_ + relative_path) return true;
  }
  return false;
}

std::string S3Storage::Describe() const {
  const s3::S3Options& o = client_.options();
  return "s3://" + o.bucket + "/" + prefix_ + " at " + (o.endpoint.empty() ? "AWS " + o.region : o.endpoint);
}

}  // namespace arc
