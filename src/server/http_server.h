// HttpServer: Boost.Beast HTTP/1.1 with keep-alive on a pool of io threads, built so that no
// client can take it down:
//   - the head is read into a bounded buffer (64 KiB), screened (ScreenRequestHead), and
//     judged by the HeadCheck — routing and authentication — before any body byte is read or
//     100 Continue is sent; a refused request gets its answer and the connection closes;
//   - bodies are capped per route and, all connections together, by max_inflight_body_bytes;
//   - connections are capped below the file-descriptor limit; at the cap the connection that
//     has waited longest (≥ 1 s) for a request head is closed to make room, and only when
//     none has, a new one gets 503; a failing accept backs off;
//   - heads must arrive within header_timeout, and a body must keep moving (body_timeout).
// Optionally it speaks only TLS (the handshake counts against header_timeout), gzips answers
// the client accepts gzip for, and answers CORS preflights before routing (docs/protocol.md,
// "Transport").
// Handlers run on the io threads and must not block; slow work goes to an executor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "server/cors.h"
#include "server/http_types.h"

namespace boost::asio::ssl {
class context;
}

namespace arc {

class HttpServer {
 public:
  // Sends the response; callable once, from any thread.
  using Responder = std::function<void(HttpResponse)>;
  // Handles a request; must eventually call the responder exactly once.
  using Handler = std::function<void(HttpRequest&&, Responder)>;
  // What the head of a request decides: refuse it at once (404, 405, 401, 403, ...) or read a
  // body of at most `body_limit` bytes.
  struct HeadDecision {
    std::optional<HttpResponse> reject;
    uint64_t body_limit = 0;
    std::string body_limit_name;  // what sets the limit, for the 413's message
  };
  // Judges a request from its head alone (`body` is empty). Runs on an io thread; must not block.
  // It may attach what it learnt to the request (the authenticated principal).
  using HeadCheck = std::function<HeadDecision(HttpRequest&)>;

  struct Options {
    std::string host = "0.0.0.0";
    int port = 8000;  // 0 picks a free port
    int threads = 1;
    uint64_t max_inflight_body_bytes = 256ull << 20;  // request bodies of all connections
    int max_connections = 0;                          // 0: RLIMIT_NOFILE minus a reserve
    std::chrono::seconds header_timeout{30};
    std::chrono::seconds body_timeout{60};  // the longest wait for more body bytes
    // Set: the port speaks only TLS with this context (server/tls_context.h builds it).
    std::shared_ptr<boost::asio::ssl::context> tls;
    CorsPolicy cors;                  // default: off
    bool gzip_answers = true;         // when the client accepts gzip
    size_t gzip_min_bytes = 1024;     // smaller whole bodies go uncompressed
    int gzip_level = 1;               // zlib level
  };

  HttpServer(Options options, HeadCheck head_check, Handler handler);
  ~HttpServer();

  // Binds and starts accepting on `threads` io threads. The handler starts on those threads;
  // it may respond later from another thread (the WAL's group commit does).
  Status Start();
  int port() const { return bound_port_; }
  int max_connections() const;
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
