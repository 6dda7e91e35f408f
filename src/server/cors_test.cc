#include "server/cors.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(CorsPolicyTest, OffByDefault) {
  Result<CorsPolicy> p = CorsPolicy::Make({});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->enabled());
  EXPECT_FALSE(p->AllowOrigin("https://a.example"));
  EXPECT_FALSE(CorsPolicy().AllowOrigin("https://a.example"));
}

TEST(CorsPolicyTest, ListedOriginsMatchExactly) {
  Result<CorsPolicy> p = CorsPolicy::Make({"https://a.example", "http://B.example:3000/"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->enabled());
  EXPECT_EQ(p->AllowOrigin("https://a.example").value_or(""), "https://a.example");
  EXPECT_EQ(p->AllowOrigin("http://b.example:3000").value_or(""), "http://b.example:3000");
  EXPECT_EQ(p->AllowOrigin("HTTPS://A.EXAMPLE").value_or(""), "HTTPS://A.EXAMPLE") << "echoed as sent";
  EXPECT_FALSE(p->AllowOrigin("http://a.example")) << "scheme counts";
  EXPECT_FALSE(p->AllowOrigin("https://a.example:8443")) << "port counts";
  EXPECT_FALSE(p->AllowOrigin("https://a.example.evil.com"));
  EXPECT_FALSE(p->AllowOrigin("https://evil-a.example"));
  EXPECT_FALSE(p->AllowOrigin("http://b.example"));
  EXPECT_FALSE(p->AllowOrigin("null"));
  EXPECT_FALSE(p->AllowOrigin(""));
}

TEST(CorsPolicyTest, StarAllowsAnyOriginWithStar) {
  Result<CorsPolicy> p = CorsPolicy::Make({"*"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->AllowOrigin("https://anything.example").value_or(""), "*");
  EXPECT_EQ(p->AllowOrigin("null").value_or(""), "*");
  EXPECT_FALSE(p->AllowOrigin("")) << "no Origin: not a CORS request";
}

TEST(CorsPolicyTest, BadEntriesAreNamed) {
  for (const char* bad : {"a.example", "https://", "https://a.example/path", "://x", "https://a b"}) {
    Result<CorsPolicy> p = CorsPolicy::Make({"https://ok.example", bad});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.status().message().find("server.cors_origins"), std::string::npos);
    EXPECT_NE(p.status().message().find(bad), std::string::npos);
  }
}

TEST(CorsPolicyTest, PreflightIsOptionsWithOriginAndRequestMethod) {
  HttpRequest r;
  r.method = "OPTIONS";
  r.headers = {{"origin", "https://a.example"}, {"access-control-request-method", "POST"}};
  EXPECT_TRUE(CorsPolicy::IsPreflight(r));
  r.method = "GET";
  EXPECT_FALSE(CorsPolicy::IsPreflight(r));
  r.method = "OPTIONS";
  r.headers.pop_back();
  EXPECT_FALSE(CorsPolicy::IsPreflight(r));

  const HttpResponse answer = CorsPolicy::PreflightAnswer("https://a.example");
  EXPECT_EQ(answer.status, 204);
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : answer.headers) {
      if (k == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header("Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_NE(header("Access-Control-Allow-Methods").find("DELETE"), std::string::npos);
  EXPECT_NE(header("Access-Control-Allow-Methods").find("PATCH"), std::string::npos);  // token updates
  EXPECT_NE(header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  EXPECT_NE(header("Access-Control-Allow-Headers").find("X-Arc-Database"), std::string::npos);
  EXPECT_EQ(header("Access-Control-Max-Age"), "7200");
}

}  // namespace
}  // namespace arc
