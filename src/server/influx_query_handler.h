// InfluxQueryHandler: InfluxDB 1.x's GET|POST /query — InfluxQL (influxql/) over the same
// engine as /api/v1/query, answered in InfluxDB's JSON or CSV. Parameters come from the URL
// and, for POST, from a form body: q, db, rp ("autogen"), epoch, pretty, chunked, chunk_size.
// CREATE/DROP need a POST and an admin token. Statements run on the query executor; when it
// is full the answer is 429.
#pragma once

#include <functional>
#include <memory>

#include "common/executor.h"
#include "influxql/catalog.h"
#include "server/http_types.h"
#include "server/token_store.h"

namespace arc {

// The version InfluxDB 1.x clients are told (X-Influxdb-Version, /ping?verbose=true).
inline constexpr char kInfluxCompatVersion[] = "1.8.10";

// Adds X-Influxdb-Version and X-Influxdb-Build to `r`.
void AddInfluxHeaders(HttpResponse* r);

class InfluxQueryHandler {
 public:
  // Every pointer must outlive the handler; `tokens` is null when auth is disabled.
  // `max_points` caps one answer (query.max_rows). Thread-safe.
  InfluxQueryHandler(influxql::Catalog* catalog, Executor* executor, const TokenStore* tokens,
                     int64_t max_points)
      : catalog_(catalog), executor_(executor), tokens_(tokens), max_points_(max_points) {}

  // Answers on an executor thread (or at once with 400/429).
  void Query(HttpRequest&& request, std::function<void(HttpResponse)> respond);

 private:
  HttpResponse Run(const HttpRequest& request);

  influxql::Catalog* const catalog_;
  Executor* const executor_;
  const TokenStore* const tokens_;
  const int64_t max_points_;
};

}  // namespace arc
