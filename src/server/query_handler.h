// QueryHandler: POST /api/v1/query and GET /api/v1/measurements. Both run on the query
// executor, never on an io thread; when it is full the answer is 429 with Retry-After.
#pragma once

#include <functional>

#include "common/executor.h"
#include "query/query_engine.h"
#include "server/http_types.h"

namespace arc {

class QueryHandler {
 public:
  // `engine` and `executor` must outlive the handler. Thread-safe.
  QueryHandler(QueryEngine* engine, Executor* executor) : engine_(engine), executor_(executor) {}

  // {"sql": "..."} → {"success", "columns", "data", "row_count", "execution_time_ms",
  // "timestamp"}; errors {"success": false, "error"} with 400. `respond` runs on an executor
  // thread.
  void Query(HttpRequest&& request, std::function<void(HttpResponse)> respond);
  void Measurements(std::function<void(HttpResponse)> respond);

 private:
  HttpResponse RunQuery(const HttpRequest& request);
  // Runs `work` on the executor, or answers 429 when it is full.
  void Submit(std::function<HttpResponse()> work, std::function<void(HttpResponse)> respond);

  QueryEngine* const engine_;
  Executor* const executor_;
};

}  // namespace arc
