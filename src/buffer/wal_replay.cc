#include "buffer/wal_replay.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "common/logging.h"
#include "ingest/batch_codec.h"
#include "ingest/time_units.h"
#include "storage/partition_layout.h"
#include "wal/segment_reader.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;
using LsnRange = std::pair<uint64_t, uint64_t>;  // [first, last]

std::string Mb(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", bytes / 1048576.0);
  return buf;
}

// What pass 1 learns about a worker's log without decoding it.
struct TouchedHours {
  // (db, measurement) → hours that replayed rows will be written to.
  std::map<std::pair<std::string, std::string>, std::set<int64_t>> hours;
  // LSN ranges lost to corruption (their rows cannot be replayed).
  std::vector<LsnRange> lost;
  bool unreadable_segment = false;  // a whole segment could not be read: anything may be lost
};

bool Overlaps(const std::vector<LsnRange>& ranges, uint64_t first, uint64_t last) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const LsnRange& g) { return g.first <= last && first <= g.second; });
}

}  // namespace

WalReplay::WalReplay(FileSystem* fs, std::string dir, Storage* storage, Quarantine* quarantine,
                     std::function<Worker*(int)> worker_for,
                     std::function<wal::Manifest*(int)> manifest_for)
    : fs_(fs),
      dir_(std::move(dir)),
      storage_(storage),
      quarantine_(quarantine),
      worker_for_(std::move(worker_for)),
      manifest_for_(std::move(manifest_for)) {}

Status WalReplay::Run(const wal::LogListing& listing) {
  const auto start = Clock::now();
  for (int k : listing.workers) resume_[k];
  for (const auto& [k, names] : listing.segments) resume_[k];
  for (const auto& [k, secs] : listing.last_name_seconds) resume_[k].last_name_seconds = secs;
  std::map<int, std::vector<Segment>> by_worker;
  int files = 0;
  for (const auto& [k, names] : listing.segments) {
    for (const std::string& name : names) by_worker[k].push_back({name, 0, false});
    files += static_cast<int>(names.size());
  }
  if (files == 0) return Status::OK();
  LOG_INFO("WAL recovery started: " << files << " files");
  // Workers are independent logs: replay them in parallel, one thread each.
  std::map<int, RecoveryTotals> per_worker;
  std::map<int, Status> results;
  for (auto& [k, segs] : by_worker) {
    per_worker[k];
    results[k];
  }
  std::vector<std::thread> threads;
  for (auto& [k, segs] : by_worker) {
    threads.emplace_back([this, k = k, &segs = segs, &per_worker, &results] {
      results[k] = RecoverWorker(k, &segs, &per_worker[k]);
    });
  }
  for (std::thread& t : threads) t.join();
  for (auto& [k, st] : results) {
    ARC_RETURN_IF_ERROR(st.WithContext("WAL recovery of worker " + std::to_string(k)));
  }
  for (auto& [k, segs] : by_worker) {
    for (const Segment& seg : segs) {
      if (seg.readable) replayed_[k].push_back({seg.name, seg.last_lsn});
    }
  }
  for (auto& [k, t] : per_worker) {
    totals_.files += t.files;
    totals_.entries += t.entries;
    totals_.records += t.records;
    totals_.bytes += t.bytes;
    totals_.corrupted += t.corrupted;
    totals_.skipped += t.skipped;
    totals_.orphans_deleted += t.orphans_deleted;
    totals_.quarantined += t.quarantined;
  }
  totals_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  LOG_INFO("WAL recovery complete: " << totals_.entries << " batches, " << totals_.records
                                     << " entries, " << totals_.corrupted << " corrupted, "
                                     << totals_.skipped << " skipped (already in Parquet), "
                                     << totals_.orphans_deleted << " orphan files removed, "
                                     << totals_.quarantined << " quarantined, "
                                     << Mb(totals_.bytes) << " MB in " << totals_.seconds << " s");
  return Status::OK();
}

Status WalReplay::RecoverWorker(int worker, std::vector<Segment>* segments,
                                RecoveryTotals* totals) {
  wal::Manifest* manifest = manifest_for_(worker);
  // Orphans go first: once their rows are back in the buffers, a flush could rewrite a file
  // of the same name, and removing it afterwards would lose rows.
  ARC_RETURN_IF_ERROR(RemoveOrphans(worker, *segments, manifest, totals));
  return ReplayEntries(worker, segments, manifest, totals);
}

// Pass 1 reads names and time columns only, to learn which hour folders replay will touch
// and which LSNs corruption lost; then it deletes the orphans there: files of this worker
// above the watermark that the manifest does not record (a crash between a Parquet write and
// its manifest update). Their rows are all being replayed, so they would otherwise be
// stored twice.
Status WalReplay::RemoveOrphans(int worker, const std::vector<Segment>& segments,
                                wal::Manifest* manifest, RecoveryTotals* totals) {
  const uint64_t w = manifest->watermark();
  TouchedHours touched;
  for (const Segment& seg : segments) {
    auto reader = wal::OpenWorkerSegment(fs_, JoinPath(dir_, seg.name), worker);
    if (!reader.ok()) {
      touched.unreadable_segment = true;
      continue;
    }
    uint64_t last = (*reader)->header().first_lsn - 1;
    for (wal::ReadEvent e = (*reader)->Next(); e.kind != wal::ReadEvent::Kind::kEnd;
         e = (*reader)->Next()) {
      if (e.kind == wal::ReadEvent::Kind::kCorruption) {
        if (e.lost_entries > 0) touched.lost.push_back({last + 1, last + e.lost_entries});
        continue;
      }
      last = e.lsn;
      if (e.lsn <= w) continue;
      Status st =
          ScanPayloadHours(e.payload, [&](std::string_view db, std::string_view m, int64_t hour, size_t) {
            if (!manifest->IsFlushed(std::string(db), std::string(m), e.lsn)) {
              touched.hours[{std::string(db), std::string(m)}].insert(hour);
            }
          });
      if (!st.ok()) touched.lost.push_back({e.lsn, e.lsn});
    }
  }
  for (const auto& [key, hours] : touched.hours) {
    for (int64_t hour : hours) {
      const std::string dir = HourDirectory(key.first, key.second, hour);
      ARC_ASSIGN_OR_RETURN(std::vector<std::string> names, storage_->List(dir));
      for (const std::string& name : names) {
        const std::optional<WalFlushName> f = ParseWalFlushName(name);
        // Another server's files (one bucket, several servers) are never this log's orphans.
        if (!f || !storage_->IsLocalNodeFile(name) || f->worker != worker || f->last_lsn <= w)
          continue;
        if (manifest->IsRecorded(key.first, key.second, f->first_lsn, f->last_lsn)) continue;
        if (touched.unreadable_segment || Overlaps(touched.lost, f->first_lsn, f->last_lsn)) {
          // The file may hold the only copy of rows the WAL lost: a duplicate beats a loss.
          LOG_WARN("WAL recovery: keeping "
                   << dir << "/" << name << ": the WAL lost entries in its "
                   << "range to corruption, so it may hold their only copy (rows replayed from "
                   << "intact entries may now appear twice)");
          continue;
        }
        ARC_RETURN_IF_ERROR(storage_->Delete(dir + "/" + name));
        ++totals->orphans_deleted;
        LOG_INFO("WAL recovery: removed "
                 << dir << "/" << name
                 << " (written before the crash but not recorded; its rows are replayed)");
      }
    }
  }
  return Status::OK();
}

Status WalReplay::QuarantineEntry(int worker, const std::string& segment, uint64_t lsn,
                                  std::string_view payload, const Status& why) {
  const std::string reason = "WAL entry " + std::to_string(lsn) + " of worker " +
                             std::to_string(worker) + " (" + segment + ") no longer decodes: " + why.message();
  if (quarantine_ == nullptr) {
    LOG_ERROR(reason << "; no quarantine: the entry is skipped");
    return Status::OK();
  }
  const PayloadSummary summary = DescribePayload(payload);
  std::string measurements;
  for (const std::string& m : summary.measurements) measurements += (measurements.empty() ? "" : ",") + m;
  Result<QuarantineRecord> r = quarantine_->Add(summary.database, measurements, {std::string(payload)},
                                                summary.rows, reason, "replay",
                                                "w" + std::to_string(worker) + "-" + std::to_string(lsn) + "/replay");
  return r.status().WithContext("WAL recovery cannot quarantine entry " + std::to_string(lsn) +
                                " of worker " + std::to_string(worker));
}

// Pass 2: replay every entry above the watermark into the worker's buffers, skipping the
// measurements the manifest already records as flushed for that LSN.
Status WalReplay::ReplayEntries(int worker, std::vector<Segment>* segments, wal::Manifest* manifest,
                                RecoveryTotals* totals) {
  Worker* target = worker_for_(worker);
  const uint64_t w = manifest->watermark();
  wal::WorkerResume& resume = resume_.at(worker);
  resume.next_lsn = std::max(resume.next_lsn, w + 1);
  auto last_progress = Clock::now();
  for (Segment& seg : *segments) {
    LOG_INFO("Recovering WAL: " << seg.name);
    const std::string path = JoinPath(dir_, seg.name);
    auto reader = wal::OpenWorkerSegment(fs_, path, worker);
    ++totals->files;
    if (!reader.ok() && wal::IsTornCreation(fs_, path)) {
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
    wal::ReadEvent e;
    for (e = (*reader)->Next(); e.kind != wal::ReadEvent::Kind::kEnd; e = (*reader)->Next()) {
      if (e.kind == wal::ReadEvent::Kind::kCorruption) {
        corrupted += std::max<uint64_t>(1, e.lost_entries);
        LOG_WARN("WAL " << seg.name << ": " << e.skipped_bytes << " corrupt bytes at offset "
                        << e.offset << " skipped (" << e.lost_entries << " entries lost)");
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
      Status st = DecodeBatchSet(e.payload, &set);
      if (!st.ok()) {
        // The CRC holds, so the bytes are what was acknowledged: a payload that no longer
        // decodes (written by a version that accepted what this one refuses) is kept whole in
        // the quarantine rather than dropped, and start-up goes on.
        ARC_RETURN_IF_ERROR(QuarantineEntry(worker, seg.name, e.lsn, e.payload, st));
        ++totals->quarantined;
        target->Replay({}, e.lsn, NowMicros());  // still registered, so the watermark passes it
        continue;
      }
      std::vector<Batch> keep;
      for (Batch& b : set->batches()) {
        if (manifest->IsFlushed(b.database, b.measurement, e.lsn)) continue;
        totals->records += b.rows();
        keep.push_back(std::move(b));
      }
      if (keep.empty())
        ++totals->skipped;
      else
        ++totals->entries;
      target->Replay(std::move(keep), e.lsn, NowMicros());
      if (Clock::now() - last_progress > std::chrono::seconds(1)) {
        last_progress = Clock::now();
        LOG_INFO("WAL recovery progress: worker " << worker << ", " << seg.name << ", offset "
                                                  << Mb(e.offset) << " of " << Mb((*reader)->size())
                                                  << " MB");
      }
    }
    totals->bytes += (*reader)->size();
    totals->corrupted += corrupted;
    LOG_INFO("WAL read complete: " << entries << " entries, " << (*reader)->size() << " bytes, "
                                   << corrupted << " corrupted (end: " << wal::EndReasonName(e.end)
                                   << ")");
  }
  return Status::OK();
}

}  // namespace arc
