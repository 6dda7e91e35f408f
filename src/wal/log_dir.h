// The WAL directory as a whole, read at start-up: which workers have a log, their unarchived
// segments in order, and the archiving of replayed segments. What the entries mean is the
// business of the layer that replays them (WalReplay, in the buffer layer).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "wal/segment_reader.h"

namespace arc::wal {

struct LogListing {
  // Worker → its unarchived segment names, oldest first.
  std::map<int, std::vector<std::string>> segments;
  // Worker → the newest time in any of its segment names, archived ones included (a new
  // segment's name must come after it).
  std::map<int, int64_t> last_name_seconds;
  // Every worker id with a segment (archived or not) or a manifest, ascending.
  std::vector<int> workers;
};

// Where a worker's live log continues after recovery.
struct WorkerResume {
  uint64_t next_lsn = 1;
  uint64_t next_segment = 1;
  int64_t last_name_seconds = 0;
};

// Lists `dir` and removes the `*.tmp` files an interrupted manifest replacement left.
// Call before any writer opens in `dir`. `fs` is used only during the call.
Result<LogListing> ListLogDirectory(FileSystem* fs, const std::string& dir);

// Opens segment `path` (mapped: for replay at start-up, when nothing else touches it) and checks
// that its header belongs to `worker` (Corruption otherwise:
// a file renamed by hand must not be replayed into another worker).
Result<std::unique_ptr<SegmentReader>> OpenWorkerSegment(FileSystem* fs, const std::string& path,
                                                         int worker);

// True when `path` is shorter than a segment header or holds only zero bytes (the header block
// of a direct write whose data a power cut lost while the size survived): a crash while
// creating it, so it holds no entry (as opposed to a damaged header, which may hide entries).
bool IsTornCreation(FileSystem* fs, const std::string& path);

// Renames each named segment of `dir` to <name>.recovered, then syncs the directory once.
// Failures are logged and leave that segment in place (it is replayed again, idempotently).
void ArchiveSegments(FileSystem* fs, const std::string& dir, const std::vector<std::string>& names);

}  // namespace arc::wal
