// WriteHandler: the four ingest endpoints — decompress, decode, hand to the IngestEngine.
#pragma once

#include <atomic>
#include <cstdint>

#include "buffer/ingest_engine.h"
#include "common/executor.h"
#include "server/http_types.h"
#include "server/metrics.h"

namespace arc {

class WriteHandler {
 public:
  enum class Format { kMsgpack, kLineProtocol };
  enum class Dialect { kArc, kInfluxV1, kInfluxV2 };  // where the database name comes from

  // `engine` and `decoder` (may be null: everything decodes inline) must outlive the handler.
  // Decompressed bodies may grow to `max_decompressed_size` bytes.
  WriteHandler(IngestEngine* engine, uint64_t max_decompressed_size, Executor* decoder);

  // Responds 204 once every record is accepted (and, with the WAL, durable per its sync mode);
  // 400/413/503 with {"error"} otherwise, nothing accepted then. `respond` may run on another
  // thread. Thread-safe.
  // `counters` (the route's) must outlive the response.
  // Compressed bodies and bodies over kInlineDecodeBytes are decoded on `decoder`; a full
  // decoder queue answers 503 with Retry-After.
  void Handle(HttpRequest&& request, Format format, Dialect dialect, WriteCounters* counters,
              std::function<void(HttpResponse)> respond);
  static constexpr size_t kInlineDecodeBytes = 1 << 20;

 private:
  Result<std::string> DatabaseFor(const HttpRequest& request, Dialect dialect) const;
  Status Decode(const HttpRequest& request, Format format, std::string_view body, BatchSet* out);
  void Process(const HttpRequest& request, Format format, Dialect dialect, WriteCounters* counters,
               std::function<void(HttpResponse)> respond);

  IngestEngine* const engine_;
  const uint64_t max_decompressed_size_;
  Executor* const decoder_;
};

}  // namespace arc
