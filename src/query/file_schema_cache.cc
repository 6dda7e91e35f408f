#include "query/file_schema_cache.h"

#include <sstream>

namespace arc {

Status FileSchemaCache::ReadFiles(DuckConnection* conn, const std::vector<std::string>& files,
                                  std::unordered_map<std::string, Read>* read) {
  std::unordered_map<std::string, Read>& out = *read;
  const std::string list = QuoteList(files);
  // The signature is the whole Parquet schema: files that share it read as the same columns.
  ARC_ASSIGN_OR_RETURN(
      const DuckRows schemas,
      QueryRows(conn, "SELECT file_name, string_agg(concat_ws(' ', name, type, repetition_type, "
                      "num_children, converted_type, scale, precision, logical_type, duckdb_type), "
                      "'|' ORDER BY name) FROM parquet_schema(" + list + ") GROUP BY file_name"));
  for (const auto& row : schemas) out[row[0]].signature = row[1];
  ARC_ASSIGN_OR_RETURN(const DuckRows tags,
                       QueryRows(conn, "SELECT file_name, decode(value) FROM parquet_kv_metadata(" +
                                           list + ") WHERE decode(key) = 'arc:tags'"));
  for (const auto& row : tags) {
    std::stringstream ss(row[1]);
    for (std::string t; std::getline(ss, t, ',');) {
      if (!t.empty()) out[row[0]].tags.insert(t);
    }
  }
  return Status::OK();
}

Result<FileSchemas> FileSchemaCache::Describe(DuckConnection* conn, const std::vector<std::string>& files,
                                              const std::vector<uint64_t>& sizes) {
  auto size_of = [&](size_t i) { return i < sizes.size() ? sizes[i] : 0; };
  std::vector<std::string> unknown;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < files.size(); ++i) {
      const auto it = known_.find(files[i]);
      if (it == known_.end() || it->second.size != size_of(i)) unknown.push_back(files[i]);
    }
  }
  std::unordered_map<std::string, Read> read;
  if (!unknown.empty()) {
    ARC_RETURN_IF_ERROR(ReadFiles(conn, unknown, &read));
  }
  FileSchemas out;
  std::map<std::string, std::string> representatives;  // signature → a file that has it
  auto use = [&](const std::string& file, const std::string& signature, const std::set<std::string>& tags) {
    representatives.emplace(signature, file);
    out.tags.insert(tags.begin(), tags.end());
  };
  std::vector<std::string> forgotten;  // known at first, forgotten since (another call's bound)
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < files.size(); ++i) {
      if (auto r = read.find(files[i]); r != read.end()) {
        use(files[i], r->second.signature, r->second.tags);
        const std::string* signature = &*signatures_.insert(r->second.signature).first;
        known_[files[i]] = Known{size_of(i), signature, r->second.tags};
      } else if (auto it = known_.find(files[i]); it != known_.end()) {
        use(files[i], *it->second.signature, it->second.tags);
      } else {
        forgotten.push_back(files[i]);
      }
    }
    if (known_.size() > max_files_) {  // bounded: read again when next needed
      known_.clear();
      signatures_.clear();
    }
  }
  if (!forgotten.empty()) {
    std::unordered_map<std::string, Read> again;
    ARC_RETURN_IF_ERROR(ReadFiles(conn, forgotten, &again));
    for (const auto& [file, r] : again) use(file, r.signature, r.tags);
  }
  if (representatives.empty()) return out;
  std::vector<std::string> sample;
  for (const auto& [signature, file] : representatives) sample.push_back(file);
  ARC_ASSIGN_OR_RETURN(const DuckRows described,
                       QueryRows(conn, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" +
                                           QuoteList(sample) + ", union_by_name = true))"));
  for (const auto& row : described) out.columns[row[0]] = row[1];
  return out;
}

size_t FileSchemaCache::remembered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.size();
}

}  // namespace arc
