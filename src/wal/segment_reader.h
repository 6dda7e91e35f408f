// SegmentReader: walks the entries of one WAL segment and classifies what it finds
// (docs/wal-format.md, "Reading"). It reports; recovery decides.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/file_system.h"
#include "wal/format.h"

namespace arc::wal {

enum class EndReason {
  kClean,        // the file ends exactly after the last entry
  kZeroTail,     // zero bytes follow (preallocated or zero-filled)
  kStaleEntry,   // an intact entry from an earlier life of the file (other segment number)
  kTornTail,     // damaged bytes with no valid entry after them: a crash mid-append
};

const char* EndReasonName(EndReason r);

struct ReadEvent {
  enum class Kind { kEntry, kCorruption, kEnd } kind = Kind::kEnd;
  // kEntry
  uint64_t lsn = 0;
  uint8_t type = 0;
  std::string_view payload;   // valid while the reader lives
  // kCorruption: bytes [offset, offset + skipped_bytes) were unreadable; lost_entries is the
  // LSN gap to the next valid entry (0 when only garbage bytes were found between entries).
  uint64_t offset = 0;
  uint64_t skipped_bytes = 0;
  uint64_t lost_entries = 0;
  // kEnd
  EndReason end = EndReason::kClean;
};

// Not thread-safe. Holds the whole segment in memory.
class SegmentReader {
 public:
  // Reads `path`. Corruption when the segment header is missing or invalid.
  // With `map`, the file is mapped (FileSystem::ReadWholeFile): for WAL replay, where nothing
  // else touches the file; a read error on a mapped page would be a SIGBUS, so readers at run
  // time (the quarantine) copy it.
  static Result<std::unique_ptr<SegmentReader>> Open(FileSystem* fs, const std::string& path,
                                                     bool map = false);
  // The same over bytes already in memory.
  static Result<std::unique_ptr<SegmentReader>> FromBytes(std::string data);
  explicit SegmentReader(std::unique_ptr<FileContents> contents);  // use Open / FromBytes

  const SegmentHeader& header() const { return header_; }
  uint64_t size() const { return data_.size(); }
  // The next entry, corrupt span, or the end (then every later call returns the end again).
  ReadEvent Next();

 private:
  bool DecodeHeader();
  // True when a valid entry of this segment with LSN > last_lsn_ starts at `off`.
  bool ValidEntryAt(uint64_t off) const;
  ReadEvent Resync(uint64_t damaged_at, uint64_t scan_from = 0);
  ReadEvent ZeroRun();
  ReadEvent End(EndReason r);

  std::unique_ptr<FileContents> contents_;  // the segment, mapped where possible
  std::string_view data_;
  SegmentHeader header_;
  uint64_t offset_ = kSegmentHeaderSize;
  uint64_t last_lsn_ = 0;
  bool ended_ = false;
  EndReason end_reason_ = EndReason::kClean;
};

}  // namespace arc::wal
