#include "server/router.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "server/auth.h"

namespace arc {
namespace {

HttpResponse Json(int status, const nlohmann::json& j) {
  HttpResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::string UtcNowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Router::Router(WriteHandler* writes, WalHandler* wal, TokenStore* tokens)
    : writes_(writes), wal_(wal), tokens_(tokens) {}

HttpResponse Router::Health() const {
  const auto up = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
  return Json(200, {{"status", "ok"}, {"time", UtcNowRfc3339()}, {"uptime_sec", up.count()}});
}

HttpResponse Router::CreateToken(const HttpRequest& request) {
  if (tokens_ == nullptr) return JsonError(400, "authentication is disabled (auth.enabled = false)");
  std::string name;
  uint32_t perms = 0;
  try {
    const nlohmann::json j = nlohmann::json::parse(request.body);
    name = j.at("name").get<std::string>();
    for (const auto& p : j.at("permissions")) {
      Result<uint32_t> bit = ParsePermission(p.get<std::string>());
      if (!bit.ok()) return ErrorResponse(bit.status());
      perms |= *bit;
    }
  } catch (const std::exception& e) {
    return JsonError(400, std::string("expected {\"name\": ..., \"permissions\": [...]}: ") + e.what());
  }
  if (perms == 0) return JsonError(400, "permissions must not be empty");
  Result<std::string> token = tokens_->Create(name, perms);
  if (!token.ok()) return ErrorResponse(token.status());
  return Json(201, {{"name", name}, {"token", *token}});
}

void Router::Handle(HttpRequest&& request, HttpServer::Responder respond) {
  using F = WriteHandler::Format;
  using D = WriteHandler::Dialect;
  const std::string& p = request.path;
  struct WriteRoute { const char* path; F format; D dialect; };
  static const WriteRoute kWrites[] = {
      {"/api/v1/write/msgpack", F::kMsgpack, D::kArc},
      {"/api/v1/write/line-protocol", F::kLineProtocol, D::kArc},
      {"/write", F::kLineProtocol, D::kInfluxV1},
      {"/api/v2/write", F::kLineProtocol, D::kInfluxV2},
  };
  for (const WriteRoute& route : kWrites) {
    if (p != route.path) continue;
    if (request.method != "POST") return respond(JsonError(405, "use POST for " + p));
    Status st = Authorize(tokens_, request, Permission::kWrite);
    if (!st.ok()) return respond(ErrorResponse(st));
    if (!ready_) return respond(ErrorResponse(Status::Unavailable("server is not ready")));
    return writes_->Handle(request, route.format, route.dialect, std::move(respond));
  }
  respond(HandleSync(request));
}

HttpResponse Router::HandleSync(const HttpRequest& request) {
  const std::string& p = request.path;
  const bool post = request.method == "POST";
  if (p == "/health") return Health();
  if (p == "/ready") {
    if (ready_) return Json(200, {{"status", "ready"}});
    HttpResponse r = Json(503, {{"status", "not ready"}});
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (p.rfind("/api/wal/", 0) == 0) {
    const bool cleanup = p == "/api/wal/cleanup";
    if (cleanup != post) return JsonError(405, std::string("use ") + (cleanup ? "POST" : "GET") + " for " + p);
    Status st = Authorize(tokens_, request, cleanup ? Permission::kAdmin : Permission::kRead);
    if (!st.ok()) return ErrorResponse(st);
    if (p == "/api/wal/status") return wal_->Status();
    if (p == "/api/wal/files") return wal_->Files();
    if (p == "/api/wal/health") return wal_->Health();
    if (cleanup) return wal_->Cleanup(request);
  }
  if (p == "/api/v1/auth/tokens") {
    if (!post) return JsonError(405, "use POST for " + p);
    Status st = Authorize(tokens_, request, Permission::kAdmin);
    if (!st.ok()) return ErrorResponse(st);
    return CreateToken(request);
  }
  return JsonError(404, "no such endpoint: " + request.method + " " + p);
}

}  // namespace arc
