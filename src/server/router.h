// Router: maps method and path to handlers, applying authentication.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "server/http_server.h"
#include "server/http_types.h"
#include "server/token_store.h"
#include "server/wal_handler.h"
#include "server/write_handler.h"

namespace arc {

class Router {
 public:
  // `tokens` is null when auth is disabled. Every pointer must outlive the router.
  Router(WriteHandler* writes, WalHandler* wal, TokenStore* tokens);

  // Handles one request; `respond` may be called on another thread (WAL writes). Thread-safe.
  void Handle(HttpRequest&& request, HttpServer::Responder respond);
  // /ready answers 200 only while ready (after start-up recovery, before shutdown).
  void SetReady(bool ready) { ready_ = ready; }

 private:
  HttpResponse Health() const;
  HttpResponse CreateToken(const HttpRequest& request);
  // Every endpoint but the writes: answered at once.
  HttpResponse HandleSync(const HttpRequest& request);

  WriteHandler* const writes_;
  WalHandler* const wal_;
  TokenStore* const tokens_;
  std::atomic<bool> ready_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace arc
