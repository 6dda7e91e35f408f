// QuarantineHandler: GET /api/v1/quarantine, POST /api/v1/quarantine/replay[?id=],
// DELETE /api/v1/quarantine/<id> (docs/quarantine.md).
#pragma once

#include <functional>

#include "buffer/ingest_engine.h"
#include "server/http_types.h"

namespace arc {

class QuarantineHandler {
 public:
  // `engine` must outlive the handler. Thread-safe.
  explicit QuarantineHandler(IngestEngine* engine) : engine_(engine) {}

  // {"records": [{"id", "database", "measurement", "rows", "requests", "bytes", "reason",
  // "source", "created"}], "total_records", "total_rows"}.
  HttpResponse List() const;
  // Replays and answers {"replayed_records", "requests", "rows", "failed": [{"id", "error"}]}
  // (200, or 409 when a replay is running); `respond` is called from the replay's thread.
  void Replay(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  // Deletes record `id` ({"deleted": id}; 404 when unknown).
  HttpResponse Delete(const std::string& id);

 private:
  IngestEngine* const engine_;
};

}  // namespace arc
