#include "server/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "common/logging.h"

namespace arc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Options options;
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::vector<std::thread> threads;
  std::atomic<int> in_flight{0};
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;

  void Accept();
};

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(120);

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void Start() { ReadHeader(); }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Fail(ec);
    const auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, req.version());
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](beast::error_code ec2, size_t) {
                          if (ec2) return self->Fail(ec2);
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRequest(ec);
                     });
  }

  void Fail(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse r = JsonError(413, "request body exceeds max_payload_size (" +
                                          std::to_string(server_->options.max_body_bytes) +
                                          " bytes)");
      return Write(std::move(r), false);
    }
    if (ec == http::error::header_limit || ec == http::error::bad_target ||
        ec == http::error::bad_method || ec == http::error::bad_version ||
        ec == http::error::bad_field || ec == http::error::bad_value ||
        ec == http::error::bad_content_length || ec == http::error::bad_chunk) {
      return Write(JsonError(400, "malformed HTTP request: " + ec.message()), false);
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return Fail(ec);
    auto req = parser_->release();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.SetTarget(std::string_view(req.target().data(), req.target().size()));
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    r.body = std::move(req.body());
    const bool keep_alive = req.keep_alive();
    server_->in_flight.fetch_add(1);
    auto self = shared_from_this();
    HttpServer::Responder respond = [self, keep_alive](HttpResponse resp) {
      asio::post(self->stream_.get_executor(), [self, keep_alive, resp = std::move(resp)]() mutable {
        self->server_->in_flight.fetch_sub(1);
        self->Write(std::move(resp), keep_alive);
      });
    };
    const std::string path = r.path;
    try {
      server_->handler(std::move(r), respond);
    } catch (const std::exception& e) {
      LOG_ERROR("handler for " << path << " threw: " << e.what());
      respond(JsonError(500, std::string("internal error: ") + e.what()));
    }
  }

  void Write(HttpResponse resp, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), 11);
    res->set(http::field::server, "arc");
    if (!resp.content_type.empty()) res->set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res->set(k, v);
    res->body() = std::move(resp.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (keep_alive) return self->ReadHeader();
                        self->DrainAndClose();
                      });
  }

  // After an early answer (413, 400) the client may still be sending: read and discard what
  // comes (bounded) so that closing does not reset the connection before it reads the answer.
  void DrainAndClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (!ec && self->drained_ < (64u << 20)) self->DrainAndClose();
                            });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        LOG_WARN("accept failed: " << ec.message());
        Accept();
      }
      return;
    }
    socket.set_option(tcp::no_delay(true));
    std::make_shared<Session>(std::move(socket), this)->Start();
    Accept();
  });
}

HttpServer::HttpServer(Options options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  Stop(0);
  Wait();
}

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
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
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
