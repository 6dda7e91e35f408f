// HttpServer: Boost.Beast HTTP/1.1 with keep-alive on a pool of io threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "server/http_types.h"

namespace arc {

class HttpServer {
 public:
  // Sends the response; callable once, from any thread.
  using Responder = std::function<void(HttpResponse)>;
  // Handles a request; must eventually call the responder exactly once.
  using Handler = std::function<void(HttpRequest&&, Responder)>;
  struct Options {
    std::string host = "0.0.0.0";
    int port = 8000;                       // 0 picks a free port
    int threads = 1;
    uint64_t max_body_bytes = 1ull << 30;  // larger bodies get 413
  };

  HttpServer(Options options, Handler handler);
  ~HttpServer();

  // Binds and starts accepting on `threads` io threads. The handler starts on those threads;
  // it may respond later from another thread (the WAL's group commit does).
  Status Start();
  int port() const { return bound_port_; }
  // Calls `on_signal` (once, on an io thread) at SIGINT or SIGTERM.
  void OnShutdownSignal(std::function<void()> on_signal);
  // Stops accepting, waits up to `grace_ms` for requests in flight, then stops the io threads.
  void Stop(int grace_ms);
  // Blocks until Stop has completed.
  void Wait();

  struct Impl;  // implementation detail (Beast types), defined in http_server.cc

 private:
  std::unique_ptr<Impl> impl_;
  int bound_port_ = 0;
};

}  // namespace arc
