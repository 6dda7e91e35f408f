#include "server/token_handler.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

constexpr int64_t kNow = 1'700'000'000;

std::string ErrorOf(const std::string& body) {
  Result<TokenSpec> r = TokenHandler::ParseCreate(body, kNow);
  EXPECT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
  return r.status().message();
}

// The body Arc's Python client sends (arc_client.auth.AuthClient.create_token).
TEST(TokenHandlerTest, ArcPythonClientBody) {
  Result<TokenSpec> s = TokenHandler::ParseCreate(
      R"({"name": "svc", "description": "Token for production service", "permissions": ["read", "write"], "expires_in": "7d"})",
      kNow);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->name, "svc");
  EXPECT_EQ(s->description, "Token for production service");
  EXPECT_EQ(s->permissions, 3u);
  EXPECT_EQ(s->expires_at, kNow + 7 * 86400);
  EXPECT_TRUE(s->databases.empty());
  Result<TokenSpec> minimal = TokenHandler::ParseCreate(R"({"name": "svc"})", kNow);
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->permissions, 3u) << "Arc's default: read, write";
}

TEST(TokenHandlerTest, DatabasesAreValidated) {
  Result<TokenSpec> s =
      TokenHandler::ParseCreate(R"({"name": "a", "permissions": ["write"], "databases": ["b", "a"]})", kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->databases, (std::vector<std::string>{"b", "a"}));
  EXPECT_NE(ErrorOf(R"({"name": "a", "databases": ["../etc"]})").find("databases"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "databases": []})").find("must not be empty"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "databases": "a"})").find("array of strings"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "databases": [1]})").find("array of strings"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "permissions": ["admin"], "databases": ["x"]})").find("admin"),
            std::string::npos);
}

TEST(TokenHandlerTest, BadBodiesNameTheField) {
  EXPECT_NE(ErrorOf("not json").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"permissions": ["read"]})"), "field \"name\" is required");
  EXPECT_EQ(ErrorOf(R"({"name": 5})"), "field \"name\" must be a string");
  EXPECT_NE(ErrorOf(R"({"name": ""})").find("\"name\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a\nb"})").find("control"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "nmae": 1})").find("unknown field \"nmae\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "is_admin": true})").find("unknown field \"is_admin\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "permissions": "read"})").find("\"permissions\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "permissions": ["root"]})").find("root"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "permissions": []})").find("must not be empty"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "description": 3})").find("\"description\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "expires_in": 3600})").find("\"expires_in\""), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "a", "expires_in": "soon"})").find("\"expires_in\""), std::string::npos);
}

// The body of Arc's Python client update_token: every field optional.
TEST(TokenHandlerTest, UpdateFieldsAreOptional) {
  Result<TokenUpdate> u = TokenHandler::ParseFields(R"({"description": "new", "expires_in": "24h"})", kNow);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->name.has_value());
  EXPECT_FALSE(u->permissions.has_value());
  EXPECT_EQ(*u->description, "new");
  EXPECT_EQ(*u->expires_at, kNow + 86400);
  Result<TokenUpdate> lift = TokenHandler::ParseFields(R"({"databases": null})", kNow);
  ASSERT_TRUE(lift.ok());
  ASSERT_TRUE(lift->databases.has_value());
  EXPECT_TRUE(lift->databases->empty());
  EXPECT_TRUE(TokenHandler::ParseFields("{}", kNow).ok());
  EXPECT_FALSE(TokenHandler::ParseFields(R"({"enabled": true})", kNow).ok());
}

TEST(TokenHandlerTest, ExpiresIn) {
  EXPECT_EQ(*TokenHandler::ParseExpiresIn("24h"), 86400);
  EXPECT_EQ(*TokenHandler::ParseExpiresIn("1h30m"), 5400);
  EXPECT_EQ(*TokenHandler::ParseExpiresIn("90s"), 90);
  for (const char* bad : {"", "0h", "h", "7", "7w", "-1h", "99999999999d", "1h 2m"}) {
    EXPECT_FALSE(TokenHandler::ParseExpiresIn(bad).ok()) << bad;
  }
}

TEST(TokenHandlerTest, InfoJsonNeverHoldsASecret) {
  TokenInfo i;
  i.id = 7;
  i.name = "n";
  i.permissions = 1;
  i.created_at = 60;
  const nlohmann::json j = TokenHandler::InfoJson(i);
  EXPECT_EQ(j.dump(),
            R"({"created_at":"1970-01-01T00:01:00Z","databases":null,"description":"","enabled":true,"expires_at":null,"id":7,"last_used_at":null,"name":"n","permissions":["read"]})");
}

}  // namespace
}  // namespace arc
