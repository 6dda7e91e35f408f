// Manifest: one worker's durable flush state — the watermark W (every entry with LSN ≤ W is
// in Parquet) and the ranges above W already flushed, in two slots written in turn
// (docs/wal-format.md, "Manifest").
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/file_system.h"

namespace arc::wal {

struct FlushedRange {
  std::string db;
  std::string measurement;
  uint64_t first = 0;
  uint64_t last = 0;
  bool operator==(const FlushedRange&) const = default;
};

// Thread-safe.
class Manifest {
 public:
  // `fs` must outlive the manifest; the slots are <dir>/worker-<k>.manifest and
  // <dir>/worker-<k>.manifest.alt.
  Manifest(FileSystem* fs, std::string dir, int worker);

  // Loads the newest valid slot (none: W = 0, no ranges; a version 1 file loads as sequence 0).
  // Corruption, naming the files, when slots exist and none is valid. Call once, first.
  Status Load();
  // Entry `lsn` holds `batches` measurement batches still to flush. LSNs only grow; skipped
  // LSNs count as flushed.
  void Register(uint64_t lsn, size_t batches);
  // A flush of `measurement` covering `lsns` (one per batch) is durable in Parquet.
  // Advances W as far as possible. Returns true when the state changed (persist it).
  bool Complete(const std::string& db, const std::string& measurement,
                const std::vector<uint64_t>& lsns);
  // Writes the state durably into the slot not holding the newest one (truncate, write,
  // fdatasync; a slot's first write creates it whole: temp, fsync, rename, directory fsync)
  // and returns the watermark it wrote: only segments at or below that one may be deleted.
  // After loading a version 1 file, the first call also overwrites it. Serialized internally.
  Result<uint64_t> Persist();

  // The first LSN this worker will write is `next_lsn`: everything below it counts as flushed.
  void StartAt(uint64_t next_lsn);
  // One past the highest LSN the manifest knows (watermark or recorded range).
  uint64_t NextUnusedLsn() const;
  uint64_t watermark() const;
  // The watermark of the last successful Persist (or Load): what survives a crash now.
  uint64_t persisted_watermark() const;
  // True when a recorded range of (db, measurement) contains `lsn`.
  bool IsFlushed(const std::string& db, const std::string& measurement, uint64_t lsn) const;
  bool IsRecorded(const std::string& db, const std::string& measurement, uint64_t first,
                  uint64_t last) const;
  std::vector<FlushedRange> ranges() const;
  std::string path() const { return path_; }

 private:
  void Advance();                                  // caller holds mu_
  std::string Serialize(uint64_t sequence) const;  // caller holds mu_
  Result<uint64_t> PersistOnce();                  // caller holds persist_mu_

  FileSystem* const fs_;
  const std::string dir_;
  const std::string path_;      // slot 0 (the version 1 name)
  const std::string alt_path_;  // slot 1
  const int worker_;
  mutable std::mutex mu_;
  std::mutex persist_mu_;
  int current_slot_ = -1;                 // persist_mu_: holds the newest state (-1: none)
  bool slot_exists_[2] = {false, false};  // persist_mu_
  bool rewrite_version1_ = false;         // persist_mu_: slot 0 holds an earlier build's file
  uint64_t sequence_ = 0;                 // mu_: of the newest state
  uint64_t watermark_ = 0;
  uint64_t persisted_watermark_ = 0;
  // LSN → batches of it still unflushed (only LSNs above W with a count above zero). LSNs
  // never registered count as flushed, so W is just below the first pending LSN, or at the
  // highest registered one when nothing is pending; a gap of any size costs nothing.
  std::map<uint64_t, uint32_t> pending_;
  uint64_t max_registered_ = 0;
  std::vector<FlushedRange> ranges_;
};

}  // namespace arc::wal
