#include "server/token_store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "common/logging.h"
#include "common/time_format.h"

namespace arc {
namespace {

const char* const kPermissionNames[] = {"read", "write", "delete", "admin"};

std::string TimeOrEmpty(int64_t seconds) { return seconds == 0 ? "" : FormatRfc3339(seconds); }

// A time field of the file: an RFC 3339 string, or absent / null / "" for none.
Result<int64_t> TimeField(const nlohmann::json& t, const char* key) {
  if (!t.contains(key) || t[key].is_null()) return int64_t{0};
  const std::string text = t[key].get<std::string>();
  if (text.empty()) return int64_t{0};
  const std::optional<int64_t> v = ParseRfc3339Seconds(text);
  if (!v) return Status::Corruption(std::string("bad ") + key + " \"" + text + "\"");
  return *v;
}

}  // namespace

std::vector<std::string> PermissionNames(uint32_t permissions) {
  std::vector<std::string> out;
  for (int i = 0; i < 4; ++i) {
    if (permissions & (1u << i)) out.emplace_back(kPermissionNames[i]);
  }
  return out;
}

std::optional<int64_t> ParseRfc3339Seconds(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  const std::string str(text);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
      static_cast<size_t>(n) != str.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || s > 60) {
    return std::nullopt;
  }
  return UtcSeconds(y, mo, d, h, mi, s);
}

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

TokenStore::TokenStore(FileSystem* fs, std::string path, Clock clock)
    : fs_(fs),
      path_(std::move(path)),
      clock_(clock ? std::move(clock) : Clock([] { return NowUnixSeconds(); })) {}

Result<std::unique_ptr<TokenStore>> TokenStore::Open(FileSystem* fs, std::string path,
                                                     const std::string& bootstrap,
                                                     std::string* new_admin, Clock clock) {
  auto store = std::make_unique<TokenStore>(fs, std::move(path), std::move(clock));
  bool migrated = false;
  ARC_RETURN_IF_ERROR(store->Load(&migrated));
  new_admin->clear();
  if (!store->table_.entries.empty()) {
    // Older files had no ids: give them ids now, durably, so they stay stable.
    if (migrated) ARC_RETURN_IF_ERROR(store->Mutate([](Table*) { return Status::OK(); }));
    return store;
  }
  std::string token = bootstrap;
  if (token.empty()) {
    ARC_ASSIGN_OR_RETURN(token, NewRandomToken());
  }
  ARC_RETURN_IF_ERROR(store->InstallAdmin(token));
  *new_admin = token;
  return store;
}

Status TokenStore::Load(bool* migrated) {
  Result<std::string> text = fs_->ReadFile(path_);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return Status::OK();
    return text.status();
  }
  Table table;
  std::set<int64_t> ids;
  try {
    const nlohmann::json j = nlohmann::json::parse(*text);
    int64_t max_id = 0;
    for (const auto& t : j.at("tokens")) {
      Entry e;
      e.info.id = t.value("id", int64_t{0});
      e.info.name = t.at("name").get<std::string>();
      e.hash_hex = t.at("hash").get<std::string>();
      e.info.permissions = t.at("permissions").get<uint32_t>();
      e.info.description = t.value("description", "");
      if (t.contains("databases") && !t["databases"].is_null()) {
        e.info.databases = t["databases"].get<std::vector<std::string>>();
        std::sort(e.info.databases.begin(), e.info.databases.end());
      }
      // "created" is the field's name in files written before ids existed.
      ARC_ASSIGN_OR_RETURN(e.info.created_at,
                           TimeField(t, t.contains("created_at") ? "created_at" : "created"));
      ARC_ASSIGN_OR_RETURN(e.info.last_used_at, TimeField(t, "last_used_at"));
      ARC_ASSIGN_OR_RETURN(e.info.expires_at, TimeField(t, "expires_at"));
      e.info.enabled = t.value("enabled", true);
      if (e.info.id < 0 || (e.info.id > 0 && !ids.insert(e.info.id).second)) {
        return Status::Corruption("token file " + path_ + ": duplicate or negative id " +
                                  std::to_string(e.info.id));
      }
      max_id = std::max(max_id, e.info.id);
      table.entries.push_back(std::move(e));
    }
    table.next_id = std::max(j.value("next_id", int64_t{1}), max_id + 1);
  } catch (const std::exception& e) {
    return Status::Corruption("token file " + path_ + ": " + e.what());
  }
  *migrated = false;
  for (Entry& e : table.entries) {
    if (e.info.id == 0) {
      e.info.id = table.next_id++;
      *migrated = true;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(table);
  return Status::OK();
}

Status TokenStore::Save(const Table& table) const {
  nlohmann::json tokens = nlohmann::json::array();
  for (const Entry& e : table.entries) {
    const TokenInfo& i = e.info;
    nlohmann::json t = {{"id", i.id},
                        {"name", i.name},
                        {"description", i.description},
                        {"hash", e.hash_hex},
                        {"permissions", i.permissions},
                        {"created_at", TimeOrEmpty(i.created_at)},
                        {"last_used_at", TimeOrEmpty(i.last_used_at)},
                        {"expires_at", TimeOrEmpty(i.expires_at)},
                        {"enabled", i.enabled}};
    if (!i.databases.empty()) t["databases"] = i.databases;
    tokens.push_back(std::move(t));
  }
  const nlohmann::json doc = {{"version", 2}, {"next_id", table.next_id}, {"tokens", tokens}};
  // Hashes only, but still nobody else's business: 0600 in a 0700 folder.
  // A folder of our own is made 0700; an existing one (the working directory, /tmp) is left
  // as it is.
  const std::string dir = DirName(path_);
  if (!fs_->Exists(dir)) {
    ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir));
    ARC_RETURN_IF_ERROR(fs_->SetPermissions(dir, 0700));
  }
  return WriteFileAtomically(fs_, path_, doc.dump(2) + "\n", 0600)
      .WithContext("cannot write the token file " + path_);
}

Status TokenStore::Mutate(const std::function<Status(Table*)>& change) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  Table next;
  Table current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current = table_;
    next = table_;
    // Uses noted since the last write go to the file with this one.
    for (Entry& e : next.entries) {
      auto it = last_used_.find(e.info.id);
      if (it != last_used_.end()) e.info.last_used_at = std::max(e.info.last_used_at, it->second);
    }
  }
  ARC_RETURN_IF_ERROR(change(&next));
  // The file first: memory changes only once the change is durable.
  Status saved = Save(next);
  if (!saved.ok()) {
    // The rename may have happened before the failure (a failed directory fsync): put the
    // file back to what memory holds, so a restart cannot revive a change reported failed.
    Status restored = Save(current);
    if (!restored.ok()) {
      LOG_ERROR("token file " << path_
                              << " may not match the tokens in use: " << restored.message());
    }
    return saved;
  }
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(next);
  return Status::OK();
}

TokenStore::Entry* TokenStore::Find(Table* table, int64_t id) const {
  for (Entry& e : table->entries) {
    if (e.info.id == id) return &e;
  }
  return nullptr;
}

Result<TokenInfo> TokenStore::Verify(std::string_view token) const {
  const std::string hash = Sha256Hex(token);
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& e : table_.entries) {
    // Lengths first: a stored hash of another length (a hand-edited file) is never read past
    // its end; equal lengths compare in constant time.
    if (e.hash_hex.size() != hash.size() ||
        CRYPTO_memcmp(e.hash_hex.data(), hash.data(), hash.size()) != 0) {
      continue;
    }
    if (!e.info.enabled || (e.info.expires_at != 0 && now >= e.info.expires_at)) break;
    last_used_[e.info.id] = now;
    TokenInfo info = e.info;
    info.last_used_at = now;
    return info;
  }
  return Status::Unauthenticated("Invalid or expired token");
}

Result<std::pair<TokenInfo, std::string>> TokenStore::Create(const TokenSpec& spec) {
  ARC_ASSIGN_OR_RETURN(std::string token, NewRandomToken());
  TokenInfo created;
  ARC_RETURN_IF_ERROR(Mutate([&](Table* t) {
    for (const Entry& e : t->entries) {
      if (e.info.name == spec.name)
        return Status::InvalidArgument("a token named \"" + spec.name + "\" exists already");
    }
    Entry e;
    e.info.id = t->next_id++;
    e.info.name = spec.name;
    e.info.description = spec.description;
    e.info.permissions = spec.permissions;
    e.info.databases = spec.databases;
    std::sort(e.info.databases.begin(), e.info.databases.end());
    e.info.created_at = clock_();
    e.info.expires_at = spec.expires_at;
    e.hash_hex = Sha256Hex(token);
    created = e.info;
    t->entries.push_back(std::move(e));
    return Status::OK();
  }));
  return std::make_pair(std::move(created), std::move(token));
}

Result<std::string> TokenStore::Create(const std::string& name, uint32_t permissions) {
  TokenSpec spec;
  spec.name = name;
  spec.permissions = permissions;
  ARC_ASSIGN_OR_RETURN(auto created, Create(spec));
  return std::move(created.second);
}

Result<std::string> TokenStore::Rotate(int64_t id) {
  ARC_ASSIGN_OR_RETURN(std::string token, NewRandomToken());
  ARC_RETURN_IF_ERROR(Mutate([&](Table* t) {
    Entry* e = Find(t, id);
    if (e == nullptr) return Status::NotFound("Token not found");
    e->hash_hex = Sha256Hex(token);
    return Status::OK();
  }));
  return token;
}

Result<TokenInfo> TokenStore::Update(int64_t id, const TokenUpdate& u) {
  TokenInfo updated;
  ARC_RETURN_IF_ERROR(Mutate([&](Table* t) {
    Entry* e = Find(t, id);
    if (e == nullptr) return Status::NotFound("Token not found");
    if (u.name && *u.name != e->info.name) {
      for (const Entry& other : t->entries) {
        if (other.info.name == *u.name)
          return Status::InvalidArgument("a token named \"" + *u.name + "\" exists already");
      }
      e->info.name = *u.name;
    }
    if (u.description) e->info.description = *u.description;
    if (u.permissions) e->info.permissions = *u.permissions;
    if (u.databases) {
      e->info.databases = *u.databases;
      std::sort(e->info.databases.begin(), e->info.databases.end());
    }
    if (u.expires_at) e->info.expires_at = *u.expires_at;
    if ((e->info.permissions & static_cast<uint32_t>(Permission::kAdmin)) &&
        !e->info.databases.empty())
      return Status::InvalidArgument("an admin token cannot be limited to databases");
    updated = e->info;
    return Status::OK();
  }));
  return updated;
}

Status TokenStore::Revoke(int64_t id) {
  return Mutate([&](Table* t) {
    Entry* e = Find(t, id);
    if (e == nullptr) return Status::NotFound("Token not found");
    e->info.enabled = false;
    return Status::OK();
  });
}

Status TokenStore::Delete(int64_t id) {
  return Mutate([&](Table* t) {
    auto it = std::find_if(t->entries.begin(), t->entries.end(),
                           [&](const Entry& e) { return e.info.id == id; });
    if (it == t->entries.end()) return Status::NotFound("Token not found");
    t->entries.erase(it);
    return Status::OK();
  });
}

Status TokenStore::InstallAdmin(const std::string& token) {
  const std::string hash = Sha256Hex(token);
  return Mutate([&](Table* t) {
    auto make_admin = [&](Entry* e) {
      e->hash_hex = hash;
      e->info.permissions = static_cast<uint32_t>(Permission::kAdmin);
      e->info.databases.clear();
      e->info.expires_at = 0;
      e->info.enabled = true;
      return Status::OK();
    };
    const auto is_admin = [](const Entry& e) {
      return (e.info.permissions & static_cast<uint32_t>(Permission::kAdmin)) != 0;
    };
    for (Entry& e : t->entries) {
      if (e.hash_hex != hash) continue;
      if (is_admin(e)) return make_admin(&e);  // re-enabled, never expiring
      // Never a silent promotion of a read or scoped token to admin.
      return Status::InvalidArgument("the bootstrap token is the secret of token \"" + e.info.name +
                                     "\", which is not an admin token; choose another");
    }
    // Recovery: the admin entry named "admin" gets the new secret (the lost one stops working).
    for (Entry& e : t->entries) {
      if (e.info.name == "admin" && is_admin(e)) return make_admin(&e);
    }
    std::string name = "admin";
    for (int n = 2; std::any_of(t->entries.begin(), t->entries.end(),
                                [&](const Entry& e) { return e.info.name == name; });
         ++n) {
      name = "admin-" + std::to_string(n);
    }
    Entry e;
    e.info.id = t->next_id++;
    e.info.name = name;
    e.info.created_at = clock_();
    t->entries.push_back(std::move(e));
    return make_admin(&t->entries.back());
  });
}

std::vector<TokenInfo> TokenStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TokenInfo> out;
  for (const Entry& e : table_.entries) {
    out.push_back(e.info);
    auto it = last_used_.find(e.info.id);
    if (it != last_used_.end())
      out.back().last_used_at = std::max(out.back().last_used_at, it->second);
  }
  return out;
}

Result<TokenInfo> TokenStore::Get(int64_t id) const {
  for (TokenInfo& i : List()) {
    if (i.id == id) return std::move(i);
  }
  return Status::NotFound("Token not found");
}

}  // namespace arc
