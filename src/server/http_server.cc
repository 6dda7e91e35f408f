#include "server/http_server.h"

#include <sys/resource.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "common/logging.h"
#include "server/answer_encoding.h"
#include "server/idle_connections.h"
#include "server/request_screen.h"

namespace arc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// The largest request head (request line and fields): also the read buffer's size, so no
// line of a request, a chunk-size line with extensions included, can grow memory past it.
constexpr size_t kHeadLimit = 64 * 1024;
// File descriptors kept free for everything but connections (WAL, Parquet, DuckDB, S3).
constexpr int kReservedDescriptors = 256;
// At the connection cap, how long a connection must have waited for a head to be closed for
// a new one.
constexpr std::chrono::milliseconds kEvictAfter{1000};

int DefaultMaxConnections() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 10000;
  return std::max<int>(16, static_cast<int>(rl.rlim_cur) - kReservedDescriptors);
}

}  // namespace

struct HttpServer::Impl {
  Options options;
  HeadCheck head_check;
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  asio::steady_timer accept_retry{ioc};
  std::chrono::milliseconds accept_backoff{0};
  Clock::time_point last_accept_warning;
  std::vector<std::thread> threads;
  std::atomic<int> in_flight{0};
  std::atomic<int> connections{0};
  IdleConnections idle;  // connections waiting for a head: evicted, oldest first, at the cap
  std::atomic<uint64_t> inflight_body{0};
  int max_connections = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;

  void Accept();
  void StartSession(tcp::socket socket);
  void OnAcceptError(const beast::error_code& ec);
  void Refuse(tcp::socket socket);
  // Reserves `n` more bytes of request body against max_inflight_body_bytes.
  bool ReserveBody(uint64_t n) {
    uint64_t cur = inflight_body.load();
    do {
      if (cur + n > options.max_inflight_body_bytes) return false;
    } while (!inflight_body.compare_exchange_weak(cur, cur + n));
    return true;
  }
  void ReleaseBody(uint64_t n) { inflight_body.fetch_sub(n); }
};

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: plain (Stream = beast::tcp_stream) or TLS (TlsStream). Timeouts are set on
// the TCP layer below either.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<Session<Stream>>::weak_from_this;

 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
    requires(!kTls)
      : stream_(std::move(socket)), server_(server), buffer_(kHeadLimit) {}
  Session(tcp::socket socket, HttpServer::Impl* server)
    requires(kTls)
      : stream_(std::move(socket), *server->options.tls), server_(server), buffer_(kHeadLimit) {}
  ~Session() {
    server_->idle.Remove(idle_id_);
    server_->ReleaseBody(reserved_);
    server_->connections.fetch_sub(1);
  }

  // A TLS connection shakes hands first, within the head's time and as a connection waiting
  // for a head (so one that never finishes is closed after header_timeout, or evicted).
  void Start() {
    WaitForHead();
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->OnHandshakeFailed(ec);
        self->ContinueHead(beast::error_code(), 0);
      });
    } else {
      ContinueHead(beast::error_code(), 0);
    }
  }

 private:
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  // Reads until the buffer holds a whole head (up to the empty line). Bytes that arrived
  // earlier (pipelining) are used first; the buffer never grows past kHeadLimit.
  void ReadHead() {
    WaitForHead();
    ContinueHead(beast::error_code(), 0);
  }

  void WaitForHead() {
    // Nothing is known of the next request yet: an answer before its head is parsed (431) is
    // neither gzipped nor given CORS headers on the strength of the previous request.
    encoding_ = AnswerEncoding();
    cors_origin_.reset();
    tcp_layer().expires_after(server_->options.header_timeout);
    // Waiting for a head: the connection may be closed to make room at the connection cap.
    idle_id_ = server_->idle.Add([weak = weak_from_this(), executor = stream_.get_executor()] {
      asio::post(executor, [weak] {
        if (auto self = weak.lock()) self->Close();
      });
    });
  }

  // A plain HTTP request on the TLS port gets a plain 400 saying so, as nginx does, instead of
  // an empty reply; any other failed handshake is just closed.
  void OnHandshakeFailed(const beast::error_code& ec) {
    if (ec.category() != asio::error::get_ssl_category() ||
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) != SSL_R_HTTP_REQUEST) {
      return Close();
    }
    static const std::string kBody = R"({"error":"this port speaks HTTPS only: use https://"})";
    static const std::string kPlain =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: " + std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    tcp_layer().expires_after(std::chrono::seconds(5));
    asio::async_write(tcp_layer(), asio::buffer(kPlain), [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->Close();
    });
  }

  void ContinueHead(beast::error_code ec, size_t n) {
    buffer_.commit(n);
    if (ec) return Close();
    const std::string_view seen(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    const size_t end = seen.find("\r\n\r\n");
    if (end != std::string_view::npos) return OnHead(end + 4);
    if (buffer_.size() >= kHeadLimit) return Finish(JsonError(431, "request head larger than 64 KiB"));
    stream_.async_read_some(buffer_.prepare(kHeadLimit - buffer_.size()),
                            [self = shared_from_this()](beast::error_code e, size_t got) {
                              self->ContinueHead(e, got);
                            });
  }

  void OnHead(size_t head_size) {
    server_->idle.Remove(idle_id_);  // busy from here until the answer is sent
    idle_id_ = 0;
    beast::error_code ec;
    const char* data = static_cast<const char*>(buffer_.data().data());
    const std::string_view head(data, head_size);
    Status screened = ScreenRequestHead(head);
    if (!screened.ok()) return Finish(JsonError(400, screened.message()));
    parser_.emplace();
    parser_->header_limit(kHeadLimit);
    parser_->body_limit(UINT64_MAX);  // each route's limit is checked below
    parser_->eager(false);
    const size_t used = parser_->put(asio::buffer(data, head_size), ec);
    if (ec || !parser_->is_header_done()) {
      return Finish(JsonError(400, "malformed HTTP request: " + (ec ? ec.message() : std::string("incomplete head"))));
    }
    buffer_.consume(used);
    const auto& msg = parser_->get();
    request_ = HttpRequest();
    request_.method = std::string(msg.method_string());
    request_.SetTarget(std::string_view(msg.target().data(), msg.target().size()));
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request_.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    keep_alive_ = msg.keep_alive();
    encoding_.gzip = server_->options.gzip_answers && request_.method != "HEAD" &&
                     AcceptsGzip(request_.Header("accept-encoding"));
    encoding_.min_bytes = server_->options.gzip_min_bytes;
    encoding_.level = server_->options.gzip_level;
    // CORS before routing and authentication: a browser's preflight carries no token.
    const CorsPolicy& cors = server_->options.cors;
    if (cors.enabled()) {
      cors_origin_ = cors.AllowOrigin(request_.Header("origin"));
      if (CorsPolicy::IsPreflight(request_)) {
        if (!cors_origin_) {
          return Finish(JsonError(403, "origin " + std::string(request_.Header("origin")) +
                                           " is not allowed by server.cors_origins"));
        }
        // The answer carries its own CORS headers.
        const std::string allow = *std::exchange(cors_origin_, std::nullopt);
        HttpResponse preflight = CorsPolicy::PreflightAnswer(allow);
        preflight.headers.emplace_back("Vary", "Origin");
        if (!parser_->is_done()) return Finish(std::move(preflight));  // a body: not read
        parser_.reset();
        return Write(std::move(preflight), keep_alive_);
      }
    }
    HttpServer::HeadDecision decision = server_->head_check(request_);
    if (decision.reject) return Finish(std::move(*decision.reject));
    if (parser_->is_done()) return Dispatch();  // no body
    const boost::optional<uint64_t> length = parser_->content_length();
    if (length && *length > decision.body_limit) {
      return Finish(JsonError(413, "request body of " + std::to_string(*length) + " bytes exceeds " +
                                       decision.body_limit_name + " (" + std::to_string(decision.body_limit) +
                                       " bytes) for " + request_.path));
    }
    // Known lengths are reserved whole now; chunked bodies as they grow.
    if (!Reserve(length ? *length : 0)) return Busy();
    parser_->body_limit(decision.body_limit);
    limit_name_ = decision.body_limit_name;
    if (beast::iequals(msg[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, msg.version());
      http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec2, size_t) {
        if (ec2) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  bool Reserve(uint64_t total) {
    if (total <= reserved_) return true;
    if (!server_->ReserveBody(total - reserved_)) return false;
    reserved_ = total;
    return true;
  }

  void Busy() {
    HttpResponse r = JsonError(503, "too many request bytes in flight; retry later");
    r.headers.emplace_back("Retry-After", "1");
    Finish(std::move(r));
  }

  void ReadBody() {
    tcp_layer().expires_after(server_->options.body_timeout);  // the body must keep moving
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Finish(JsonError(413, "request body exceeds " + limit_name_ + " for " + request_.path));
    }
    if (ec == http::error::buffer_overflow || ec == http::error::bad_chunk ||
        ec == http::error::bad_chunk_extension || ec == http::error::bad_content_length) {
      return Finish(JsonError(400, "malformed HTTP request body: " + ec.message()));
    }
    if (ec) return Close();
    if (!Reserve(parser_->get().body().size())) return Busy();
    if (!parser_->is_done()) return ReadBody();
    request_.body = std::move(parser_->get().body());
    Dispatch();
  }

  void Dispatch() {
    parser_.reset();
    server_->in_flight.fetch_add(1);
    auto self = shared_from_this();
    const bool keep_alive = keep_alive_;
    HttpServer::Responder respond = [self, keep_alive, encoding = encoding_](HttpResponse resp) {
      // Compressed here, on the responding thread (a query worker's, for the large answers),
      // not on the io thread.
      EncodeAnswer(encoding, &resp);
      asio::post(self->stream_.get_executor(), [self, keep_alive, resp = std::move(resp)]() mutable {
        self->server_->in_flight.fetch_sub(1);
        self->server_->ReleaseBody(self->reserved_);  // the handler is done with the body
        self->reserved_ = 0;
        self->Write(std::move(resp), keep_alive);
      });
    };
    const std::string path = request_.path;
    try {
      server_->handler(std::move(request_), respond);
    } catch (const std::exception& e) {
      LOG_ERROR("handler for " << path << " threw: " << e.what());
      respond(JsonError(500, "internal error"));
    }
  }

  // Answers and closes: used for requests refused before their body was read.
  void Finish(HttpResponse resp) {
    EncodeAnswer(encoding_, &resp);  // small error bodies: this adds Vary at most
    Write(std::move(resp), false);
  }

  void Write(HttpResponse resp, bool keep_alive) {
    if (resp.stream) return WriteStreamed(std::move(resp), keep_alive);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(resp.status), 11);
    SetHeaders(res.get(), resp, keep_alive);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    tcp_layer().expires_after(server_->options.body_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      self->AfterResponse(ec, keep_alive);
    });
  }

  template <typename Response>
  void SetHeaders(Response* res, const HttpResponse& resp, bool keep_alive) const {
    res->set(http::field::server, "arc");
    if (!resp.content_type.empty()) res->set(http::field::content_type, resp.content_type);
    std::string vary;  // the answer's Vary values and CORS's, in one field
    auto add_vary = [&vary](std::string_view v) { vary += (vary.empty() ? "" : ", ") + std::string(v); };
    for (const auto& [k, v] : resp.headers) {
      if (beast::iequals(k, "vary")) {
        add_vary(v);
      } else {
        res->set(k, v);
      }
    }
    if (cors_origin_) {
      for (const auto& [k, v] : CorsPolicy::ResponseHeaders(*cors_origin_)) res->set(k, v);
      add_vary("Origin");
    }
    if (!vary.empty()) res->set(http::field::vary, vary);
    res->keep_alive(keep_alive);
  }

  void AfterResponse(beast::error_code ec, bool keep_alive) {
    if (ec) return Close();
    if (keep_alive) return ReadHead();
    DrainAndClose();
  }

  // A chunked response whose pieces come from resp.stream, one write at a time: the producer
  // never runs ahead of the client.
  void WriteStreamed(HttpResponse resp, bool keep_alive) {
    auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(resp.status), 11);
    SetHeaders(res.get(), resp, keep_alive);
    res->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    tcp_layer().expires_after(server_->options.body_timeout);
    http::async_write_header(stream_, *serializer,
                             [self = shared_from_this(), res, serializer, body = resp.stream,
                              keep_alive](beast::error_code ec, size_t) {
                               if (ec) return self->AbandonStream(*body);
                               self->NextPiece(body, keep_alive);
                             });
  }

  // Ends a streamed answer early: its producer learns at once that no more pieces are wanted
  // (it would otherwise wait body_timeout holding a query worker).
  void AbandonStream(BodyStream& body) {
    body.Abandon();
    Close();
  }

  void NextPiece(std::shared_ptr<BodyStream> body, bool keep_alive) {
    auto self = shared_from_this();
    body->Next([self, body, keep_alive](std::string piece, bool last, bool failed) {
      asio::post(self->stream_.get_executor(), [self, body, keep_alive, piece = std::move(piece), last,
                                                 failed]() mutable {
        if (failed) return self->AbandonStream(*body);  // the client sees a cut chunked body
        self->WritePiece(std::move(body), std::move(piece), last, keep_alive);
      });
    });
  }

  void WritePiece(std::shared_ptr<BodyStream> body, std::string piece, bool last, bool keep_alive) {
    auto data = std::make_shared<std::string>(std::move(piece));
    auto after = [self = shared_from_this(), body, last, keep_alive, data](beast::error_code ec, size_t) {
      if (ec) return self->AbandonStream(*body);
      if (!last) return self->NextPiece(body, keep_alive);
      self->tcp_layer().expires_after(self->server_->options.body_timeout);
      asio::async_write(self->stream_, http::make_chunk_last(),
                        [self, keep_alive](beast::error_code ec2, size_t) { self->AfterResponse(ec2, keep_alive); });
    };
    tcp_layer().expires_after(server_->options.body_timeout);
    if (data->empty()) return after(beast::error_code(), 0);
    asio::async_write(stream_, http::make_chunk(asio::buffer(*data)), std::move(after));
  }

  // After an early answer (413, 401, 400) the client may still be sending: read and discard
  // what comes (bounded, into a fixed buffer) so that closing does not reset the connection
  // before it reads the answer.
  // Over TLS the read decrypts and the send side stays open (a TCP half-close would cut the
  // TLS stream without its close_notify); the client reads its answer and closes.
  // One deadline for the whole drain, never re-armed by arriving bytes: a client trickling a
  // byte every few seconds would otherwise hold its connection (and a slot of the cap) for ever.
  void DrainAndClose() {
    if (!draining_) {
      draining_ = true;
      if constexpr (!kTls) {
        beast::error_code ignored;
        tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      tcp_layer().expires_after(std::chrono::seconds(5));
    }
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (!ec && self->drained_ < (64u << 20)) self->DrainAndClose();
    });
  }

  void Close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().socket().close(ignored);
  }

  Stream stream_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  HttpRequest request_;
  bool keep_alive_ = false;
  uint64_t reserved_ = 0;
  std::string limit_name_;
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
  bool draining_ = false;
  IdleConnections::Id idle_id_ = 0;
  AnswerEncoding encoding_;                 // the request's gzip choice
  std::optional<std::string> cors_origin_;  // its Access-Control-Allow-Origin, when allowed
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) return OnAcceptError(ec);
    accept_backoff = std::chrono::milliseconds(0);
    // At the cap, the connection that has waited longest for a head (at least a second: a
    // client that just connected is about to send one) makes room; if none, a 503.
    if (connections.load() >= max_connections && !idle.EvictOldest(kEvictAfter)) {
      Refuse(std::move(socket));
    } else {
      connections.fetch_add(1);
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      StartSession(std::move(socket));
    }
    Accept();
  });
}

void HttpServer::Impl::StartSession(tcp::socket socket) {
  if (options.tls) {
    std::make_shared<Session<TlsStream>>(std::move(socket), this)->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(std::move(socket), this)->Start();
  }
}

// Out of file descriptors (or another accept failure): wait before trying again, 5 ms
// doubling to 1 s, so the loop never spins, and say so at most every 10 s.
void HttpServer::Impl::OnAcceptError(const beast::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;
  accept_backoff = std::clamp(accept_backoff * 2, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
  if (Clock::now() - last_accept_warning > std::chrono::seconds(10)) {
    last_accept_warning = Clock::now();
    LOG_WARN("accept failed: " << ec.message() << " (" << connections.load()
             << " connections open); retrying in " << accept_backoff.count() << " ms");
  }
  accept_retry.expires_after(accept_backoff);
  accept_retry.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec) Accept();
  });
}

// Over the connection cap: a short 503 and close, so the client learns why at once instead of
// waiting in the kernel's backlog, and no session memory is spent.
void HttpServer::Impl::Refuse(tcp::socket socket) {
  if (options.tls) {  // a TLS client would not understand a plain 503: just close
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  static const std::string kBody = R"({"error":"too many connections; retry later"})";
  static const std::string kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: " + std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*s, asio::buffer(kBusy), [s](beast::error_code, size_t) {
    beast::error_code ignored;
    s->shutdown(tcp::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

HttpServer::HttpServer(Options options, HeadCheck head_check, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->head_check = std::move(head_check);
  impl_->handler = std::move(handler);
  impl_->max_connections =
      impl_->options.max_connections > 0 ? impl_->options.max_connections : DefaultMaxConnections();
}

HttpServer::~HttpServer() {
  Stop(0);
  Wait();
}

int HttpServer::max_connections() const { return impl_->max_connections; }

Status HttpServer::Start() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::InvalidArgument("server.host \"" + impl_->options.host + "\": " + ec.message());
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->options.port));
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen on " + impl_->options.host + ":" +
                           std::to_string(impl_->options.port) + ": " + ec.message());
  }
  bound_port_ = acc.local_endpoint().port();
  impl_->Accept();
  for (int i = 0; i < impl_->options.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return Status::OK();
}

void HttpServer::OnShutdownSignal(std::function<void()> on_signal) {
  impl_->signals.async_wait([on_signal](beast::error_code ec, int) {
    if (!ec) on_signal();
  });
}

void HttpServer::Stop(int grace_ms) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  asio::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->signals.cancel(ignored);
    impl_->accept_retry.cancel();
  });
  const auto deadline = Clock::now() + std::chrono::milliseconds(grace_ms);
  while (impl_->in_flight.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->ioc.stop();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->cv.notify_all();
}

void HttpServer::Wait() {
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return impl_->stopped; });
  }
  for (std::thread& t : impl_->threads) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

}  // namespace arc
