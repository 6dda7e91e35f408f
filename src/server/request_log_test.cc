#include "server/request_log.h"

#include <gtest/gtest.h>

#include <vector>

namespace arc {
namespace {

struct Captured {
  std::vector<std::pair<LogLevel, std::string>> lines;
  int64_t now_ms = 0;
  bool debug = false;
  RequestLog Make(int per_second = 3) {
    return RequestLog(
        per_second, [this](LogLevel l, const std::string& m) { lines.emplace_back(l, m); },
        [this] { return now_ms; }, [this] { return debug; });
  }
};

RequestLog::Entry Failed(int status, std::string_view body, std::string_view caller = "grafana") {
  RequestLog::Entry e;
  e.status = status;
  e.method = "POST";
  e.endpoint = "/api/v1/query";
  e.caller = caller;
  e.ms = 1.25;
  e.body = body;
  e.content_type = "application/json";
  return e;
}

TEST(RequestLogTest, FailureLineNamesStatusEndpointCallerAndReason) {
  Captured c;
  RequestLog log = c.Make();
  log.Record(Failed(403, R"({"error":"token \"grafana\" may not access database \"x\""})"));
  log.Record(Failed(503, R"({"success":false,"error":"busy"})", "-"));
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].first, LogLevel::kInfo);
  EXPECT_EQ(c.lines[0].second,
            "request failed: 403 POST /api/v1/query token=grafana 1.2ms: token \"grafana\" may "
            "not access database \"x\"");
  EXPECT_EQ(c.lines[1].first, LogLevel::kWarn) << "5xx is a warning";
  EXPECT_NE(c.lines[1].second.find("token=- "), std::string::npos);
}

TEST(RequestLogTest, SuccessOnlyAtDebugLevel) {
  Captured c;
  RequestLog log = c.Make();
  RequestLog::Entry ok = Failed(204, "");
  log.Record(ok);
  EXPECT_TRUE(c.lines.empty());
  c.debug = true;
  log.Record(ok);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].first, LogLevel::kDebug);
  EXPECT_EQ(c.lines[0].second, "request: 204 POST /api/v1/query token=grafana 1.2ms");
}

// A 401 flood costs at most N lines a second, then one line counting what was dropped; a
// flood of 4xx does not silence 5xx lines.
TEST(RequestLogTest, FloodsAreRateLimitedAndCounted) {
  Captured c;
  RequestLog log = c.Make(3);
  for (int i = 0; i < 1000; ++i) log.Record(Failed(401, R"({"error":"Invalid or expired token"})"));
  EXPECT_EQ(c.lines.size(), 3u);
  log.Record(Failed(500, R"({"error":"disk"})"));
  EXPECT_EQ(c.lines.size(), 4u);
  c.now_ms = 1000;
  log.Record(Failed(401, R"({"error":"Invalid or expired token"})"));
  ASSERT_EQ(c.lines.size(), 6u);
  EXPECT_EQ(c.lines[4].second, "request log: suppressed 997 4xx lines (more than 3 a second)");
  EXPECT_EQ(c.lines[5].second.rfind("request failed: 401", 0), 0u);
}

TEST(RequestLogTest, ReasonIsCutAndCannotForgeLines) {
  EXPECT_EQ(RequestLog::Reason(R"({"error":"a\nb"})", "application/json"), "a?b");
  EXPECT_EQ(RequestLog::Reason("plain\r\ntext", "text/plain"), "plain??text");
  const std::string long_error = R"({"error":")" + std::string(1000, 'x') + R"("})";
  EXPECT_EQ(RequestLog::Reason(long_error, "application/json").size(), 303u);
  Captured c;
  RequestLog log = c.Make();
  RequestLog::Entry e = Failed(404, R"({"error":"no"})");
  const std::string path = "/x\n2026 [ERROR] forged" + std::string(500, 'p');
  e.endpoint = path;
  log.Record(e);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].second.find('\n'), std::string::npos);
  EXPECT_LT(c.lines[0].second.size(), 300u) << "the path is cut at 200 characters";
}

}  // namespace
}  // namespace arc
