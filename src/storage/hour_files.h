// Lists a measurement's Parquet files, hour folder by hour folder, optionally only the hours
// in [min_hour, max_hour] (hour pruning).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"

namespace arc {

struct HourFiles {
  std::vector<std::string> files;   // absolute paths of the hours in range, oldest first
  std::vector<std::string> globs;   // the same as patterns: one per hour folder in range, or
                                    // a single pattern for every hour when unbounded
  std::string any_file;             // some file of the measurement (for its schema), or ""
  int hours_total = 0;              // hour folders that exist
  int hours_read = 0;               // hour folders in range
};

// True when root/db/measurement is a folder reached without following a symbolic link (the
// data directory is the query sandbox). Thread-safe.
bool MeasurementFolderExists(FileSystem* fs, const std::string& root, const std::string& db,
                             const std::string& measurement);

// `root` is storage.local_path. Symbolic links are never followed. Thread-safe (reads directories only).
HourFiles ListHourFiles(FileSystem* fs, const std::string& root, const std::string& db,
                        const std::string& measurement, std::optional<int64_t> min_hour,
                        std::optional<int64_t> max_hour);

}  // namespace arc
