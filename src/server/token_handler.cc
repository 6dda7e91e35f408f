#include "server/token_handler.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "ingest/names.h"
#include "server/auth.h"

namespace arc {
namespace {

using nlohmann::json;

constexpr size_t kMaxName = 128;
constexpr size_t kMaxDescription = 1024;
constexpr size_t kMaxDatabases = 1000;

// Arc's error shape: {"success": false, "error"}.
HttpResponse Failure(int status, const std::string& message) {
  return Json(status, {{"success", false}, {"error", message}});
}
HttpResponse Failure(const Status& st) {
  HttpResponse r = Failure(HttpStatusFor(st), st.message());
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

json TimeJson(int64_t seconds) {
  return seconds == 0 ? json(nullptr) : json(FormatRfc3339(seconds));
}

// "{id}": a positive decimal integer (Arc's ids are integers).
Result<int64_t> ParseId(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument("Invalid token ID");
  const int64_t id = std::stoll(text);
  if (id <= 0) return Status::InvalidArgument("Invalid token ID");
  return id;
}

Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > kMaxName)
    return Status::InvalidArgument("field \"name\" must have 1 to 128 characters");
  for (unsigned char c : name) {
    // The name appears in logs and error messages: no control characters, no quotes.
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
      return Status::InvalidArgument(
          "field \"name\" must not hold control characters, quotes or backslashes");
  }
  return Status::OK();
}

Result<std::vector<std::string>> StringArray(const json& v, const char* field) {
  if (!v.is_array())
    return Status::InvalidArgument(std::string("field \"") + field +
                                   "\" must be an array of strings");
  std::vector<std::string> out;
  for (const json& e : v) {
    if (!e.is_string())
      return Status::InvalidArgument(std::string("field \"") + field +
                                     "\" must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

Result<int64_t> TokenHandler::ParseExpiresIn(const std::string& text) {
  const Status bad =
      Status::InvalidArgument("field \"expires_in\": \"" + text.substr(0, 64) +
                              "\" is not a duration like \"30m\", \"24h\", \"7d\" or \"1h30m\"");
  if (text.empty() || text.size() > 32) return bad;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == i || digits == text.size() || digits - i > 9) return bad;
    const int64_t n = std::stoll(text.substr(i, digits - i));
    int64_t unit = 0;
    switch (text[digits]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return bad;
    }
    total += n * unit;
    if (total > 100LL * 366 * 86400) return bad;  // past a century: a typo
    i = digits + 1;
  }
  if (total <= 0) return bad;
  return total;
}

Result<TokenUpdate> TokenHandler::ParseFields(const std::string& body, int64_t now) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument(
        "expected a JSON object {\"name\", \"description\"?, \"permissions\"?, \"databases\"?, "
        "\"expires_in\"?}");
  TokenUpdate u;
  for (const auto& [key, v] : j.items()) {
    if (key == "name") {
      if (!v.is_string()) return Status::InvalidArgument("field \"name\" must be a string");
      u.name = v.get<std::string>();
      ARC_RETURN_IF_ERROR(CheckName(*u.name));
    } else if (key == "description") {
      if (v.is_null()) continue;
      if (!v.is_string()) return Status::InvalidArgument("field \"description\" must be a string");
      u.description = v.get<std::string>();
      if (u.description->size() > kMaxDescription)
        return Status::InvalidArgument("field \"description\" is longer than 1024 bytes");
    } else if (key == "permissions") {
      ARC_ASSIGN_OR_RETURN(const std::vector<std::string> names, StringArray(v, "permissions"));
      uint32_t bits = 0;
      for (const std::string& p : names) {
        Result<uint32_t> bit = ParsePermission(p.substr(0, 64));
        if (!bit.ok()) return bit.status().WithContext("field \"permissions\"");
        bits |= *bit;
      }
      if (bits == 0) return Status::InvalidArgument("field \"permissions\" must not be empty");
      u.permissions = bits;
    } else if (key == "databases") {
      // null: every database (lifts a scope in an update).
      if (v.is_null()) {
        u.databases = std::vector<std::string>();
        continue;
      }
      ARC_ASSIGN_OR_RETURN(std::vector<std::string> dbs, StringArray(v, "databases"));
      if (dbs.empty())
        return Status::InvalidArgument(
            "field \"databases\" must not be empty (null or left out: every database)");
      if (dbs.size() > kMaxDatabases)
        return Status::InvalidArgument("field \"databases\" lists more than 1000 databases");
      for (const std::string& db : dbs) {
        ARC_RETURN_IF_ERROR(ValidateDatabaseName(db).WithContext("field \"databases\""));
      }
      u.databases = std::move(dbs);
    } else if (key == "expires_in") {
      if (v.is_null()) continue;
      if (!v.is_string()) return Status::InvalidArgument("field \"expires_in\" must be a string");
      ARC_ASSIGN_OR_RETURN(const int64_t seconds, ParseExpiresIn(v.get<std::string>()));
      u.expires_at = now + seconds;
    } else {
      return Status::InvalidArgument("unknown field \"" + key.substr(0, 64) +
                                     "\" (name, description, permissions, databases, expires_in)");
    }
  }
  return u;
}

Result<TokenSpec> TokenHandler::ParseCreate(const std::string& body, int64_t now) {
  ARC_ASSIGN_OR_RETURN(TokenUpdate u, ParseFields(body, now));
  if (!u.name) return Status::InvalidArgument("field \"name\" is required");
  TokenSpec spec;
  spec.name = std::move(*u.name);
  spec.description = u.description.value_or("");
  // Arc's default when no permissions are given.
  spec.permissions = u.permissions.value_or(static_cast<uint32_t>(Permission::kRead) |
                                            static_cast<uint32_t>(Permission::kWrite));
  spec.databases = u.databases.value_or(std::vector<std::string>());
  spec.expires_at = u.expires_at.value_or(0);
  if ((spec.permissions & static_cast<uint32_t>(Permission::kAdmin)) && !spec.databases.empty())
    return Status::InvalidArgument(
        "field \"databases\": an admin token cannot be limited to databases");
  return spec;
}

json TokenHandler::InfoJson(const TokenInfo& i) {
  return {{"id", i.id},
          {"name", i.name},
          {"description", i.description},
          {"permissions", PermissionNames(i.permissions)},
          {"databases", i.databases.empty() ? json(nullptr) : json(i.databases)},
          {"created_at", TimeJson(i.created_at)},
          {"last_used_at", TimeJson(i.last_used_at)},
          {"expires_at", TimeJson(i.expires_at)},
          {"enabled", i.enabled}};
}

HttpResponse TokenHandler::Disabled() const {
  return Failure(400, "authentication is disabled (auth.enabled = false)");
}

HttpResponse TokenHandler::Create(const HttpRequest& request) {
  if (tokens_ == nullptr) return Disabled();
  Result<TokenSpec> spec = ParseCreate(request.body, NowUnixSeconds());
  if (!spec.ok()) return Failure(spec.status());
  auto created = tokens_->Create(*spec);
  if (!created.ok()) return Failure(created.status());
  const TokenInfo& i = created->first;
  json out = {{"success", true},
              {"id", i.id},
              {"name", i.name},
              {"token", created->second},
              {"permissions", PermissionNames(i.permissions)},
              {"databases", i.databases.empty() ? json(nullptr) : json(i.databases)},
              {"created_at", TimeJson(i.created_at)},
              {"expires_at", TimeJson(i.expires_at)},
              {"message",
               "Token created successfully. Store this token securely - it cannot be retrieved "
               "again."}};
  return Json(201, out);
}

HttpResponse TokenHandler::List() {
  if (tokens_ == nullptr) return Disabled();
  json list = json::array();
  for (const TokenInfo& i : tokens_->List()) list.push_back(InfoJson(i));
  const size_t n = list.size();
  return Json(200, {{"success", true}, {"tokens", std::move(list)}, {"count", n}});
}

HttpResponse TokenHandler::Get(const std::string& id_text) {
  if (tokens_ == nullptr) return Disabled();
  Result<int64_t> id = ParseId(id_text);
  if (!id.ok()) return Failure(id.status());
  Result<TokenInfo> info = tokens_->Get(*id);
  if (!info.ok()) return Failure(info.status());
  return Json(200, {{"success", true}, {"token", InfoJson(*info)}});
}

HttpResponse TokenHandler::Rotate(const std::string& id_text) {
  if (tokens_ == nullptr) return Disabled();
  Result<int64_t> id = ParseId(id_text);
  if (!id.ok()) return Failure(id.status());
  Result<std::string> token = tokens_->Rotate(*id);
  if (!token.ok()) return Failure(token.status());
  return Json(200, {{"success", true},
                    {"id", *id},
                    {"new_token", *token},
                    {"message",
                     "Token rotated successfully. Store this new token securely - it cannot be "
                     "retrieved again."}});
}

HttpResponse TokenHandler::Update(const std::string& id_text, const HttpRequest& request) {
  if (tokens_ == nullptr) return Disabled();
  Result<int64_t> id = ParseId(id_text);
  if (!id.ok()) return Failure(id.status());
  Result<TokenUpdate> update = ParseFields(request.body, NowUnixSeconds());
  if (!update.ok()) return Failure(update.status());
  Result<TokenInfo> info = tokens_->Update(*id, *update);
  if (!info.ok()) return Failure(info.status());
  return Json(
      200,
      {{"success", true}, {"message", "Token updated successfully"}, {"token", InfoJson(*info)}});
}

HttpResponse TokenHandler::Revoke(const std::string& id_text) {
  if (tokens_ == nullptr) return Disabled();
  Result<int64_t> id = ParseId(id_text);
  if (!id.ok()) return Failure(id.status());
  Status st = tokens_->Revoke(*id);
  if (!st.ok()) return Failure(st);
  return Json(200, {{"success", true}, {"message", "Token revoked successfully"}});
}

HttpResponse TokenHandler::Delete(const std::string& id_text) {
  if (tokens_ == nullptr) return Disabled();
  Result<int64_t> id = ParseId(id_text);
  if (!id.ok()) return Failure(id.status());
  Status st = tokens_->Delete(*id);
  if (!st.ok()) return Failure(st);
  return Json(200, {{"success", true}, {"message", "Token deleted successfully"}});
}

HttpResponse TokenHandler::Verify(const HttpRequest& request) {
  if (tokens_ == nullptr) {
    return Json(200, {{"valid", true},
                      {"token_info", nullptr},
                      {"permissions", PermissionNames(15)},
                      {"message", "authentication is disabled"}});
  }
  const std::string token = ExtractToken(request, false);
  if (token.empty()) return Json(401, {{"valid", false}, {"error", "No token provided"}});
  Result<TokenInfo> info = tokens_->Verify(token);
  if (!info.ok()) return Json(401, {{"valid", false}, {"error", info.status().message()}});
  return Json(200, {{"valid", true},
                    {"token_info", InfoJson(*info)},
                    {"permissions", PermissionNames(info->permissions)}});
}

}  // namespace arc
