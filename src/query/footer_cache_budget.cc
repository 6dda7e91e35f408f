#include "query/footer_cache_budget.h"

namespace arc {

bool FooterCacheBudget::MustEmptyBefore(const std::vector<std::string>& paths,
                                        const std::vector<uint64_t>& sizes) {
  size_t added = 0;  // upper bounds: a path named twice counts twice
  uint64_t added_bytes = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (seen_.count(paths[i]) > 0) continue;
    ++added;
    added_bytes += i < sizes.size() ? sizes[i] : 0;
  }
  const bool empty = seen_.size() + added > max_files_ || bytes_ + added_bytes > max_bytes_;
  // Everything DuckDB cached goes with its database: only this query's files stay remembered.
  if (empty) {
    seen_.clear();
    bytes_ = 0;
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    if (seen_.insert(paths[i]).second) bytes_ += i < sizes.size() ? sizes[i] : 0;
  }
  return empty;
}

}  // namespace arc
