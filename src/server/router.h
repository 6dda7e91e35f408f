// Router: the route table. Each route names its method, path, who may call it, how large a
// body it takes and its handler. The HttpServer asks Head() before reading a body — unknown
// path 404, wrong method 405, missing or bad token 401/403, all answered without reading a
// byte of body — and Handle() once the body is in.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/executor.h"
#include "server/compaction_handler.h"
#include "server/delete_handler.h"
#include "server/http_server.h"
#include "server/http_types.h"
#include "server/influx_query_handler.h"
#include "server/metrics.h"
#include "server/quarantine_handler.h"
#include "server/request_log.h"
#include "server/retention_handler.h"
#include "server/query_handler.h"
#include "server/token_handler.h"
#include "server/token_store.h"
#include "server/wal_handler.h"
#include "server/write_handler.h"

namespace arc {

class Router {
 public:
  struct Limits {
    uint64_t max_payload_size = 25ull << 20;  // write bodies (compressed)
    uint64_t max_query_body = 1ull << 20;     // SQL and other JSON requests
  };
  // `tokens` is null when auth is disabled. Every pointer must outlive the router.
  Router(WriteHandler* writes, WalHandler* wal, QueryHandler* queries,
         QuarantineHandler* quarantine, CompactionHandler* compaction, RetentionHandler* retention,
         DeleteHandler* deletes, InfluxQueryHandler* influx, TokenStore* tokens,
         const IngestEngine* engine, Limits limits);

  // Judges a request by its head (HttpServer::HeadCheck) and attaches the verified token's
  // principal to it (head.principal). Logs a refusal (request_log.h). Thread-safe.
  HttpServer::HeadDecision Head(HttpRequest& head) const;
  // Handles one request that passed Head; `respond` may be called on another thread.
  // Thread-safe.
  void Handle(HttpRequest&& request, HttpServer::Responder respond);
  // /ready answers 200 only while ready (after start-up recovery, before shutdown).
  void SetReady(bool ready) { ready_ = ready; }

  enum class Access { kPublic, kRead, kWrite, kDelete, kAdmin };
  struct Route {
    std::string method;
    // Exact, or with `prefix` a pattern whose parameter is "{}" (at the end when absent):
    // "/api/v1/quarantine/", "/api/v1/retention/{}/execute".
    std::string path;
    bool prefix = false;
    Access access = Access::kPublic;
    bool query_token = false;  // InfluxDB 1.x clients may send the token as ?p= (u=&p=)
    uint64_t body_limit = 0;
    std::string body_limit_name;
    std::function<void(HttpRequest&&, HttpServer::Responder)> handle;
  };

 private:
  void AddRoutes();
  void AddTokenRoutes();
  // The route for (method, path), or the error answer: 404 (no such path) / 405 (wrong method).
  const Route* Find(const std::string& method, const std::string& path, HttpResponse* error) const;
  // GET|HEAD /ping: 204, or 200 {"version"} with ?verbose=true; InfluxDB's headers.
  static HttpResponse Ping(const HttpRequest& request);
  HttpResponse Health() const;
  HttpResponse Ready() const;
  HttpResponse Metrics() const;
  // The metrics and log label of a route: its pattern, "{id}" for the parameter.
  static std::string Label(const Route& route);

  WriteHandler* const writes_;
  WalHandler* const wal_;
  QueryHandler* const queries_;
  QuarantineHandler* const quarantine_;
  CompactionHandler* const compaction_;
  RetentionHandler* const retention_;
  DeleteHandler* const deletes_;
  InfluxQueryHandler* const influx_;
  const IngestEngine* const engine_;
  TokenStore* const tokens_;
  TokenHandler token_handler_;
  const Limits limits_;
  std::vector<Route> routes_;
  mutable HttpMetrics metrics_;
  mutable RequestLog request_log_;
  WriteCounters write_counters_[4];
  std::atomic<bool> ready_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace arc
