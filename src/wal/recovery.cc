#include "wal/recovery.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <thread>

#include "common/logging.h"
#include "ingest/time_units.h"
#include "storage/parquet_writer.h"
#include "wal/format.h"
#include "wal/payload.h"
#include "wal/segment_name.h"
#include "wal/segment_reader.h"

namespace arc::wal {
namespace {

using Clock = std::chrono::steady_clock;

std::string Mb(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", bytes / 1048576.0);
  return buf;
}

// Parses "w<k>-<a>-<b>.parquet".
bool ParseWalFileName(const std::string& name, int* worker, uint64_t* first, uint64_t* last) {
  int consumed = 0;
  if (std::sscanf(name.c_str(), "w%d-%" SCNu64 "-%" SCNu64 ".parquet%n", worker, first, last,
                  &consumed) != 3) {
    return false;
  }
  return static_cast<size_t>(consumed) == name.size();
}

// A segment shorter than its header was cut off while being created: it holds no entry.
bool TornCreation(FileSystem* fs, const std::string& path) {
  Result<std::string> data = fs->ReadFile(path);
  return data.ok() && data->size() < kSegmentHeaderSize;
}

// Opens a segment and checks that its header belongs to the worker its name says.
Result<std::unique_ptr<SegmentReader>> OpenForWorker(FileSystem* fs, const std::string& path, int worker) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> r, SegmentReader::Open(fs, path));
  if (r->header().worker != static_cast<uint32_t>(worker)) {
    return Status::Corruption(path + ": header belongs to worker " +
                              std::to_string(r->header().worker) + ", not " + std::to_string(worker));
  }
  return r;
}

}  // namespace

Recovery::Recovery(FileSystem* fs, std::string dir, Storage* storage, Flusher* flusher,
                   std::function<Worker*(int)> worker_for,
                   std::function<Manifest*(int)> manifest_for)
    : fs_(fs), dir_(std::move(dir)), storage_(storage), flusher_(flusher),
      worker_for_(std::move(worker_for)), manifest_for_(std::move(manifest_for)) {}

Result<std::vector<int>> Recovery::WorkerIds(FileSystem* fs, const std::string& dir) {
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs->ListDir(dir));
  std::set<int> ids;
  for (const DirEntry& e : entries) {
    if (auto seg = ParseSegmentName(e.name)) ids.insert(seg->worker);
    int k = 0, consumed = 0;
    if (std::sscanf(e.name.c_str(), "worker-%d.manifest%n", &k, &consumed) == 1 &&
        static_cast<size_t>(consumed) == e.name.size() && k > 0) {
      ids.insert(k);
    }
  }
  return std::vector<int>(ids.begin(), ids.end());
}

Status Recovery::Run(std::chrono::milliseconds flush_timeout) {
  const auto start = Clock::now();
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs_->ListDir(dir_));
  std::map<int, std::vector<Segment>> by_worker;
  for (const DirEntry& e : entries) {
    if (e.name.size() > 4 && e.name.compare(e.name.size() - 4, 4, ".tmp") == 0) {
      (void)fs_->Remove(JoinPath(dir_, e.name));  // an interrupted manifest replacement
      continue;
    }
    auto seg = ParseSegmentName(e.name);
    if (!seg) continue;
    WorkerResume& r = resume_[seg->worker];
    r.last_name_seconds = std::max(r.last_name_seconds, seg->unix_seconds);
    if (!seg->recovered) by_worker[seg->worker].push_back({e.name, 0, false});
  }
  ARC_ASSIGN_OR_RETURN(std::vector<int> ids, WorkerIds(fs_, dir_));
  for (int k : ids) resume_[k];
  int files = 0;
  for (auto& [k, segs] : by_worker) {
    std::sort(segs.begin(), segs.end(), [](const Segment& a, const Segment& b) { return a.name < b.name; });
    files += static_cast<int>(segs.size());
  }
  if (files == 0) return Status::OK();
  LOG_INFO("WAL recovery started: " << files << " files");
  std::map<int, RecoveryTotals> per_worker;
  std::map<int, Status> results;
  std::vector<std::thread> threads;
  for (auto& [k, segs] : by_worker) {
    per_worker[k];
    results[k];
  }
  for (auto& [k, segs] : by_worker) {
    threads.emplace_back([this, k = k, &segs = segs, &per_worker, &results] {
      results[k] = RecoverWorker(k, &segs, &per_worker[k]);
    });
  }
  for (std::thread& t : threads) t.join();
  for (auto& [k, st] : results) ARC_RETURN_IF_ERROR(st.WithContext("WAL recovery of worker " + std::to_string(k)));
  for (auto& [k, segs] : by_worker) worker_for_(k)->FlushOlderThan(INT64_MAX);
  if (!flusher_->DrainFor(flush_timeout)) {
    LOG_ERROR("WAL recovery: replayed data could not all be written to storage within "
              << flush_timeout.count() / 1000 << " s; it stays buffered and is retried, and the "
              << "segments are kept for the next start");
  }
  for (auto& [k, segs] : by_worker) Archive(segs, manifest_for_(k)->watermark());
  for (auto& [k, t] : per_worker) {
    totals_.files += t.files;
    totals_.entries += t.entries;
    totals_.records += t.records;
    totals_.bytes += t.bytes;
    totals_.corrupted += t.corrupted;
    totals_.skipped += t.skipped;
    totals_.orphans_deleted += t.orphans_deleted;
  }
  totals_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  LOG_INFO("WAL recovery complete: " << totals_.entries << " batches, " << totals_.records
           << " entries, " << totals_.corrupted << " corrupted, " << totals_.skipped
           << " skipped (already in Parquet), " << totals_.orphans_deleted
           << " orphan files removed, " << Mb(totals_.bytes) << " MB in " << totals_.seconds << " s");
  return Status::OK();
}

Status Recovery::RecoverWorker(int worker, std::vector<Segment>* segments, RecoveryTotals* totals) {
  Manifest* manifest = manifest_for_(worker);
  ARC_RETURN_IF_ERROR(ScanForOrphans(worker, *segments, manifest, totals));
  return ReplayEntries(worker, segments, manifest, totals);
}

// Pass 1: which hour folders replayed data will touch, and which LSNs corruption lost; then
// delete the orphans (files of this worker above the watermark that the manifest does not
// record) so that replay cannot store their rows twice.
Status Recovery::ScanForOrphans(int worker, const std::vector<Segment>& segments,
                                Manifest* manifest, RecoveryTotals* totals) {
  const uint64_t w = manifest->watermark();
  std::map<std::pair<std::string, std::string>, std::set<int64_t>> touched;
  std::vector<std::pair<uint64_t, uint64_t>> gaps;
  bool unreadable = false;
  for (const Segment& seg : segments) {
    auto reader = OpenForWorker(fs_, JoinPath(dir_, seg.name), worker);
    if (!reader.ok()) {
      unreadable = true;
      continue;
    }
    uint64_t last = (*reader)->header().first_lsn - 1;
    for (ReadEvent e = (*reader)->Next(); e.kind != ReadEvent::Kind::kEnd; e = (*reader)->Next()) {
      if (e.kind == ReadEvent::Kind::kCorruption) {
        if (e.lost_entries > 0) gaps.push_back({last + 1, last + e.lost_entries});
        continue;
      }
      last = e.lsn;
      if (e.lsn <= w) continue;
      Status st = ScanPayloadHours(e.payload, [&](std::string_view db, std::string_view m, int64_t hour) {
        if (!manifest->IsFlushed(std::string(db), std::string(m), e.lsn)) {
          touched[{std::string(db), std::string(m)}].insert(hour);
        }
      });
      if (!st.ok()) gaps.push_back({e.lsn, e.lsn});
    }
  }
  for (const auto& [key, hours] : touched) {
    for (int64_t hour : hours) {
      const std::string dir = HourDirectory(key.first, key.second, hour);
      ARC_ASSIGN_OR_RETURN(std::vector<std::string> names, storage_->List(dir));
      for (const std::string& name : names) {
        int k = 0;
        uint64_t a = 0, b = 0;
        if (!ParseWalFileName(name, &k, &a, &b) || k != worker || b <= w) continue;
        if (manifest->IsRecorded(key.first, key.second, a, b)) continue;
        const bool lost_inside = unreadable || std::any_of(gaps.begin(), gaps.end(), [&](auto g) {
                                   return g.first <= b && a <= g.second;
                                 });
        if (lost_inside) {
          LOG_WARN("WAL recovery: keeping " << dir << "/" << name << ": the WAL lost entries in its "
                   << "range to corruption, so it may hold their only copy (rows replayed from "
                   << "intact entries may now appear twice)");
          continue;
        }
        ARC_RETURN_IF_ERROR(storage_->Delete(dir + "/" + name));
        ++totals->orphans_deleted;
        LOG_INFO("WAL recovery: removed " << dir << "/" << name
                 << " (written before the crash but not recorded; its rows are replayed)");
      }
    }
  }
  return Status::OK();
}

// Pass 2: replay every entry above the watermark into the worker's buffers.
Status Recovery::ReplayEntries(int worker, std::vector<Segment>* segments, Manifest* manifest,
                               RecoveryTotals* totals) {
  Worker* target = worker_for_(worker);
  const uint64_t w = manifest->watermark();
  WorkerResume& resume = resume_.at(worker);
  resume.next_lsn = std::max(resume.next_lsn, w + 1);
  auto last_progress = Clock::now();
  for (Segment& seg : *segments) {
    LOG_INFO("Recovering WAL: " << seg.name);
    auto reader = OpenForWorker(fs_, JoinPath(dir_, seg.name), worker);
    ++totals->files;
    if (!reader.ok() && TornCreation(fs_, JoinPath(dir_, seg.name))) {
      LOG_INFO("WAL " << seg.name << ": header incomplete (crash while creating it), no entries");
      seg.readable = true;  // nothing in it: archive it like an empty segment
      continue;
    }
    if (!reader.ok()) {
      ++totals->corrupted;
      LOG_ERROR("WAL recovery: cannot read " << seg.name << " (" << reader.status().message()
                << "); the file is kept untouched");
      continue;
    }
    seg.readable = true;
    resume.next_segment = std::max(resume.next_segment, (*reader)->header().segment + 1);
    uint64_t entries = 0, corrupted = 0;
    ReadEvent e;
    for (e = (*reader)->Next(); e.kind != ReadEvent::Kind::kEnd; e = (*reader)->Next()) {
      if (e.kind == ReadEvent::Kind::kCorruption) {
        corrupted += std::max<uint64_t>(1, e.lost_entries);
        LOG_WARN("WAL " << seg.name << ": " << e.skipped_bytes << " corrupt bytes at offset " << e.offset
                 << " skipped (" << e.lost_entries << " entries lost)");
        continue;
      }
      ++entries;
      seg.last_lsn = e.lsn;
      resume.next_lsn = std::max(resume.next_lsn, e.lsn + 1);
      if (e.lsn <= w) {
        ++totals->skipped;
        continue;
      }
      std::unique_ptr<BatchSet> set;
      Status st = DecodePayload(e.payload, &set);
      if (!st.ok()) {
        ++corrupted;
        LOG_ERROR("WAL " << seg.name << ": entry " << e.lsn << " does not decode: " << st.message());
        target->Replay({}, e.lsn, NowMicros());
        continue;
      }
      std::vector<Batch> keep;
      for (Batch& b : set->batches()) {
        if (manifest->IsFlushed(b.database, b.measurement, e.lsn)) continue;
        totals->records += b.rows();
        keep.push_back(std::move(b));
      }
      if (keep.empty()) ++totals->skipped;
      else ++totals->entries;
      target->Replay(std::move(keep), e.lsn, NowMicros());
      if (Clock::now() - last_progress > std::chrono::seconds(1)) {
        last_progress = Clock::now();
        LOG_INFO("WAL recovery progress: worker " << worker << ", " << seg.name << ", offset "
                 << Mb(e.offset) << " of " << Mb((*reader)->size()) << " MB");
      }
    }
    totals->bytes += (*reader)->size();
    totals->corrupted += corrupted;
    LOG_INFO("WAL read complete: " << entries << " entries, " << (*reader)->size() << " bytes, "
             << corrupted << " corrupted (end: " << EndReasonName(e.end) << ")");
  }
  return Status::OK();
}

// Renames replayed segments whose entries are all at or below the watermark.
void Recovery::Archive(const std::vector<Segment>& segments, uint64_t watermark) {
  bool renamed = false;
  for (const Segment& seg : segments) {
    if (!seg.readable || seg.last_lsn > watermark) continue;
    const std::string from = JoinPath(dir_, seg.name);
    Status st = fs_->Rename(from, from + ".recovered");
    if (!st.ok()) {
      LOG_ERROR("WAL recovery: cannot archive " << seg.name << ": " << st.ToString());
      continue;
    }
    renamed = true;
    LOG_INFO("WAL archived: " << seg.name << ".recovered");
  }
  if (renamed) {
    Status st = fs_->SyncDir(dir_);
    if (!st.ok()) LOG_ERROR("WAL recovery: directory sync failed: " << st.ToString());
  }
}

}  // namespace arc::wal
