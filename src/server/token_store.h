// TokenStore: API tokens, stored only as SHA-256 hashes in a JSON file (docs/protocol.md,
// "Tokens"). Every change is written to the file atomically (temp, fsync, rename, directory
// fsync; mode 0600) before the in-memory table that Verify reads is swapped, so a change takes
// effect on the next request and a failed write changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"

namespace arc {

enum class Permission : uint32_t { kRead = 1, kWrite = 2, kDelete = 4, kAdmin = 8 };

// Parses "read", "write", "delete", "admin".
Result<uint32_t> ParsePermission(std::string_view name);
// The names of the bits set in `permissions`, in the order read, write, delete, admin.
std::vector<std::string> PermissionNames(uint32_t permissions);

// What is known about a token, never its secret nor its hash.
struct TokenInfo {
  int64_t id = 0;
  std::string name;
  std::string description;
  uint32_t permissions = 0;
  std::vector<std::string> databases;  // sorted; empty: every database
  int64_t created_at = 0;              // seconds since the epoch
  int64_t last_used_at = 0;            // 0: never (since the file was last written)
  int64_t expires_at = 0;              // 0: never
  bool enabled = true;
};

// What a new token is made of (validated by the caller, see token_handler.cc).
struct TokenSpec {
  std::string name;
  std::string description;
  uint32_t permissions = 0;
  std::vector<std::string> databases;
  int64_t expires_at = 0;
};

// A change of a token's metadata (PATCH); unset fields stay as they are.
struct TokenUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<uint32_t> permissions;
  std::optional<std::vector<std::string>> databases;  // set and empty: every database
  std::optional<int64_t> expires_at;
};

class TokenStore {
 public:
  using Clock = std::function<int64_t()>;  // seconds since the epoch

  // Loads `path` (a file without ids is given ids and rewritten). When it holds no token,
  // creates an admin token (the bootstrap value when not empty, else a random one), stores
  // its hash durably and returns it in `*new_admin` so the caller can print it once.
  // `fs` must outlive the store; `clock` (default: the system clock) decides expiry.
  static Result<std::unique_ptr<TokenStore>> Open(FileSystem* fs, std::string path,
                                                  const std::string& bootstrap,
                                                  std::string* new_admin, Clock clock = nullptr);
  TokenStore(FileSystem* fs, std::string path, Clock clock);

  // The token's info when `token` is known, enabled and not expired; Unauthenticated
  // ("Invalid or expired token") otherwise. Notes the use (last_used_at). Thread-safe.
  Result<TokenInfo> Verify(std::string_view token) const;

  // Each change below is durable when it returns OK; on error nothing changed (file and
  // memory). Serialized with each other; Verify runs concurrently. Thread-safe.
  // A new token; InvalidArgument when the name is taken. Returns its info and the secret.
  Result<std::pair<TokenInfo, std::string>> Create(const TokenSpec& spec);
  // Shorthand for an unscoped token without description or expiry.
  Result<std::string> Create(const std::string& name, uint32_t permissions);
  // A new secret for token `id` (NotFound); the old one stops working.
  Result<std::string> Rotate(int64_t id);
  // Applies `update` to token `id` (NotFound; InvalidArgument when the new name is taken or
  // the token would be an admin limited to databases); returns the new info.
  Result<TokenInfo> Update(int64_t id, const TokenUpdate& update);
  // Disables token `id` (NotFound); it stays listed with enabled = false.
  Status Revoke(int64_t id);
  // Removes token `id` (NotFound).
  Status Delete(int64_t id);
  // Makes `token` a working admin token (operator recovery): an entry with its hash becomes
  // an enabled, unscoped, unexpiring admin; else the entry named "admin" gets its hash; else
  // a new "admin" entry is added.
  Status InstallAdmin(const std::string& token);

  std::vector<TokenInfo> List() const;
  Result<TokenInfo> Get(int64_t id) const;

 private:
  struct Entry {
    TokenInfo info;
    std::string hash_hex;
  };
  struct Table {
    std::vector<Entry> entries;
    int64_t next_id = 1;
  };
  // Loads the file; `*migrated` when entries had no ids (and got them).
  Status Load(bool* migrated);
  // Writes `table` durably; the caller holds write_mu_.
  Status Save(const Table& table) const;
  // Copies the table, applies `change` to the copy, saves it, then swaps it in. The change
  // returns an error to abort (nothing saved).
  Status Mutate(const std::function<Status(Table*)>& change);
  Entry* Find(Table* table, int64_t id) const;

  FileSystem* const fs_;
  const std::string path_;
  const Clock clock_;
  std::mutex write_mu_;    // one change at a time (held across the file write)
  mutable std::mutex mu_;  // guards table_ and last_used_ (short sections only)
  Table table_;
  mutable std::map<int64_t, int64_t> last_used_;  // id → seconds, noted by Verify
};

std::string Sha256Hex(std::string_view data);
// "arc_" + 43 characters of base64url from 32 random bytes.
Result<std::string> NewRandomToken();
// "YYYY-MM-DDTHH:MM:SSZ" → seconds since the epoch; nullopt for anything else.
std::optional<int64_t> ParseRfc3339Seconds(std::string_view text);

}  // namespace arc
