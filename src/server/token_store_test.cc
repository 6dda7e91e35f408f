#include "server/token_store.h"

#include <gtest/gtest.h>

#include "util/test_util.h"

namespace arc {
namespace {

TEST(TokenStoreTest, FirstStartCreatesAdminTokenStoredOnlyAsHash) {
  test::TempDir dir;
  const std::string path = dir.Sub("auth/tokens.json");
  std::string admin;
  auto store = TokenStore::Open(DefaultFileSystem(), path, "", &admin);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_EQ(admin.rfind("arc_", 0), 0u);
  EXPECT_EQ(admin.size(), 4u + 43u);
  const std::string file = *DefaultFileSystem()->ReadFile(path);
  EXPECT_EQ(file.find(admin), std::string::npos) << "the token itself is never stored";
  EXPECT_NE(file.find(Sha256Hex(admin)), std::string::npos);
  EXPECT_EQ(*(*store)->Verify(admin), static_cast<uint32_t>(Permission::kAdmin));
  EXPECT_EQ((*store)->Verify("arc_wrong").status().code(), StatusCode::kUnauthenticated);

  std::string again;
  auto reopened = TokenStore::Open(DefaultFileSystem(), path, "", &again);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(again.empty()) << "printed only once";
  EXPECT_TRUE((*reopened)->Verify(admin).ok());
}

TEST(TokenStoreTest, BootstrapTokenAndCreatedTokens) {
  test::TempDir dir;
  std::string admin;
  auto store = TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "preset", &admin);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(admin, "preset");
  auto reader = (*store)->Create("grafana", static_cast<uint32_t>(Permission::kRead));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*store)->Verify(*reader), static_cast<uint32_t>(Permission::kRead));
  EXPECT_EQ(*ParsePermission("write"), static_cast<uint32_t>(Permission::kWrite));
  EXPECT_FALSE(ParsePermission("root").ok());
}

TEST(TokenStoreTest, CorruptFileIsAnError) {
  test::TempDir dir;
  test::WriteTextFile(dir.Sub("t.json"), "{not json");
  std::string admin;
  auto store = TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "", &admin);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorruption);
}

TEST(TokenStoreTest, Sha256KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace arc
