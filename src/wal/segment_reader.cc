#include "wal/segment_reader.h"

#include <algorithm>

namespace arc::wal {

const char* EndReasonName(EndReason r) {
  switch (r) {
    case EndReason::kClean: return "clean";
    case EndReason::kZeroTail: return "zero-filled tail";
    case EndReason::kStaleEntry: return "entry from an earlier segment";
    case EndReason::kTornTail: return "torn tail";
  }
  return "?";
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(FileSystem* fs, const std::string& path,
                                                          bool map) {
  std::unique_ptr<FileContents> contents;
  if (map) {
    ARC_ASSIGN_OR_RETURN(contents, fs->ReadWholeFile(path));
  } else {
    ARC_ASSIGN_OR_RETURN(std::string bytes, fs->ReadFile(path));
    contents = OwnedFileContents(std::move(bytes));
  }
  auto reader = std::make_unique<SegmentReader>(std::move(contents));
  if (!reader->DecodeHeader()) return Status::Corruption("missing or invalid segment header").WithContext(path);
  return reader;
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::FromBytes(std::string data) {
  auto reader = std::make_unique<SegmentReader>(OwnedFileContents(std::move(data)));
  if (!reader->DecodeHeader()) return Status::Corruption("missing or invalid segment header");
  return reader;
}

SegmentReader::SegmentReader(std::unique_ptr<FileContents> contents)
    : contents_(std::move(contents)), data_(contents_->data()) {}

bool SegmentReader::DecodeHeader() {
  if (!DecodeSegmentHeader(data_, &header_)) return false;
  last_lsn_ = header_.first_lsn == 0 ? 0 : header_.first_lsn - 1;
  return true;
}

ReadEvent SegmentReader::End(EndReason r) {
  ended_ = true;
  end_reason_ = r;
  ReadEvent e;
  e.kind = ReadEvent::Kind::kEnd;
  e.end = r;
  e.offset = offset_;
  return e;
}

bool SegmentReader::ValidEntryAt(uint64_t off) const {
  if (off + kEntryHeaderSize > data_.size()) return false;
  const char* p = data_.data() + off;
  const EntryHeader h = ParseEntryHeader(p);
  if (h.segment != header_.segment || h.lsn <= last_lsn_ || h.type != kEntryRecords) return false;
  if (h.length > kMaxPayload || off + kEntryHeaderSize + h.length > data_.size()) return false;
  return EntryCrcMatches(p, std::string_view(p + kEntryHeaderSize, h.length));
}

ReadEvent SegmentReader::Next() {
  if (ended_) return End(end_reason_);
  const uint64_t size = data_.size();
  if (offset_ == size) return End(EndReason::kClean);
  const char* p = data_.data() + offset_;
  const uint64_t remaining = size - offset_;
  if (std::all_of(p, p + std::min<uint64_t>(remaining, kEntryHeaderSize), [](char c) { return c == 0; })) {
    return ZeroRun();
  }
  if (remaining < kEntryHeaderSize) return End(EndReason::kTornTail);
  const EntryHeader h = ParseEntryHeader(p);
  const bool fits = h.length <= kMaxPayload && kEntryHeaderSize + h.length <= remaining;
  if (fits && EntryCrcMatches(p, std::string_view(p + kEntryHeaderSize, h.length))) {
    if (h.segment != header_.segment) return End(EndReason::kStaleEntry);
    if (h.type == kEntryRecords && h.lsn > last_lsn_) {
      ReadEvent e;
      e.kind = ReadEvent::Kind::kEntry;
      e.lsn = h.lsn;
      e.type = h.type;
      e.offset = offset_;
      e.payload = std::string_view(p + kEntryHeaderSize, h.length);
      last_lsn_ = h.lsn;
      offset_ += kEntryHeaderSize + h.length;
      return e;
    }
  }
  return Resync(offset_);
}

// Zeros where an entry should start: the end of the log only when no valid entry follows
// (a preallocated or zero-filled tail). A zeroed span with intact entries after it is damage,
// or those entries would be dropped silently and their LSNs handed out again.
ReadEvent SegmentReader::ZeroRun() {
  const char* begin = data_.data() + offset_;
  const char* end = data_.data() + data_.size();
  const char* nonzero = std::find_if(begin, end, [](char c) { return c != 0; });
  if (nonzero == end) return End(EndReason::kZeroTail);
  // A valid entry has a non-zero LSN in its header, so it cannot start 28 or more bytes
  // before the first non-zero byte: the scan skips the rest of the run at once.
  const uint64_t first = static_cast<uint64_t>(nonzero - data_.data());
  const uint64_t scan_from = std::max<uint64_t>(offset_ + 1, first >= kEntryHeaderSize ? first - kEntryHeaderSize + 1 : 0);
  ReadEvent e = Resync(offset_, scan_from);
  if (e.kind == ReadEvent::Kind::kEnd) return End(EndReason::kZeroTail);
  return e;
}

// Damage at `damaged_at`: find the next valid entry. Found → corruption, continue there.
// Not found → torn tail (normal end of log).
ReadEvent SegmentReader::Resync(uint64_t damaged_at, uint64_t scan_from) {
  for (uint64_t off = std::max(scan_from, damaged_at + 1); off + kEntryHeaderSize <= data_.size(); ++off) {
    if (!ValidEntryAt(off)) continue;
    ReadEvent e;
    e.kind = ReadEvent::Kind::kCorruption;
    e.offset = damaged_at;
    e.skipped_bytes = off - damaged_at;
    e.lost_entries = ParseEntryHeader(data_.data() + off).lsn - last_lsn_ - 1;
    offset_ = off;
    return e;
  }
  offset_ = damaged_at;
  return End(EndReason::kTornTail);
}

}  // namespace arc::wal
