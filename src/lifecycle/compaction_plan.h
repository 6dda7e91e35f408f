// What compaction merges (docs/lifecycle.md, "Compaction"): pure decisions over a listing, so
// they are tested without files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace arc {

struct PartitionFile {
  std::string name;  // the file name in its hour folder
  uint64_t bytes = 0;
};

// True for a compaction output's name ("[<node>_]c<boot>-<n>.parquet").
bool IsCompactedName(const std::string& name);

// True when `hour` (hours since the epoch) ended at least `grace_seconds` before `now_seconds`.
bool HourIsDue(int64_t hour, int64_t now_seconds, int64_t grace_seconds);

// The files of one partition worth merging: all of them except compacted files already at
// least half the target size (merging those again would only rewrite them). Empty when fewer
// than `min_files` remain. Sorted by name.
std::vector<PartitionFile> CompactionCandidates(std::vector<PartitionFile> files,
                                                uint64_t target_bytes, int64_t min_files);

// Splits candidates, in order, into runs of at most `target_bytes` and `max_files` each (a
// larger file is a run of its own); each run becomes one output file. A run of one file is
// dropped unless it is the only run (nothing to merge it with). Capping the files bounds the
// readers' state (each open Parquet file holds its metadata and buffers); the outputs of a
// capped partition are merged again in the next cycle.
std::vector<std::vector<PartitionFile>> PlanRuns(const std::vector<PartitionFile>& candidates,
                                                 uint64_t target_bytes,
                                                 size_t max_files = SIZE_MAX);

}  // namespace arc
