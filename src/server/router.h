// Router: maps method and path to handlers, applying authentication.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "server/http_types.h"
#include "server/token_store.h"
#include "server/write_handler.h"

namespace arc {

class Router {
 public:
  // `tokens` is null when auth is disabled. Both pointers must outlive the router.
  Router(WriteHandler* writes, TokenStore* tokens);

  // Handles one request. Thread-safe.
  HttpResponse Handle(const HttpRequest& request);
  // /ready answers 200 only while ready (after start-up recovery, before shutdown).
  void SetReady(bool ready) { ready_ = ready; }

 private:
  HttpResponse Health() const;
  HttpResponse CreateToken(const HttpRequest& request);

  WriteHandler* const writes_;
  TokenStore* const tokens_;
  std::atomic<bool> ready_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace arc
