// WriteHandler: the four ingest endpoints — decompress, decode, hand to the IngestEngine.
#pragma once

#include <atomic>
#include <cstdint>

#include "buffer/ingest_engine.h"
#include "server/http_types.h"
#include "server/metrics.h"

namespace arc {

class WriteHandler {
 public:
  enum class Format { kMsgpack, kLineProtocol };
  enum class Dialect { kArc, kInfluxV1, kInfluxV2 };  // where the database name comes from

  // `engine` must outlive the handler.
  WriteHandler(IngestEngine* engine, uint64_t max_payload_size);

  // Responds 204 once every record is accepted (and, with the WAL, durable per its sync mode);
  // 400/413/503 with {"error"} otherwise, nothing accepted then. `respond` may run on another
  // thread. Thread-safe.
  // `counters` (the route's) must outlive the response.
  void Handle(const HttpRequest& request, Format format, Dialect dialect, WriteCounters* counters,
              std::function<void(HttpResponse)> respond);

 private:
  Result<std::string> DatabaseFor(const HttpRequest& request, Dialect dialect) const;
  Status Decode(const HttpRequest& request, Format format, std::string_view body, BatchSet* out);

  IngestEngine* const engine_;
  const uint64_t max_payload_size_;
};

}  // namespace arc
