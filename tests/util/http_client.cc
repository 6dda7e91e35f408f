#include "util/http_client.h"

#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

namespace arc::test {

std::string HttpResult::Header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

HttpClient::HttpClient(int port, std::string host) : port_(port), host_(std::move(host)) {}
HttpClient::~HttpClient() {
  Close();
  if (tls_ctx_ != nullptr) SSL_CTX_free(tls_ctx_);
}

void HttpClient::UseTls(const std::string& ca_file) {
  // OpenSSL writes with write(2), not send(MSG_NOSIGNAL): a server that closed would kill the
  // test with SIGPIPE instead of failing the request.
  ::signal(SIGPIPE, SIG_IGN);
  Close();
  if (tls_ctx_ != nullptr) SSL_CTX_free(tls_ctx_);
  tls_ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(tls_ctx_, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_load_verify_locations(tls_ctx_, ca_file.c_str(), nullptr);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(tls_ctx_);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, host_.c_str(), 0);
  }
}

long HttpClient::SendSome(const char* data, size_t n) {
  if (tls_ == nullptr) return ::send(fd_, data, n, MSG_NOSIGNAL);
  const int r = SSL_write(tls_, data, static_cast<int>(std::min<size_t>(n, 1 << 30)));
  return r > 0 ? r : -1;
}

long HttpClient::RecvSome(char* data, size_t n) {
  if (tls_ == nullptr) return ::recv(fd_, data, n, 0);
  const int r = SSL_read(tls_, data, static_cast<int>(n));
  return r > 0 ? r : -1;
}

bool HttpClient::Connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Close();
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{60, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (tls_ctx_ != nullptr) {
    tls_ = SSL_new(tls_ctx_);
    SSL_set_fd(tls_, fd_);
    if (SSL_connect(tls_) != 1) {  // the handshake or the certificate check failed
      Close();
      return false;
    }
  }
  return true;
}

void HttpClient::Close() {
  if (tls_ != nullptr) SSL_free(tls_);  // no close_notify: the tests do not need it
  tls_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::string& body, const Headers& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  req += body;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !Connect()) return {};
    size_t sent = 0;
    bool ok = true;
    while (sent < req.size()) {
      const long n = SendSome(req.data() + sent, req.size() - sent);
      if (n <= 0) {
        ok = false;
        break;
      }
      sent += static_cast<size_t>(n);
    }
    HttpResult out;
    // Even when sending failed part way, the server may have answered early (413).
    if (ReadResponse(&out)) {
      if (out.Header("connection") == "close") Close();
      return out;
    }
    (void)ok;
    Close();  // a stale keep-alive connection: retry once on a new one
  }
  return {};
}

bool HttpClient::ReadResponse(HttpResult* out) {
  char buf[65536];
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const long n = RecvSome(buf, sizeof(buf));
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
  }
  const std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  out->status = std::atoi(head.c_str() + head.find(' ') + 1);
  size_t pos = head.find("\r\n");
  size_t content_length = 0;
  bool chunked = false;
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "content-length") content_length = std::stoul(value);
      if (name == "transfer-encoding" && value == "chunked") chunked = true;
      out->headers.emplace_back(name, value);
    }
    pos = next;
  }
  if (out->status == 100) {  // interim response: read the real one
    out->headers.clear();
    return ReadResponse(out);
  }
  auto fill = [&](size_t needed) {
    while (buffer_.size() < needed) {
      const long n = RecvSome(buf, sizeof(buf));
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  if (chunked) {  // size line, data, CRLF ... until a zero size; a cut body is a failure
    out->body.clear();
    for (;;) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill(buffer_.size() + 1)) return false;
      }
      const size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      buffer_.erase(0, eol + 2);
      if (!fill(size + 2)) return false;
      out->body += buffer_.substr(0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) return true;
    }
  }
  if (!fill(content_length)) return false;
  out->body = buffer_.substr(0, content_length);
  buffer_.erase(0, content_length);
  return true;
}

}  // namespace arc::test
