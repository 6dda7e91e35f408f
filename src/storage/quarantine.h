// Quarantine: requests whose rows storage cannot take, kept durably with the reason until an
// operator replays or deletes them (docs/quarantine.md). Rows land here instead of being
// retried forever or dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"

namespace arc {

struct QuarantineRecord {
  std::string id;            // q<created µs>-<n>
  std::string database;
  std::string measurement;
  std::string reason;
  std::string source;        // "flush" | "replay"
  std::string key;           // what names the rows, e.g. their WAL entry ("" when nothing)
  uint64_t rows = 0;
  uint64_t entries = 0;      // requests
  uint64_t bytes = 0;        // size of the .arcq file
  int64_t created_us = 0;
};

// Thread-safe.
class Quarantine {
 public:
  // `dir` is <storage.local_path>/.quarantine; `fs` must outlive the quarantine.
  Quarantine(FileSystem* fs, std::string dir);

  // Creates the directory, removes temp files and describes data files left without their
  // description by a crash.
  Status Open();
  // Stores `payloads` (batch-codec documents, one per request) durably with the reason.
  // OK means both files are durable. A non-empty `key` names the rows (e.g. their WAL
  // entry): adding a key that a record already holds returns that record, so rows that
  // are quarantined again after a crash and replay are kept once.
  Result<QuarantineRecord> Add(const std::string& database, const std::string& measurement,
                               const std::vector<std::string>& payloads, uint64_t rows,
                               const std::string& reason, const std::string& source,
                               const std::string& key = "");
  // Every record, newest first.
  Result<std::vector<QuarantineRecord>> List() const;
  // The payloads of record `id` (NotFound for an unknown or malformed id).
  Result<std::vector<std::string>> ReadPayloads(const std::string& id) const;
  // Deletes record `id` durably.
  Status Remove(const std::string& id);
  // Keeps only `remaining` (the requests not yet replayed) in record `id`, durably, with
  // `rows` as its new row count and `reason` as its new reason.
  Status Shrink(const std::string& id, const std::vector<std::string>& remaining, uint64_t rows,
                const std::string& reason);

  struct Totals {
    uint64_t records = 0;
    uint64_t rows = 0;
    uint64_t rows_added = 0;   // since start
  };
  Totals totals() const;

 private:
  std::string DataPath(const std::string& id) const;
  std::string DescriptionPath(const std::string& id) const;
  Status Recount();

  FileSystem* const fs_;
  const std::string dir_;
  mutable std::mutex mu_;
  std::mutex add_mu_;
  Totals totals_;
  std::atomic<uint64_t> next_{0};
};

// True for ids of the form q<digits>-<digits> (nothing else reaches the file system).
bool IsQuarantineId(const std::string& id);

}  // namespace arc
