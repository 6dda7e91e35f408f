#include "server/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "buffer/ingest_engine.h"

namespace arc {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

void Head(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Sample(std::string* out, const std::string& name, const std::string& labels, double v) {
  *out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Num(v) + "\n";
}

void Simple(std::string* out, const char* name, const char* type, const char* help, double v) {
  Head(out, name, type, help);
  Sample(out, name, "", v);
}

// Cumulative buckets from per-bucket counts; `total` includes observations above the last bound.
void HistogramSamples(std::string* out, const std::string& name, const std::string& labels,
                      const double* bounds, const std::vector<uint64_t>& counts, uint64_t total,
                      double sum) {
  const std::string sep = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    char le[32];
    std::snprintf(le, sizeof(le), "%g", bounds[i]);
    Sample(out, name + "_bucket", sep + "le=\"" + le + "\"", static_cast<double>(cumulative));
  }
  Sample(out, name + "_bucket", sep + "le=\"+Inf\"", static_cast<double>(total));
  Sample(out, name + "_sum", labels, sum);
  Sample(out, name + "_count", labels, static_cast<double>(total));
}

double ResidentBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

void RenderWal(const IngestEngine& engine, std::string* out) {
  Simple(out, "arc_wal_enabled", "gauge", "1 when the write-ahead log is on.",
         engine.wal_enabled());
  if (!engine.wal_enabled()) return;
  const std::vector<wal::WalWriter*> writers = engine.wal_writers();
  const std::vector<Status> health = engine.worker_health();
  struct Family {
    const char* name;
    const char* type;
    const char* help;
  };
  const Family families[] = {
      {"arc_wal_entries_total", "counter", "WAL entries appended, by worker."},
      {"arc_wal_bytes_total", "counter", "WAL bytes appended (headers and payloads), by worker."},
      {"arc_wal_syncs_total", "counter", "WAL fsync/fdatasync calls that succeeded, by worker."},
      {"arc_wal_sync_failures_total", "counter",
       "WAL syncs that failed (each poisons the worker's WAL)."},
      {"arc_wal_rotations_total", "counter", "WAL segment rotations, by worker."},
      {"arc_wal_reused_files_total", "counter",
       "WAL segments written into the spare segment file instead of a new file, by worker."},
      {"arc_wal_segments", "gauge",
       "WAL segments on disk not yet below the flush watermark, by worker."},
      {"arc_wal_healthy", "gauge", "1 when the worker's WAL accepts writes."},
  };
  for (size_t f = 0; f < std::size(families); ++f) {
    Head(out, families[f].name, families[f].type, families[f].help);
    for (size_t i = 0; i < health.size(); ++i) {
      const wal::WalWriter* w = i < writers.size() ? writers[i] : nullptr;
      const std::string label = "worker=\"" + std::to_string(i + 1) + "\"";
      double v = 0;
      if (f == 7)
        v = health[i].ok() ? 1 : 0;
      else if (w != nullptr) {
        const wal::WalStats s = w->stats();
        const double values[] = {double(s.entries),    double(s.bytes),
                                 double(s.sync.syncs), double(s.sync.sync_failures),
                                 double(s.rotations),  double(s.reused_files),
                                 double(w->segments().size())};
        v = values[f];
      }
      Sample(out, families[f].name, label, v);
    }
  }
  Head(out, "arc_wal_sync_duration_seconds", "histogram",
       "Time one WAL sync took (group commit: one covers many requests).");
  for (size_t i = 0; i < writers.size(); ++i) {
    if (writers[i] == nullptr) continue;
    const wal::SyncStats s = writers[i]->stats().sync;
    HistogramSamples(out, "arc_wal_sync_duration_seconds",
                     "worker=\"" + std::to_string(i + 1) + "\"", wal::kSyncBucketsSeconds,
                     s.latency_buckets, s.syncs, s.latency_sum_seconds);
  }
  const RecoveryTotals& r = engine.recovery();
  Simple(out, "arc_wal_recovery_duration_seconds", "gauge",
         "Duration of the WAL recovery at start-up.", r.seconds);
  Simple(out, "arc_wal_recovered_entries", "gauge", "WAL entries replayed at start-up.",
         double(r.entries));
  Simple(out, "arc_wal_corrupted_entries", "gauge",
         "WAL entries lost to corruption found at start-up.", double(r.corrupted));
}

}  // namespace

void HttpMetrics::Observe(std::string_view endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(endpoint), status}];
  Histogram& h = latency_[std::string(endpoint)];
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.counts[i];
      break;
    }
  }
  h.sum += seconds;
  ++h.count;
}

void HttpMetrics::Render(std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  Head(out, "arc_http_requests_total", "counter", "HTTP requests by endpoint and status code.");
  for (const auto& [key, n] : requests_) {
    Sample(out, "arc_http_requests_total",
           "endpoint=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"",
           double(n));
  }
  Head(out, "arc_http_request_duration_seconds", "histogram", "HTTP request latency by endpoint.");
  for (const auto& [endpoint, h] : latency_) {
    HistogramSamples(out, "arc_http_request_duration_seconds", "endpoint=\"" + endpoint + "\"",
                     kBuckets, h.counts, h.count, h.sum);
  }
}

std::string RenderMetrics(const HttpMetrics& http,
                          const std::vector<std::pair<std::string, const WriteCounters*>>& writes,
                          const IngestEngine& engine, double uptime_seconds) {
  std::string out;
  http.Render(&out);
  struct Family {
    const char* name;
    const char* help;
  };
  const Family families[] = {
      {"arc_ingest_records_total", "Records accepted (acknowledged) by write endpoint."},
      {"arc_ingest_bytes_total",
       "Request body bytes received by write endpoint (as sent, compressed or not)."},
      {"arc_ingest_rejected_requests_total",
       "Write requests answered with an error, by write endpoint."},
  };
  for (size_t f = 0; f < std::size(families); ++f) {
    Head(&out, families[f].name, "counter", families[f].help);
    for (const auto& [endpoint, c] : writes) {
      const double v = f == 0   ? double(c->records)
                       : f == 1 ? double(c->bytes)
                                : double(c->rejected);
      Sample(&out, families[f].name, "endpoint=\"" + endpoint + "\"", v);
    }
  }
  const IngestStats s = engine.stats();
  Simple(&out, "arc_buffered_rows", "gauge",
         "Rows held in memory buffers, not yet handed to a flush.", double(s.buffered_rows));
  Simple(&out, "arc_flush_pending_rows", "gauge", "Rows queued for or being written to Parquet.",
         double(s.flusher.pending_rows));
  Simple(&out, "arc_flush_pending_bytes", "gauge", "Memory held by rows queued for a flush.",
         double(s.flusher.pending_bytes));
  Simple(&out, "arc_flush_pending_files", "gauge",
         "Measurements queued for a flush (about one file each).", double(s.flusher.pending_parts));
  Simple(&out, "arc_admission_waiting_requests", "gauge",
         "Writes waiting for room in the flush queue (back-pressure).",
         double(s.admission_waiting));
  Simple(&out, "arc_quarantine_records", "gauge",
         "Quarantined requests' records on disk (GET /api/v1/quarantine).",
         double(s.quarantine.records));
  Simple(&out, "arc_quarantine_rows", "gauge", "Rows held in the quarantine.",
         double(s.quarantine.rows));
  Simple(&out, "arc_quarantined_rows_total", "counter", "Rows quarantined since start.",
         double(s.quarantine.rows_added));
  Simple(&out, "arc_databases", "gauge", "Databases known to the cardinality limits.",
         double(s.cardinality.databases));
  Simple(&out, "arc_measurements", "gauge", "Measurements known to the cardinality limits.",
         double(s.cardinality.measurements));
  Simple(&out, "arc_series_seen", "gauge", "Series (measurement + tag set) accepted since start.",
         double(s.cardinality.series));
  Simple(&out, "arc_flushes_total", "counter", "Buffer flushes written to storage.",
         double(s.flusher.jobs_written));
  Simple(&out, "arc_flush_errors_total", "counter", "Failed flush attempts (each is retried).",
         double(s.flusher.errors));
  Simple(&out, "arc_storage_errors_total", "counter",
         "Storage write failures (failed flush attempts).", double(s.flusher.errors));
  Simple(&out, "arc_flush_dropped_rows_total", "counter",
         "Rows given up at shutdown after retries.", double(s.flusher.rows_dropped));
  Head(&out, "arc_flush_duration_seconds", "histogram",
       "Time to write one flush to Parquet and publish it.");
  HistogramSamples(&out, "arc_flush_duration_seconds", "", kFlushBucketsSeconds,
                   s.flusher.flush_buckets, s.flusher.jobs_written, s.flusher.flush_seconds);
  Simple(&out, "arc_parquet_files_written_total", "counter", "Parquet files published.",
         double(s.flusher.files_written));
  Simple(&out, "arc_parquet_rows_written_total", "counter", "Rows written to Parquet.",
         double(s.flusher.rows_written));
  Simple(&out, "arc_parquet_bytes_written_total", "counter", "Bytes of Parquet files published.",
         double(s.flusher.bytes_written));
  RenderWal(engine, &out);
  Simple(&out, "arc_uptime_seconds", "gauge", "Seconds since the server started.", uptime_seconds);
  Simple(&out, "arc_process_resident_memory_bytes", "gauge",
         "Resident memory of the server process.", ResidentBytes());
  return out;
}

void RenderCompactionMetrics(const CompactionStats& s, std::string* out) {
  Simple(out, "arc_compaction_cycles_total", "counter", "Compaction cycles run.", double(s.cycles));
  Simple(out, "arc_compaction_jobs_total", "counter", "Partitions compacted.", double(s.jobs));
  Simple(out, "arc_compaction_failures_total", "counter",
         "Partition compactions that failed (retried).", double(s.failures));
  Simple(out, "arc_compaction_files_in_total", "counter", "Files merged away by compaction.",
         double(s.files_in));
  Simple(out, "arc_compaction_files_out_total", "counter", "Files written by compaction.",
         double(s.files_out));
  Simple(out, "arc_compaction_rows_total", "counter", "Rows rewritten by compaction.",
         double(s.rows));
  Simple(out, "arc_compaction_bytes_in_total", "counter", "Bytes of the files merged away.",
         double(s.bytes_in));
  Simple(out, "arc_compaction_bytes_out_total", "counter", "Bytes of the files written.",
         double(s.bytes_out));
  Simple(out, "arc_compaction_seconds_total", "counter", "Time spent compacting.", s.seconds);
  Simple(out, "arc_compaction_running", "gauge", "1 while a compaction cycle runs.",
         s.running ? 1 : 0);
  Simple(out, "arc_compaction_pending_partitions", "gauge",
         "Due partitions not yet compacted in this cycle.", double(s.pending));
}

void RenderRetentionMetrics(const RetentionStats& s, std::string* out) {
  Simple(out, "arc_retention_runs_total", "counter",
         "Retention policy executions (dry runs included).", double(s.runs));
  Simple(out, "arc_retention_failures_total", "counter", "Retention executions that failed.",
         double(s.failures));
  Simple(out, "arc_retention_deleted_partitions_total", "counter",
         "Hour partitions (database, measurement, hour) removed by retention.", double(s.hours));
  Simple(out, "arc_retention_deleted_files_total", "counter", "Files removed by retention.",
         double(s.files));
  Simple(out, "arc_retention_deleted_rows_total", "counter", "Rows removed by retention.",
         double(s.rows));
  Simple(out, "arc_retention_deleted_bytes_total", "counter", "Bytes removed by retention.",
         double(s.bytes));
}

void RenderDeleteMetrics(const DeleteStats& s, std::string* out) {
  Simple(out, "arc_delete_requests_total", "counter", "Delete requests (dry runs included).",
         double(s.requests));
  Simple(out, "arc_delete_failures_total", "counter",
         "Delete requests that failed for a reason other than the request itself.",
         double(s.failures));
  Simple(out, "arc_delete_rows_total", "counter", "Rows removed by deletes.", double(s.rows));
  Simple(out, "arc_delete_files_rewritten_total", "counter",
         "Files replaced by a rewrite without the deleted rows.", double(s.files_rewritten));
  Simple(out, "arc_delete_files_removed_total", "counter",
         "Files removed whole by deletes (every row matched).", double(s.files_removed));
}

}  // namespace arc
