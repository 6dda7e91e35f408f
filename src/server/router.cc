#include "server/router.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/time_format.h"

#include "server/auth.h"

namespace arc {
namespace {

HttpResponse Json(int status, const nlohmann::json& j) {
  HttpResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

Router::Router(WriteHandler* writes, WalHandler* wal, QueryHandler* queries,
               QuarantineHandler* quarantine, TokenStore* tokens, const IngestEngine* engine)
    : writes_(writes), wal_(wal), queries_(queries), quarantine_(quarantine), engine_(engine),
      tokens_(tokens) {}

std::string Router::EndpointLabel(const std::string& path) {
  static const char* const kKnown[] = {
      "/api/v1/write/msgpack", "/api/v1/write/line-protocol", "/write", "/api/v2/write",
      "/api/v1/query", "/api/v1/measurements", "/api/v1/auth/tokens", "/api/wal/status",
      "/api/wal/files", "/api/wal/health", "/api/wal/cleanup", "/health", "/ready", "/metrics",
      "/api/v1/quarantine", "/api/v1/quarantine/replay"};
  for (const char* k : kKnown) {
    if (path == k) return path;
  }
  if (path.rfind("/api/v1/quarantine/", 0) == 0) return "/api/v1/quarantine/{id}";
  return "other";
}

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

void Router::Handle(HttpRequest&& request, HttpServer::Responder respond_raw) {
  using F = WriteHandler::Format;
  using D = WriteHandler::Dialect;
  const std::string& p = request.path;
  const auto start = std::chrono::steady_clock::now();
  HttpServer::Responder respond = [this, start, endpoint = EndpointLabel(p),
                                   respond_raw = std::move(respond_raw)](HttpResponse r) {
    metrics_.Observe(endpoint, r.status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    respond_raw(std::move(r));
  };
  struct WriteRoute { const char* path; F format; D dialect; };
  static const WriteRoute kWrites[] = {
      {"/api/v1/write/msgpack", F::kMsgpack, D::kArc},
      {"/api/v1/write/line-protocol", F::kLineProtocol, D::kArc},
      {"/write", F::kLineProtocol, D::kInfluxV1},
      {"/api/v2/write", F::kLineProtocol, D::kInfluxV2},
  };
  for (size_t i = 0; i < std::size(kWrites); ++i) {
    const WriteRoute& route = kWrites[i];
    if (p != route.path) continue;
    if (request.method != "POST") return respond(JsonError(405, "use POST for " + p));
    Status st = Authorize(tokens_, request, Permission::kWrite);
    if (!st.ok()) return respond(ErrorResponse(st));
    if (!ready_) return respond(ErrorResponse(Status::Unavailable("server is not ready")));
    return writes_->Handle(request, route.format, route.dialect, &write_counters_[i], std::move(respond));
  }
  if (p == "/api/v1/quarantine/replay") {
    if (request.method != "POST") return respond(JsonError(405, "use POST for " + p));
    Status st = Authorize(tokens_, request, Permission::kAdmin);
    if (!st.ok()) return respond(ErrorResponse(st));
    return quarantine_->Replay(request, std::move(respond));
  }
  respond(HandleSync(request));
}

HttpResponse Router::HandleSync(const HttpRequest& request) {
  const std::string& p = request.path;
  const bool post = request.method == "POST";
  if (p == "/health") return Health();
  if (p == "/metrics") {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    const std::vector<std::pair<std::string, const WriteCounters*>> writes = {
        {"/api/v1/write/msgpack", &write_counters_[0]}, {"/api/v1/write/line-protocol", &write_counters_[1]},
        {"/write", &write_counters_[2]}, {"/api/v2/write", &write_counters_[3]}};
    const double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    r.body = RenderMetrics(metrics_, writes, *engine_, up);
    return r;
  }
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
  if (p == "/api/v1/query" || p == "/api/v1/measurements") {
    const bool query = p == "/api/v1/query";
    if (query != post) return JsonError(405, std::string("use ") + (query ? "POST" : "GET") + " for " + p);
    Status st = Authorize(tokens_, request, Permission::kRead);
    if (!st.ok()) return ErrorResponse(st);
    return query ? queries_->Query(request) : queries_->Measurements();
  }
  if (p == "/api/v1/quarantine") {
    if (request.method != "GET") return JsonError(405, "use GET for " + p);
    Status st = Authorize(tokens_, request, Permission::kRead);
    if (!st.ok()) return ErrorResponse(st);
    return quarantine_->List();
  }
  if (p.rfind("/api/v1/quarantine/", 0) == 0) {
    if (request.method != "DELETE") return JsonError(405, "use DELETE for " + p);
    Status st = Authorize(tokens_, request, Permission::kAdmin);
    if (!st.ok()) return ErrorResponse(st);
    return quarantine_->Delete(p.substr(std::string("/api/v1/quarantine/").size()));
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
