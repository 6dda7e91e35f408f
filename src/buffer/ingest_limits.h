// IngestLimits: cardinality limits, checked before a write is accepted: databases, measurements
// per database, columns per measurement and series per database (InfluxDB's
// max-series-per-database; a series is a measurement plus its tag set). A write that would
// pass a limit is refused whole with a 400 naming the limit; nothing of it is stored.
// Databases and measurements are seeded from storage at start; columns and series are counted
// from what this server accepted since it started.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ingest/batch_set.h"

namespace arc {

struct CardinalityLimits {
  int64_t max_databases = 0;                  // 0: unlimited
  int64_t max_measurements_per_database = 0;
  int64_t max_columns_per_measurement = 0;
  int64_t max_series_per_database = 0;
};

// Thread-safe.
class IngestLimits {
 public:
  explicit IngestLimits(CardinalityLimits limits);

  // Records a database and measurement that exist in storage.
  void Seed(const std::string& db, const std::string& measurement);
  // What a request adds to the counts, once it is accepted.
  struct Additions {
    std::string database;
    std::vector<std::string> measurements;
    std::vector<std::vector<std::string>> columns;   // per measurement, lower case
    std::vector<std::vector<uint64_t>> series;       // per measurement
  };
  // Checks `set` against every limit: InvalidArgument naming the limit (and its config key)
  // when one would be passed; else fills `out` with what the request would add. Nothing is
  // recorded, so a request refused later (503) uses up no quota.
  Status Check(const BatchSet& set, Additions* out) const;
  // Records an accepted request's additions. Concurrent requests checked against the same
  // counts may pass a limit by what they add together (the limits are guards, not quotas).
  void Record(const Additions& additions);
  // Check, then Record.
  Status Admit(const BatchSet& set);

  struct Counts {
    uint64_t databases = 0;
    uint64_t measurements = 0;
    uint64_t series = 0;
  };
  Counts counts() const;

 private:
  struct MeasurementState {
    std::unordered_set<std::string> columns;   // lower case: names match ignoring case
  };
  struct DatabaseState {
    std::unordered_map<std::string, MeasurementState> measurements;
    std::unordered_set<uint64_t> series;       // hashes of measurement + sorted tag set
  };

  const CardinalityLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, DatabaseState> databases_;
  uint64_t measurements_ = 0;
  uint64_t series_ = 0;
};

// The hashes of the distinct series of `batch` (measurement + non-null tags, in name order),
// each once, in no particular order.
std::vector<uint64_t> SeriesHashes(const Batch& batch);

// Removes repeated values from `values`, keeping the first of each in its order. Thread-safe
// (scratch memory is per thread).
void KeepDistinct(std::vector<uint64_t>* values);

}  // namespace arc
