// Segment file names: worker-<k>-<YYYYMMDD_HHMMSS>.wal (docs/wal-format.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace arc::wal {

struct SegmentName {
  int worker = 0;
  int64_t unix_seconds = 0;   // UTC time in the name
  bool recovered = false;     // ends in .wal.recovered
};

// "worker-3-20251008_143000.wal" for worker 3 at that UTC second.
std::string FormatSegmentName(int worker, int64_t unix_seconds);
// Parses a segment or archived segment name; nullopt for any other file.
std::optional<SegmentName> ParseSegmentName(const std::string& file_name);
// "worker-3.manifest".
std::string ManifestName(int worker);
// "worker-3.spare": a retired segment kept for reuse (docs/wal-format.md, "Reusing segment
// files").
std::string SpareName(int worker);
// The worker of a spare's name; nullopt for any other file.
std::optional<int> ParseSpareName(const std::string& file_name);

}  // namespace arc::wal
