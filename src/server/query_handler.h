// QueryHandler: POST /api/v1/query and GET /api/v1/measurements. Both run on the query
// executor, never on an io thread; when it is full the answer is 429 with Retry-After.
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
  // The catalogue, listing only the databases `scope` allows.
  void Measurements(DatabaseScope scope, std::function<void(HttpResponse)> respond);

 private:
  // Runs on an executor thread: answers at once with an error, or with a streamed body that
  // this thread then feeds piece by piece.
  void RunQuery(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  static HttpResponse Busy();
  // Runs `work` on the executor, or answers 429 when it is full.
  void Submit(std::function<HttpResponse()> work, std::function<void(HttpResponse)> respond);

  QueryEngine* const engine_;
  Executor* const executor_;
  const std::chrono::seconds body_timeout_;
};

}  // namespace arc
