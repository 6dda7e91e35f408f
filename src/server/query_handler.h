// QueryHandler: POST /api/v1/query and GET /api/v1/measurements.
#pragma once

#include "query/query_engine.h"
#include "server/http_types.h"

namespace arc {

class QueryHandler {
 public:
  // `engine` must outlive the handler. Thread-safe.
  explicit QueryHandler(QueryEngine* engine) : engine_(engine) {}

  // {"sql": "..."} → {"success", "columns", "data", "row_count", "execution_time_ms",
  // "timestamp"}; errors {"success": false, "error"} with 400.
  HttpResponse Query(const HttpRequest& request);
  HttpResponse Measurements();

 private:
  QueryEngine* const engine_;
};

}  // namespace arc
