#include "lifecycle/compaction_plan.h"

#include <algorithm>

#include "storage/partition_layout.h"

namespace arc {

bool IsCompactedName(const std::string& full_name) {
  const std::string_view name = WithoutNode(full_name);
  return name.size() > 9 && name[0] == 'c' && name.substr(name.size() - 8) == ".parquet" &&
         name.find('-') != std::string_view::npos;
}

bool HourIsDue(int64_t hour, int64_t now_seconds, int64_t grace_seconds) {
  return (hour + 1) * 3600 + grace_seconds <= now_seconds;
}

std::vector<PartitionFile> CompactionCandidates(std::vector<PartitionFile> files,
                                                uint64_t target_bytes, int64_t min_files) {
  std::vector<PartitionFile> out;
  for (PartitionFile& f : files) {
    if (IsCompactedName(f.name) && f.bytes >= target_bytes / 2) continue;
    out.push_back(std::move(f));
  }
  if (static_cast<int64_t>(out.size()) < min_files) return {};
  std::sort(out.begin(), out.end(),
            [](const PartitionFile& a, const PartitionFile& b) { return a.name < b.name; });
  return out;
}

std::vector<std::vector<PartitionFile>> PlanRuns(const std::vector<PartitionFile>& candidates,
                                                 uint64_t target_bytes, size_t max_files) {
  std::vector<std::vector<PartitionFile>> runs;
  uint64_t run_bytes = 0;
  for (const PartitionFile& f : candidates) {
    if (runs.empty() || runs.back().size() >= max_files ||
        (run_bytes + f.bytes > target_bytes && !runs.back().empty())) {
      runs.emplace_back();
      run_bytes = 0;
    }
    runs.back().push_back(f);
    run_bytes += f.bytes;
  }
  if (runs.size() > 1) {
    runs.erase(std::remove_if(runs.begin(), runs.end(), [](const auto& r) { return r.size() < 2; }),
               runs.end());
  }
  return runs;
}

}  // namespace arc
