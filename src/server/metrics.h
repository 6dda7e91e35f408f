// Prometheus text exposition (format 0.0.4) of the server's metrics, all named arc_*.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lifecycle/compactor.h"
#include "lifecycle/deleter.h"
#include "lifecycle/retention.h"

namespace arc {

class IngestEngine;

// Per-route counters of the write endpoints.
struct WriteCounters {
  std::atomic<uint64_t> requests{0}, records{0}, bytes{0}, rejected{0};
};

// Request counts by endpoint and status, and a latency histogram by endpoint. Thread-safe.
class HttpMetrics {
 public:
  static constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,   0.25,   0.5,   1,    2.5,   10};
  void Observe(std::string_view endpoint, int status, double seconds);
  void Render(std::string* out) const;

 private:
  struct Histogram {
    std::vector<uint64_t> counts = std::vector<uint64_t>(std::size(kBuckets), 0);
    double sum = 0;
    uint64_t count = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

// Everything /metrics shows. `writes` maps a write endpoint's path to its counters.
std::string RenderMetrics(const HttpMetrics& http,
                          const std::vector<std::pair<std::string, const WriteCounters*>>& writes,
                          const IngestEngine& engine, double uptime_seconds);
// The arc_compaction_* families, appended to `out`.
void RenderCompactionMetrics(const CompactionStats& stats, std::string* out);
// The arc_retention_* families, appended to `out`.
void RenderRetentionMetrics(const RetentionStats& stats, std::string* out);
// The delete API's arc_delete_* counters.
void RenderDeleteMetrics(const DeleteStats& stats, std::string* out);

}  // namespace arc
