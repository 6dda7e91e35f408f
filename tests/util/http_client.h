// A minimal blocking HTTP/1.1 client with keep-alive, for tests.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct ssl_ctx_st;
struct ssl_st;

namespace arc::test {

struct HttpResult {
  int status = 0;            // 0 when the connection failed
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(int port, std::string host = "127.0.0.1");
  // From the next connection on, speaks TLS, trusting only the PEM certificate(s) in
  // `ca_file` and checking that the server's certificate names `host` (an IP or a name).
  void UseTls(const std::string& ca_file);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using Headers = std::vector<std::pair<std::string, std::string>>;
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "", const Headers& headers = {});
  HttpResult Get(const std::string& target, const Headers& headers = {}) {
    return Request("GET", target, "", headers);
  }
  HttpResult Post(const std::string& target, const std::string& body, const Headers& headers = {}) {
    return Request("POST", target, body, headers);
  }

 private:
  bool Connect();
  void Close();
  bool ReadResponse(HttpResult* out);
  long SendSome(const char* data, size_t n);  // like send(2), through TLS when on
  long RecvSome(char* data, size_t n);        // like recv(2), through TLS when on

  int port_;
  std::string host_;
  int fd_ = -1;
  std::string buffer_;
  ssl_ctx_st* tls_ctx_ = nullptr;  // set by UseTls
  ssl_st* tls_ = nullptr;          // the connection's, while connected over TLS
};

}  // namespace arc::test
