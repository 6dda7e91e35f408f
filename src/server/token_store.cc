#include "server/token_store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace arc {
namespace {

const char* const kPermissionNames[] = {"read", "write", "delete", "admin"};

}  // namespace

Result<uint32_t> ParsePermission(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kPermissionNames[i]) return 1u << i;
  }
  return Status::InvalidArgument("unknown permission \"" + std::string(name) +
                                 "\" (read, write, delete, admin)");
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

Result<std::string> NewRandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return Status::Internal("RAND_bytes failed");
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "arc_";
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

TokenStore::TokenStore(FileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}

Result<std::unique_ptr<TokenStore>> TokenStore::Open(FileSystem* fs, std::string path,
                                                     const std::string& bootstrap,
                                                     std::string* new_admin) {
  auto store = std::make_unique<TokenStore>(fs, std::move(path));
  ARC_RETURN_IF_ERROR(store->Load());
  new_admin->clear();
  if (!store->entries_.empty()) return store;
  std::string token = bootstrap;
  if (token.empty()) {
    ARC_ASSIGN_OR_RETURN(token, NewRandomToken());
  }
  std::lock_guard<std::mutex> lock(store->mu_);
  store->entries_.push_back({"admin", Sha256Hex(token), static_cast<uint32_t>(Permission::kAdmin),
                             UtcNowRfc3339()});
  ARC_RETURN_IF_ERROR(store->Save());
  *new_admin = token;
  return store;
}

Status TokenStore::Load() {
  Result<std::string> text = fs_->ReadFile(path_);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return Status::OK();
    return text.status();
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(*text);
    for (const auto& t : j.at("tokens")) {
      entries_.push_back({t.at("name").get<std::string>(), t.at("hash").get<std::string>(),
                          t.at("permissions").get<uint32_t>(), t.value("created", "")});
    }
  } catch (const std::exception& e) {
    return Status::Corruption("token file " + path_ + ": " + e.what());
  }
  return Status::OK();
}

Status TokenStore::Save() const {
  nlohmann::json tokens = nlohmann::json::array();
  for (const Entry& e : entries_) {
    tokens.push_back({{"name", e.name}, {"hash", e.hash_hex}, {"permissions", e.permissions},
                      {"created", e.created}});
  }
  // Hashes only, but still nobody else's business: 0600 in a 0700 folder.
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(DirName(path_)));
  ARC_RETURN_IF_ERROR(fs_->SetPermissions(DirName(path_), 0700));
  return WriteFileAtomically(fs_, path_, nlohmann::json{{"tokens", tokens}}.dump(2) + "\n", 0600);
}

Result<uint32_t> TokenStore::Verify(std::string_view token) const {
  const std::string hash = Sha256Hex(token);
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& e : entries_) {
    // Lengths first: a stored hash of another length (a hand-edited file) is never read past
    // its end; equal lengths compare in constant time.
    if (e.hash_hex.size() == hash.size() && CRYPTO_memcmp(e.hash_hex.data(), hash.data(), hash.size()) == 0) {
      return e.permissions;
    }
  }
  return Status::Unauthenticated("Invalid or expired token");
}

Result<std::string> TokenStore::Create(const std::string& name, uint32_t permissions) {
  ARC_ASSIGN_OR_RETURN(std::string token, NewRandomToken());
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({name, Sha256Hex(token), permissions, UtcNowRfc3339()});
  Status st = Save();
  if (!st.ok()) {
    entries_.pop_back();
    return st;
  }
  return token;
}

}  // namespace arc
