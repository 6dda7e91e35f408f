// TokenStore: API tokens, stored only as SHA-256 hashes in a JSON file.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"

namespace arc {

enum class Permission : uint32_t { kRead = 1, kWrite = 2, kDelete = 4, kAdmin = 8 };

// Parses "read", "write", "delete", "admin".
Result<uint32_t> ParsePermission(std::string_view name);

class TokenStore {
 public:
  // Loads `path`. When it holds no token, creates an admin token (the bootstrap value when
  // not empty, else a random one), stores its hash durably and returns it in `*new_admin`
  // so the caller can print it once. `fs` must outlive the store.
  static Result<std::unique_ptr<TokenStore>> Open(FileSystem* fs, std::string path,
                                                  const std::string& bootstrap,
                                                  std::string* new_admin);
  TokenStore(FileSystem* fs, std::string path);

  // The permission bits of `token`, or Unauthenticated. Thread-safe.
  Result<uint32_t> Verify(std::string_view token) const;
  // Creates a token named `name` with `permissions` and stores it durably; returns the token.
  Result<std::string> Create(const std::string& name, uint32_t permissions);

 private:
  struct Entry {
    std::string name;
    std::string hash_hex;
    uint32_t permissions;
    std::string created;
  };
  Status Load();
  Status Save() const;  // caller holds mu_

  FileSystem* const fs_;
  const std::string path_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

std::string Sha256Hex(std::string_view data);
// "arc_" + 43 characters of base64url from 32 random bytes.
Result<std::string> NewRandomToken();

}  // namespace arc
