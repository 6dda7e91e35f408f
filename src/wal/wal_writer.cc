#include "wal/wal_writer.h"

#include <cstring>

#include "common/direct_log_file.h"
#include "common/logging.h"
#include "wal/format.h"
#include "wal/segment_name.h"

namespace arc::wal {

Result<std::unique_ptr<WalWriter>> WalWriter::Open(FileSystem* fs, WalOptions options,
                                                   uint64_t next_lsn, uint64_t next_segment,
                                                   int64_t min_name_seconds) {
  auto w = std::make_unique<WalWriter>(fs, std::move(options), next_lsn, next_segment,
                                       min_name_seconds);
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string spare = JoinPath(w->options_.dir, SpareName(w->options_.worker));
  if (fs->Exists(spare)) {
    // A spare this writer would not reuse (async mode, reuse off, or left by a larger
    // max_size_mb, whose old tail recovery would have to scan) only holds disk space.
    const Result<uint64_t> size = fs->FileSize(spare);
    w->spare_exists_ = true;
    if (!w->reuse_enabled()) w->DropSpare("segment reuse is off in this mode");
    else if (!size.ok() || *size > w->options_.max_size_bytes + kDirectBlock) {
      w->DropSpare("larger than wal.max_size_mb");
    }
  }
  ARC_RETURN_IF_ERROR(w->OpenSegment(now, /*may_reuse=*/true));
  w->syncer_.Start();
  return w;
}

WalWriter::WalWriter(FileSystem* fs, WalOptions options, uint64_t next_lsn, uint64_t next_segment,
                     int64_t min_name_seconds)
    : fs_(fs), options_(std::move(options)), next_lsn_(next_lsn), next_segment_(next_segment),
      last_name_seconds_(min_name_seconds), syncer_(options_.sync_mode, options_.async_interval) {}

// syncer_ holds the current file too and syncs it once more when it is destroyed.
WalWriter::~WalWriter() = default;

// Starts the next segment: its header written (and, in the sync modes, synced; a staged
// header would leave an empty file after a kill -9) and its directory entry synced.
Status WalWriter::OpenSegment(int64_t now_us, bool may_reuse) {
  const int64_t secs = std::max(now_us / 1000000, last_name_seconds_ + 1);
  const std::string name = FormatSegmentName(options_.worker, secs);
  const std::string path = JoinPath(options_.dir, name);
  SegmentHeader h;
  h.worker = static_cast<uint32_t>(options_.worker);
  h.segment = next_segment_;
  h.first_lsn = next_lsn_.load();
  h.created_us = now_us;
  const std::string header = EncodeSegmentHeader(h);
  std::unique_ptr<WritableFile> f = may_reuse ? ReuseSpare(path, header) : nullptr;
  if (f == nullptr) {
    ARC_ASSIGN_OR_RETURN(f, CreateSegmentFile(path, header));
  }
  last_name_seconds_ = secs;
  ++next_segment_;
  file_ = std::move(f);
  std::lock_guard<std::mutex> lock(segments_mu_);
  if (!segments_.empty()) segments_.back().current = false;
  segments_.push_back({name, h.segment, h.first_lsn, 0, header.size(), now_us, true});
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> WalWriter::CreateSegmentFile(const std::string& path,
                                                                   const std::string& header) {
  // Policy: with a waiter per write, appends are staged and each group commit writes them
  // once, around the page cache (DirectLogFile). Async mode acknowledges at once and promises
  // that a kill -9 loses nothing, so its appends must reach the OS when they are made.
  const bool async = options_.sync_mode == SyncMode::kAsync;
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f,
                       async ? fs_->NewWritableFile(path, true) : fs_->NewLogFile(path));
  Status st = f->Append(header);
  if (st.ok() && !async) st = f->Sync(SyncKindFor(options_.sync_mode));
  if (st.ok()) st = fs_->SyncDir(options_.dir);
  if (!st.ok()) {
    (void)fs_->Remove(path);
    return st;
  }
  return f;
}

// The spare becomes the segment at `path`. The header is written and synced before the
// rename, so a segment name never holds an old header (docs/wal-format.md, "Reusing segment
// files"). nullptr when there is no spare or reusing it failed (logged; the caller then
// creates a file, which fails too when the disk is the cause).
std::unique_ptr<WritableFile> WalWriter::ReuseSpare(const std::string& path,
                                                    const std::string& header) {
  std::lock_guard<std::mutex> lock(spare_mu_);
  if (!spare_exists_) return nullptr;
  spare_exists_ = false;  // from here on, whatever happens, not counted on again
  const std::string spare = JoinPath(options_.dir, SpareName(options_.worker));
  Result<std::unique_ptr<WritableFile>> f = fs_->ReuseLogFile(spare);
  Status st = f.status();
  if (st.ok()) st = (*f)->Append(header);
  if (st.ok()) st = (*f)->Sync(SyncKindFor(options_.sync_mode));
  if (st.ok()) st = fs_->Rename(spare, path);
  if (st.ok()) st = fs_->SyncDir(options_.dir);
  if (!st.ok()) {
    LOG_WARN("WAL of worker " << options_.worker << ": spare segment file not reused ("
                              << st.ToString() << "); creating a new one");
    return nullptr;
  }
  ++reused_;
  return std::move(*f);
}

// Makes the current segment durable in full, then starts the next one.
Status WalWriter::Rotate(int64_t now_us) {
  const Status st = file_->Sync(SyncKindFor(options_.sync_mode));
  if (!st.ok()) return Poison(st.WithContext("WAL sync at rotation failed"));
  syncer_.SyncedThrough(next_lsn_.load() - 1);
  ARC_RETURN_IF_ERROR(OpenSegment(now_us, /*may_reuse=*/true));
  ++rotations_;
  return Status::OK();
}

Status WalWriter::Poison(const Status& why) {
  syncer_.Poison(why);
  return Unavailable(why);
}

// A poisoned log continues in a fresh segment once the cause is gone (space freed, the disk
// back), tried at most once a second. The old descriptor is never used again: after a failed
// write or fsync the kernel may have dropped its dirty pages, so nothing it reports can be
// trusted (fsyncgate). Nothing written to it after its last good sync was acknowledged, so
// abandoning it loses no acknowledged entry; its torn tail reads as the end of that segment.
Status WalWriter::Heal(int64_t now_us) {
  const Status poison = syncer_.poisoned();
  if (poison.ok()) return Status::OK();
  if (poisoned_seen_us_ == 0) {  // a failed sync poisons from the syncer thread: first sight
    poisoned_seen_us_ = now_us;
    last_heal_attempt_us_ = now_us;
  }
  if (now_us - last_heal_attempt_us_ < 1000000) return Unavailable(poison);
  last_heal_attempt_us_ = now_us;
  // A new segment whose header is written and synced (file and directory) proves that the
  // disk takes writes again. Not the spare, which may sit on blocks that fail; deleting it
  // frees its space when the disk is full. The failed segment is never kept as a spare.
  DropSpare("the WAL is healing");
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    segments_.back().failed = true;
  }
  Status st = OpenSegment(now_us, /*may_reuse=*/false);
  if (st.ok()) st = file_->Sync(SyncKind::kFull);
  if (!st.ok()) return Unavailable(st);
  syncer_.Abandon(next_lsn_.load() - 1);
  poisoned_seen_us_ = 0;
  ++rotations_;
  LOG_INFO("WAL of worker " << options_.worker << " healed after \"" << poison.message()
                            << "\": continuing in a new segment");
  return Status::OK();
}

Status WalWriter::Unavailable(const Status& why) const {
  return Status::Unavailable("WAL of worker " + std::to_string(options_.worker) +
                             " is unavailable: " + why.message());
}

Result<uint64_t> WalWriter::Append(std::string_view payload, int64_t now_us) {
  return Append(
      payload.size(),
      [payload](char* out) {
        if (!payload.empty()) std::memcpy(out, payload.data(), payload.size());
      },
      now_us);
}

Result<uint64_t> WalWriter::Append(size_t payload_size, const WritableFile::Fill& fill,
                                   int64_t now_us) {
  if (Status poison = syncer_.poisoned(); !poison.ok()) return Unavailable(poison);
  if (payload_size > kMaxPayload) return Status::PayloadTooLarge("WAL entry too large");
  uint64_t size = 0;
  int64_t created = 0;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    size = segments_.back().size;
    created = segments_.back().created_us;
  }
  const bool has_entries = size > kSegmentHeaderSize;
  if (has_entries && (size + kEntryHeaderSize + payload_size > options_.max_size_bytes ||
                      now_us - created >= options_.max_age_us)) {
    ARC_RETURN_IF_ERROR(Rotate(now_us));
  }
  const uint64_t lsn = next_lsn_.load();
  EntryHeader h;
  h.lsn = lsn;
  h.segment = next_segment_ - 1;
  // The payload is written first and the header (whose CRC covers it) in front of it, while
  // the payload's bytes are still in cache.
  const Status st = file_->AppendFilled(kEntryHeaderSize + payload_size, [&](char* out) {
    fill(out + kEntryHeaderSize);
    EncodeEntryHeader(h, std::string_view(out + kEntryHeaderSize, payload_size), out);
  });
  if (!st.ok()) {
    poisoned_seen_us_ = last_heal_attempt_us_ = now_us;
    return Poison(st.WithContext("WAL append failed"));
  }
  next_lsn_.store(lsn + 1);
  const uint64_t written = kEntryHeaderSize + payload_size;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    segments_.back().size += written;
    segments_.back().last_lsn = lsn;
  }
  ++entries_;
  bytes_ += written;
  syncer_.Written(lsn, file_);
  return lsn;
}

Status WalWriter::RotateIfOld(int64_t now_us) {
  if (!syncer_.poisoned().ok()) return Status::OK();
  bool due = false;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    const SegmentInfo& cur = segments_.back();
    due = cur.size > kSegmentHeaderSize && now_us - cur.created_us >= options_.max_age_us;
  }
  return due ? Rotate(now_us) : Status::OK();
}

Status WalWriter::DeleteSegmentsThrough(uint64_t watermark) {
  std::vector<SegmentInfo> doomed;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    while (segments_.size() > 1 && segments_.front().last_lsn <= watermark) {
      doomed.push_back(segments_.front());
      segments_.erase(segments_.begin());
    }
  }
  if (doomed.empty()) return Status::OK();
  for (const SegmentInfo& seg : doomed) ARC_RETURN_IF_ERROR(RetireSegment(seg));
  return fs_->SyncDir(options_.dir);
}

Status WalWriter::Close(uint64_t watermark) {
  if (syncer_.poisoned().ok()) {
    ARC_RETURN_IF_ERROR(file_->Sync(SyncKindFor(options_.sync_mode)));
    syncer_.SyncedThrough(next_lsn_.load() - 1);
  }
  std::vector<SegmentInfo> doomed;
  {
    std::lock_guard<std::mutex> lock(segments_mu_);
    for (auto it = segments_.begin(); it != segments_.end();) {
      if (it->last_lsn <= watermark) {
        doomed.push_back(*it);
        it = segments_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const SegmentInfo& seg : doomed) ARC_RETURN_IF_ERROR(RetireSegment(seg));
  return doomed.empty() ? Status::OK() : fs_->SyncDir(options_.dir);
}

void WalWriter::DropSpare(const char* why) {
  std::lock_guard<std::mutex> lock(spare_mu_);
  if (!spare_exists_) return;
  spare_exists_ = false;
  const Status st = fs_->Remove(JoinPath(options_.dir, SpareName(options_.worker)));
  if (st.ok()) {
    LOG_INFO("WAL of worker " << options_.worker << ": spare segment file deleted (" << why << ")");
  } else if (st.code() != StatusCode::kNotFound) {
    LOG_WARN("WAL of worker " << options_.worker << ": spare segment file not deleted: "
                              << st.ToString());
  }
}

// Unlinks an obsolete segment, or keeps it as the spare when there is none and it is large
// enough to be worth reusing (rotated by size, not by age under light load). The caller syncs
// the directory.
Status WalWriter::RetireSegment(const SegmentInfo& seg) {
  const std::string path = JoinPath(options_.dir, seg.name);
  if (reuse_enabled() && !seg.failed && seg.size >= options_.max_size_bytes / 2 &&
      seg.size <= options_.max_size_bytes) {
    std::lock_guard<std::mutex> lock(spare_mu_);
    if (!spare_exists_ &&
        fs_->Rename(path, JoinPath(options_.dir, SpareName(options_.worker))).ok()) {
      spare_exists_ = true;
      ++deleted_;
      return Status::OK();
    }
  }
  Status st = fs_->Remove(path);
  if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  ++deleted_;
  return Status::OK();
}

std::vector<SegmentInfo> WalWriter::segments() const {
  std::lock_guard<std::mutex> lock(segments_mu_);
  return segments_;
}

WalStats WalWriter::stats() const {
  WalStats s;
  s.entries = entries_;
  s.bytes = bytes_;
  s.rotations = rotations_;
  s.deleted_segments = deleted_;
  s.reused_files = reused_;
  s.sync = syncer_.stats();
  return s;
}

}  // namespace arc::wal
