#include "server/request_screen.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(RequestScreenTest, AcceptsOrdinaryRequests) {
  EXPECT_TRUE(ScreenRequestHead("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  EXPECT_TRUE(ScreenRequestHead("POST /write?db=a HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n"
                                "Authorization: Bearer t\r\nContent-Encoding: gzip\r\n\r\n").ok());
  EXPECT_TRUE(ScreenRequestHead("POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").ok());
  EXPECT_TRUE(ScreenRequestHead("POST /w HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n").code() ==
              StatusCode::kInvalidArgument) << "two, even equal, are refused";
}

TEST(RequestScreenTest, RefusesSmugglingAndObsoleteForms) {
  const std::pair<const char*, const char*> cases[] = {
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "both"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "both"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "conflicting"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", "invalid Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "other than chunked"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "several"},
      {"GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", "obs-fold"},
      {"GET / HTTP/1.1\r\nX-A: 1\r\n\tfolded\r\n\r\n", "obs-fold"},
      {"GET / HTTP/1.1\r\nX A: 1\r\n\r\n", "header name"},
      {"GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", "bare CR"},
      {"GET / HTTP/1.1\nX-A: 1\r\n\r\n", "bare LF"},
      {"GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n", "control character"},
      {"GET / HTTP/1.1\r\nnocolon\r\n\r\n", "without a name"},
      {"GET / HTTP/1.1\r\nX: 1\r\n", "empty line"},
  };
  for (const auto& [head, expect] : cases) {
    const Status st = ScreenRequestHead(head);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << head;
    EXPECT_NE(st.message().find(expect), std::string::npos) << head << " -> " << st.message();
  }
}

}  // namespace
}  // namespace arc
