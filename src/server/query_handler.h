// QueryHandler: POST /api/v1/query, POST /api/v1/query/arrow and the catalogue
// (GET /api/v1/measurements, /databases).
// All run on the query executor, never on an io thread; when it is full the answer is 429
// with Retry-After.
#pragma once

#include <chrono>
#include <functional>

#include "common/executor.h"
#include "query/query_engine.h"
#include "server/http_types.h"

namespace arc {

class QueryHandler {
 public:
  // `engine` and `executor` must outlive the handler. A client that stops reading a streamed
  // result for `body_timeout` loses it. Thread-safe.
  QueryHandler(QueryEngine* engine, Executor* executor, std::chrono::seconds body_timeout)
      : engine_(engine), executor_(executor), body_timeout_(body_timeout) {}

  // {"sql": "..."} → {"success", "columns", "data", "row_count", "execution_time_ms",
  // "timestamp"}; errors {"success": false, "error"} with 400. `respond` runs on an executor
  // thread.
  void Query(HttpRequest&& request, std::function<void(HttpResponse)> respond);
  // The same request answered as an Arrow IPC stream (docs/arrow-ipc.md); errors before the
  // first rows are JSON as for Query, a failure part way cuts the body short.
  void ArrowQuery(HttpRequest&& request, std::function<void(HttpResponse)> respond);
  // Runs `answer` (a catalogue listing, server/catalog_handler.h) on the executor.
  void Catalog(std::function<HttpResponse(QueryEngine*)> answer,
               std::function<void(HttpResponse)> respond);

 private:
  // Runs on an executor thread: answers at once with an error, or with a streamed body that
  // this thread then feeds piece by piece.
  void RunQuery(const HttpRequest& request, ResultFormat format, std::function<void(HttpResponse)> respond);
  // Runs RunQuery on the executor, or answers 429 when it is full.
  void SubmitQuery(HttpRequest&& request, ResultFormat format, std::function<void(HttpResponse)> respond);
  // Answers with a streamed body: `head`, the result's pieces, then `tail()`; fed by this
  // thread at the client's pace.
  void Stream(QueryResult* result, HttpResponse response, std::string head,
              const std::function<std::string()>& tail, std::function<void(HttpResponse)> respond);
  static HttpResponse Busy();
  // Runs `work` on the executor, or answers 429 when it is full.
  void Submit(std::function<HttpResponse()> work, std::function<void(HttpResponse)> respond);

  QueryEngine* const engine_;
  Executor* const executor_;
  const std::chrono::seconds body_timeout_;
};

}  // namespace arc
