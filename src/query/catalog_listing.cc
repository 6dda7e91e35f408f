#include "query/catalog_listing.h"

#include "common/file_system.h"
#include "storage/hour_files.h"

namespace arc {

std::vector<MeasurementEntry> CatalogListing::Measurements(const std::string& db) const {
  std::vector<MeasurementEntry> out;
  IngestEngine* ingest = engine_->ingest();
  FileSystem* fs = DefaultFileSystem();
  for (const std::string& m : engine_->MeasurementNames(db)) {
    MeasurementEntry e{db, m, 0, 0, ingest->HasBuffered(db, m), StoragePath(db, m)};
    // Pinned like a query, so a compaction cannot delete the files while they are measured.
    LiveFileSet::Pin pin = ingest->live_files()->PinNow();
    const HourFiles files = ListHourFiles(fs, engine_->root(), db, m, std::nullopt, std::nullopt,
                                          ingest->live_files());
    for (const std::string& f : files.files) {
      Result<uint64_t> size = fs->FileSize(f);
      if (!size.ok()) continue;  // gone since the listing (a retention run): not counted
      ++e.file_count;
      e.total_bytes += *size;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string CatalogListing::StoragePath(const std::string& db, const std::string& m) const {
  const StorageConfig& s = engine_->ingest()->config().storage;
  std::string base = s.local_path;
  if (s.backend != StorageBackend::kLocal) {
    base = "s3://" + s.s3_bucket + (s.s3_prefix.empty() ? "" : "/" + s.s3_prefix);
  }
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + "/" + db + "/" + m + "/**/*.parquet";
}

}  // namespace arc
