#include "server/auth.h"

#include <gtest/gtest.h>

#include "util/test_util.h"

namespace arc {
namespace {

HttpRequest With(std::string header, std::string value, std::string target = "/write") {
  HttpRequest r;
  r.SetTarget(target);
  if (!header.empty()) r.headers.emplace_back(std::move(header), std::move(value));
  return r;
}

TEST(AuthTest, TokenFromEverySource) {
  EXPECT_EQ(ExtractToken(With("authorization", "Bearer abc"), false), "abc");
  EXPECT_EQ(ExtractToken(With("authorization", "bearer  abc "), false), "abc");
  EXPECT_EQ(ExtractToken(With("authorization", "Token xyz"), false), "xyz");
  EXPECT_EQ(ExtractToken(With("x-api-key", "k1"), false), "k1");
  EXPECT_EQ(ExtractToken(With("", "", "/write?db=x&u=me&p=secret%21"), true), "secret!");
  EXPECT_EQ(ExtractToken(With("", "", "/write?db=x&u=me&p=secret%21"), false), "")
      << "?p= only where InfluxDB clients use it";
  EXPECT_EQ(ExtractToken(With("", ""), true), "");
}

TEST(AuthTest, BasicAuthPasswordIsTheToken) {
  // base64("grafana:arc_tok") and base64("u:p:with:colons"), as python3-influxdb sends them.
  EXPECT_EQ(ExtractToken(With("authorization", "Basic Z3JhZmFuYTphcmNfdG9r"), false), "arc_tok");
  EXPECT_EQ(ExtractToken(With("authorization", "basic dTpwOndpdGg6Y29sb25z"), false),
            "p:with:colons");
  EXPECT_EQ(ExtractToken(With("authorization", "Basic OnRvaw=="), false), "tok") << "no user";
  EXPECT_EQ(ExtractToken(With("authorization", "Basic bm9jb2xvbg=="), false), "")
      << "no colon: no password";
  EXPECT_EQ(ExtractToken(With("authorization", "Basic !!!"), false), "") << "not base64";
}

TEST(AuthTest, PermissionsAndErrors) {
  test::TempDir dir;
  std::string admin;
  auto store = TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "adm", &admin);
  ASSERT_TRUE(store.ok());
  const std::string reader = *(*store)->Create("r", static_cast<uint32_t>(Permission::kRead));
  TokenStore* s = store->get();
  EXPECT_TRUE(Authorize(s, With("x-api-key", "adm"), Permission::kWrite).ok()) << "admin implies all";
  EXPECT_TRUE(Authorize(s, With("x-api-key", reader), Permission::kRead).ok());
  Status denied = Authorize(s, With("x-api-key", reader), Permission::kWrite);
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("write"), std::string::npos);
  Status missing = Authorize(s, With("", ""), Permission::kRead);
  EXPECT_EQ(missing.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(missing.message(), "Authentication required");
  Status wrong = Authorize(s, With("authorization", "Bearer nope"), Permission::kRead);
  EXPECT_EQ(wrong.message(), "Invalid or expired token");
  EXPECT_TRUE(Authorize(nullptr, With("", ""), Permission::kAdmin).ok()) << "auth disabled";
}

TEST(HttpTypesTest, TargetParsingAndStatusMapping) {
  HttpRequest r;
  r.SetTarget("/api/v2/write?bucket=my%2Fdb&org=x&precision=ms&flag");
  EXPECT_EQ(r.path, "/api/v2/write");
  EXPECT_EQ(r.Query("bucket").value(), "my/db");
  EXPECT_EQ(r.Query("precision").value(), "ms");
  EXPECT_EQ(r.Query("flag").value(), "");
  EXPECT_FALSE(r.Query("none").has_value());
  EXPECT_EQ(HttpStatusFor(Status::InvalidArgument("")), 400);
  EXPECT_EQ(HttpStatusFor(Status::PayloadTooLarge("")), 413);
  EXPECT_EQ(HttpStatusFor(Status::NoSpace("")), 503);
  HttpResponse busy = ErrorResponse(Status::Unavailable("busy"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.at(0).first, "Retry-After");
  EXPECT_EQ(JsonError(400, "bad \"x\"").body, "{\"error\":\"bad \\\"x\\\"\"}");
}

}  // namespace
}  // namespace arc

namespace arc {
namespace {

TEST(AuthTest, AuthenticateGivesThePrincipalWithItsScope) {
  test::TempDir dir;
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "adm", &admin);
  TokenSpec spec;
  spec.name = "ingest";
  spec.permissions = static_cast<uint32_t>(Permission::kWrite);
  spec.databases = {"a"};
  const std::string secret = store->Create(spec)->second;
  auto p = Authenticate(store.get(), With("x-api-key", secret), Permission::kWrite);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name, "ingest");
  EXPECT_TRUE((*p)->scope.Allows("a"));
  EXPECT_FALSE((*p)->scope.Allows("b"));
  auto a = Authenticate(store.get(), With("x-api-key", "adm"), Permission::kRead);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE((*a)->scope.unrestricted()) << "admin tokens are unscoped";
  auto none = Authenticate(nullptr, With("", ""), Permission::kAdmin);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr) << "auth disabled: no principal";

  HttpRequest r = With("x-api-key", secret);
  EXPECT_TRUE(ScopeOf(r).unrestricted()) << "before Head attached a principal";
  EXPECT_TRUE(HasPermission(r, Permission::kAdmin));
  r.principal = *p;
  EXPECT_EQ(ScopeOf(r).Check("b").code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(HasPermission(r, Permission::kAdmin));
  EXPECT_TRUE(HasPermission(r, Permission::kWrite));
}

TEST(AuthTest, CallerNameNeverTheToken) {
  test::TempDir dir;
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "adm-secret", &admin);
  EXPECT_EQ(CallerName(store.get(), With("x-api-key", "adm-secret"), false), "admin");
  EXPECT_EQ(CallerName(store.get(), With("x-api-key", "guess"), false), "invalid");
  EXPECT_EQ(CallerName(store.get(), With("", ""), false), "anonymous");
  EXPECT_EQ(CallerName(nullptr, With("x-api-key", "x"), false), "-");
}

}  // namespace
}  // namespace arc
