#include "server/token_store.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "util/fault_fs.h"
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
  EXPECT_EQ((*store)->Verify(admin)->permissions, static_cast<uint32_t>(Permission::kAdmin));
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
  EXPECT_EQ((*store)->Verify(*reader)->permissions, static_cast<uint32_t>(Permission::kRead));
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

TokenSpec Spec(const std::string& name, uint32_t perms, std::vector<std::string> dbs = {}) {
  TokenSpec s;
  s.name = name;
  s.permissions = perms;
  s.databases = std::move(dbs);
  return s;
}
constexpr uint32_t kRead = static_cast<uint32_t>(Permission::kRead);
constexpr uint32_t kWrite = static_cast<uint32_t>(Permission::kWrite);

TEST(TokenStoreTest, LifecycleIdsRotateRevokeDeleteSurviveReopen) {
  test::TempDir dir;
  const std::string path = dir.Sub("auth/tokens.json");
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), path, "adm", &admin);
  auto a = store->Create(Spec("a", kRead | kWrite, {"zeta", "alpha"}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->first.id, 2) << "the admin is 1";
  EXPECT_EQ(a->first.databases, (std::vector<std::string>{"alpha", "zeta"}));
  auto b = store->Create(Spec("b", kRead));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first.id, 3);
  EXPECT_EQ(store->Create(Spec("a", kRead)).status().code(), StatusCode::kInvalidArgument)
      << "names are unique";

  auto rotated = store->Rotate(2);
  ASSERT_TRUE(rotated.ok());
  EXPECT_FALSE(store->Verify(a->second).ok()) << "the old secret is dead at once";
  EXPECT_EQ(store->Verify(*rotated)->name, "a");
  ASSERT_TRUE(store->Revoke(3).ok());
  EXPECT_FALSE(store->Verify(b->second).ok());
  EXPECT_FALSE(store->Get(3)->enabled) << "revoked, still listed";
  ASSERT_TRUE(store->Delete(2).ok());
  EXPECT_EQ(store->Get(2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Delete(2).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Rotate(99).status().code(), StatusCode::kNotFound);

  const std::string file = *DefaultFileSystem()->ReadFile(path);
  EXPECT_EQ(file.find(*rotated), std::string::npos);
  EXPECT_EQ(file.find(b->second), std::string::npos);
  store.reset();
  auto again = *TokenStore::Open(DefaultFileSystem(), path, "", &admin);
  EXPECT_TRUE(admin.empty());
  EXPECT_FALSE(again->Verify(*rotated).ok()) << "deleted stays deleted";
  EXPECT_FALSE(again->Verify(b->second).ok()) << "revoked stays revoked";
  EXPECT_TRUE(again->Verify("adm").ok());
  auto c = again->Create(Spec("c", kRead));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first.id, 4) << "ids are never reused, even the deleted 2";
}

TEST(TokenStoreTest, ExpiryUsesTheClock) {
  test::TempDir dir;
  int64_t now = 1'000'000;
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "adm", &admin,
                                 [&] { return now; });
  TokenSpec spec = Spec("short", kRead);
  spec.expires_at = now + 60;
  auto t = store->Create(spec);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(store->Verify(t->second).ok());
  EXPECT_EQ(store->Get(t->first.id)->last_used_at, now) << "the use is noted";
  now += 60;
  EXPECT_EQ(store->Verify(t->second).status().message(), "Invalid or expired token");
}

// A token file written before ids existed loads, gets ids, and is rewritten with them.
TEST(TokenStoreTest, OldFileWithoutIdsIsMigrated) {
  test::TempDir dir;
  const std::string path = dir.Sub("t.json");
  test::WriteTextFile(path, R"({"tokens": [
    {"name": "admin", "hash": ")" + Sha256Hex("adm") + R"(", "permissions": 8, "created": "2026-01-02T03:04:05Z"},
    {"name": "grafana", "hash": ")" + Sha256Hex("graf") + R"(", "permissions": 1, "created": "2026-01-02T03:04:06Z"}]})");
  std::string admin;
  auto store = TokenStore::Open(DefaultFileSystem(), path, "ignored", &admin);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(admin.empty());
  EXPECT_EQ((*store)->Verify("graf")->id, 2);
  EXPECT_EQ((*store)->Get(1)->created_at, UtcSeconds(2026, 1, 2, 3, 4, 5));
  const std::string file = *DefaultFileSystem()->ReadFile(path);
  EXPECT_NE(file.find("\"id\": 2"), std::string::npos) << file;
  EXPECT_NE(file.find("\"next_id\": 3"), std::string::npos) << file;
}

// Every step of the atomic rewrite can fail: the file on disk and the table in memory then
// stay exactly as they were.
TEST(TokenStoreTest, FailedWriteLeavesFileAndMemoryUnchanged) {
  for (int mode = 0; mode < 2; ++mode) {
    SCOPED_TRACE(mode);
    test::FaultFileSystem fs;
    std::string admin;
    auto store = *TokenStore::Open(&fs, "/auth/tokens.json", "adm", &admin);
    auto keep = store->Create(Spec("keep", kRead));
    ASSERT_TRUE(keep.ok());
    const std::string before = fs.DurableContent("/auth/tokens.json");
    ASSERT_FALSE(before.empty());
    if (mode == 0) fs.FailSyncs(-1);                       // every fsync: EIO
    if (mode == 1) fs.SetSpaceLimit(fs.UsedBytes() + 10);  // the write itself: ENOSPC
    EXPECT_FALSE(store->Create(Spec("new", kRead)).ok());
    EXPECT_FALSE(store->Rotate(keep->first.id).ok());
    EXPECT_FALSE(store->Revoke(keep->first.id).ok());
    EXPECT_FALSE(store->Delete(keep->first.id).ok());
    fs.FailSyncs(0);
    fs.SetSpaceLimit(UINT64_MAX);
    EXPECT_EQ(*fs.ReadFile("/auth/tokens.json"), before);
    EXPECT_EQ(fs.DurableContent("/auth/tokens.json"), before);
    EXPECT_TRUE(store->Verify(keep->second).ok()) << "memory unchanged: the old secret works";
    EXPECT_EQ(store->List().size(), 2u);
    EXPECT_TRUE(store->Get(keep->first.id)->enabled);
    auto later = store->Create(Spec("new", kRead));
    ASSERT_TRUE(later.ok()) << later.status().ToString();
    EXPECT_EQ(later->first.id, 3) << "the failed creates used no id";
  }
}

// The file system fails from its k-th operation on (remove temp, create, append, fsync,
// rename, directory fsync...): whatever k, what survives a crash is the old file and the
// rotation reported failed changed nothing in memory.
TEST(TokenStoreTest, FailureAtEveryStepOfTheRewrite) {
  bool succeeded = false;
  for (int k = 0; k < 20 && !succeeded; ++k) {
    SCOPED_TRACE(k);
    test::FaultFileSystem fs;
    std::string admin;
    auto store = *TokenStore::Open(&fs, "/auth/tokens.json", "adm", &admin);
    const std::string before = fs.DurableContent("/auth/tokens.json");
    fs.FreezeAfter(k);
    Result<std::string> rotated = store->Rotate(1);
    fs.Unfreeze();
    if (rotated.ok()) {
      succeeded = true;
      EXPECT_FALSE(store->Verify("adm").ok());
      EXPECT_TRUE(store->Verify(*rotated).ok());
      continue;
    }
    EXPECT_EQ(fs.DurableContent("/auth/tokens.json"), before);
    EXPECT_TRUE(store->Verify("adm").ok()) << rotated.status().ToString();
    std::string again;
    fs.Crash();
    auto reopened = TokenStore::Open(&fs, "/auth/tokens.json", "", &again);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    EXPECT_TRUE((*reopened)->Verify("adm").ok()) << "after a crash the old secret still works";
  }
  EXPECT_TRUE(succeeded) << "with enough operations the rotation goes through";
}

TEST(TokenStoreTest, InstallAdminRecoversALostAdmin) {
  test::TempDir dir;
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "lost", &admin);
  ASSERT_TRUE(store->Revoke(1).ok());
  ASSERT_TRUE(store->InstallAdmin("recovered").ok());
  EXPECT_FALSE(store->Verify("lost").ok()) << "the entry named admin got the new hash";
  auto v = store->Verify("recovered");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->id, 1);
  EXPECT_EQ(v->permissions, static_cast<uint32_t>(Permission::kAdmin));
  ASSERT_TRUE(store->InstallAdmin("recovered").ok()) << "idempotent";
  EXPECT_EQ(store->List().size(), 1u);
}

// Regression: FORCE_BOOTSTRAP with the secret of a read or scoped token silently made it an
// unscoped admin, and any token merely named "admin" was taken over.
TEST(TokenStoreTest, InstallAdminNeverPromotesATokenThatIsNotAdmin) {
  test::TempDir dir;
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "adm", &admin);
  const std::string reader = store->Create(Spec("reader", kRead, {"x"}))->second;
  Status st = store->InstallAdmin(reader);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("\"reader\""), std::string::npos) << st.message();
  EXPECT_EQ(store->Verify(reader)->permissions, kRead) << "unchanged";
  TokenUpdate rename;
  rename.name = "old-admin";
  ASSERT_TRUE(store->Update(1, rename).ok());
  ASSERT_TRUE(store->Create(Spec("admin", kRead)).ok());  // a read token that took the name
  ASSERT_TRUE(store->InstallAdmin("fresh").ok());
  auto fresh = store->Verify("fresh");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->name, "admin-2") << "a new admin entry, not the read token named admin";
  EXPECT_TRUE(store->Verify("adm").ok()) << "no admin entry named admin: nothing replaced";
}

TEST(TokenStoreTest, UpdateChangesMetadataNotTheSecret) {
  test::TempDir dir;
  std::string admin;
  auto store = *TokenStore::Open(DefaultFileSystem(), dir.Sub("t.json"), "adm", &admin);
  auto t = *store->Create(Spec("a", kRead, {"x"}));
  ASSERT_TRUE(store->Create(Spec("taken", kRead)).ok());
  TokenUpdate u;
  u.name = "b";
  u.permissions = kRead | kWrite;
  u.databases = std::vector<std::string>{"z", "y"};
  auto info = store->Update(t.first.id, u);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "b");
  EXPECT_EQ(info->databases, (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(store->Verify(t.second)->permissions, kRead | kWrite) << "same secret, new rights";
  TokenUpdate lift;
  lift.databases = std::vector<std::string>();
  EXPECT_TRUE(store->Update(t.first.id, lift)->databases.empty()) << "scope lifted";
  TokenUpdate clash;
  clash.name = "taken";
  EXPECT_EQ(store->Update(t.first.id, clash).status().code(), StatusCode::kInvalidArgument);
  TokenUpdate scoped_admin;
  scoped_admin.databases = std::vector<std::string>{"x"};
  EXPECT_EQ(store->Update(1, scoped_admin).status().code(), StatusCode::kInvalidArgument)
      << "an admin cannot be scoped";
  EXPECT_EQ(store->Update(99, lift).status().code(), StatusCode::kNotFound);
}

TEST(TokenStoreTest, PermissionNamesAndTimes) {
  EXPECT_EQ(PermissionNames(kRead | static_cast<uint32_t>(Permission::kAdmin)),
            (std::vector<std::string>{"read", "admin"}));
  EXPECT_EQ(ParseRfc3339Seconds("1970-01-01T00:01:00Z"), 60);
  EXPECT_FALSE(ParseRfc3339Seconds("1970-01-01T00:01:00").has_value());
  EXPECT_FALSE(ParseRfc3339Seconds("1970-01-01T00:01:00Zjunk").has_value());
}

TEST(TokenStoreTest, Sha256KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace arc
