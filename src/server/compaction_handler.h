// CompactionHandler: POST /api/v1/compaction/trigger (admin; optional {"database": name} or
// ?database=) and GET /api/v1/compaction/status (read): running and pending partitions,
// totals, the last jobs (docs/lifecycle.md).
#pragma once

#include "lifecycle/compactor.h"
#include "server/http_types.h"

namespace arc {

class CompactionHandler {
 public:
  // `compactor` may be null (compaction.enabled = false); it must outlive the handler.
  // Thread-safe.
  explicit CompactionHandler(Compactor* compactor) : compactor_(compactor) {}

  // 202 {"triggered": true, "database": name|null}; 400 for a bad database name or body,
  // 409 when compaction is disabled.
  HttpResponse Trigger(const HttpRequest& request);
  // 200 {"enabled", "running", "pending", "cycles", "jobs", "failures", "files_in",
  // "files_out", "rows", "bytes_in", "bytes_out", "seconds", "last_error", "recent": [...]}.
  HttpResponse Status() const;
  const Compactor* compactor() const { return compactor_; }

 private:
  Compactor* const compactor_;
};

}  // namespace arc
