// Lists a measurement's Parquet files, hour folder by hour folder, optionally only the hours
// in [min_hour, max_hour] (hour pruning).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "storage/live_files.h"

namespace arc {

struct HourFiles {
  std::vector<std::string> files;  // absolute paths of the hours in range, oldest first
  std::vector<uint64_t> sizes;     // their sizes in bytes as listed, in the same order
  std::string any_file;            // some file of the measurement (for its schema), or ""
  int hours_total = 0;             // hour folders that exist
  int hours_read = 0;              // hour folders in range
};

// The sub-folders of `dir` that are real folders (never symbolic links) and do not start with
// a dot, sorted; empty when `dir` cannot be listed. Thread-safe.
std::vector<std::string> ListFolders(FileSystem* fs, const std::string& dir);

// The hours (since the epoch) of the hour folders of root/db/measurement, oldest first; links
// and folders that are not a calendar hour are skipped. Thread-safe.
std::vector<int64_t> ListHours(FileSystem* fs, const std::string& root, const std::string& db,
                               const std::string& measurement);

// True when root/db/measurement is a folder reached without following a symbolic link (the
// data directory is the query sandbox). Thread-safe.
bool MeasurementFolderExists(FileSystem* fs, const std::string& root, const std::string& db,
                             const std::string& measurement);

// The data files of hour folder `dir` (relative to `root`) that a file-set switch may take:
// regular Parquet files neither settling (still being recorded by the flusher) nor retired
// (another switch has them). The listing's error when `dir` cannot be listed. Thread-safe.
Result<std::vector<DirEntry>> SwitchableFiles(FileSystem* fs, const LiveFileSet& live,
                                      const std::string& root, const std::string& dir);

// `root` is storage.local_path. Symbolic links are never followed. Files `live` (may be null)
// has retired are skipped. Readers get these names, never patterns: a pattern evaluated later
// would also match a file-set switch's outputs while its inputs are still there.
// Thread-safe (reads directories only).
HourFiles ListHourFiles(FileSystem* fs, const std::string& root, const std::string& db,
                        const std::string& measurement, std::optional<int64_t> min_hour,
                        std::optional<int64_t> max_hour, const LiveFileSet* live = nullptr);

// True when the measurement has at least one data file (stops at the first). A measurement
// whose rows were all deleted keeps its empty folders and answers false. Thread-safe.
bool HasDataFile(FileSystem* fs, const std::string& root, const std::string& db,
                 const std::string& measurement, const LiveFileSet* live = nullptr);

}  // namespace arc
