// WalHandler: GET /api/wal/status, /api/wal/files, /api/wal/health and
// POST /api/wal/cleanup?max_age_hours=N (shapes in docs/protocol.md).
#pragma once

#include "buffer/ingest_engine.h"
#include "common/file_system.h"
#include "server/http_types.h"

namespace arc {

class WalHandler {
 public:
  // `engine` and `fs` must outlive the handler. Thread-safe.
  WalHandler(IngestEngine* engine, FileSystem* fs);

  HttpResponse Status() const;
  HttpResponse Files() const;
  HttpResponse Health() const;
  HttpResponse Cleanup(const HttpRequest& request);

 private:
  IngestEngine* const engine_;
  FileSystem* const fs_;
};

}  // namespace arc
