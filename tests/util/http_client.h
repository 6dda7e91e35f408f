// A minimal blocking HTTP/1.1 client with keep-alive, for tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

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

  int port_;
  std::string host_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace arc::test
