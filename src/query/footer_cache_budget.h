// Keeps the query worker's Parquet footer cache bounded. DuckDB's parquet_metadata_cache keeps
// each file's parsed footer by path until the database closes (no eviction), so footers of
// files long gone (compaction, retention) would pile up in a worker that lives for days. The
// budget remembers the files whose footers may be cached, with their sizes (a footer grows
// with the file's row groups), and says when the worker must empty the cache by reopening its
// database. It takes no part in correctness: DuckDB checks a cached footer against the file
// (device, inode, size, modification time) each time it opens the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace arc {

class FooterCacheBudget {
 public:
  FooterCacheBudget(size_t max_files, uint64_t max_bytes)
      : max_files_(max_files), max_bytes_(max_bytes) {}

  // Called with the files a query reads (paths and sizes, same length), before it runs. True
  // when the cache must be emptied first: with these files it would hold more than max_files
  // footers or footers of more than max_bytes of files. The files are remembered afterwards
  // (alone, when true). Not thread-safe.
  bool MustEmptyBefore(const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes);

  size_t files() const { return seen_.size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  const size_t max_files_;
  const uint64_t max_bytes_;
  std::unordered_set<std::string> seen_;
  uint64_t bytes_ = 0;  // the remembered files' sizes
};

}  // namespace arc
