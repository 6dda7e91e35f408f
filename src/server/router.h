// Router: maps method and path to handlers, applying authentication.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "server/http_server.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/quarantine_handler.h"
#include "server/query_handler.h"
#include "server/token_store.h"
#include "server/wal_handler.h"
#include "server/write_handler.h"

namespace arc {

class Router {
 public:
  // `tokens` is null when auth is disabled. Every pointer must outlive the router.
  Router(WriteHandler* writes, WalHandler* wal, QueryHandler* queries,
         QuarantineHandler* quarantine, TokenStore* tokens, const IngestEngine* engine);

  // Handles one request; `respond` may be called on another thread (WAL writes). Thread-safe.
  void Handle(HttpRequest&& request, HttpServer::Responder respond);
  // /ready answers 200 only while ready (after start-up recovery, before shutdown).
  void SetReady(bool ready) { ready_ = ready; }

 private:
  HttpResponse Health() const;
  HttpResponse CreateToken(const HttpRequest& request);
  // Every endpoint but the writes: answered at once.
  HttpResponse HandleSync(const HttpRequest& request);

  // The route's label in metrics: its path when known, else "other".
  static std::string EndpointLabel(const std::string& path);

  WriteHandler* const writes_;
  WalHandler* const wal_;
  QueryHandler* const queries_;
  QuarantineHandler* const quarantine_;
  const IngestEngine* const engine_;
  HttpMetrics metrics_;
  WriteCounters write_counters_[4];
  TokenStore* const tokens_;
  std::atomic<bool> ready_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace arc
