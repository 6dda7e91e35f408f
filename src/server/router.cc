#include "server/router.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "server/auth.h"
#include "server/catalog_handler.h"

namespace arc {
namespace {

constexpr uint64_t kSmallBody = 64 * 1024;  // token requests and the like

Permission PermissionOf(Router::Access a) {
  switch (a) {
    case Router::Access::kRead:
      return Permission::kRead;
    case Router::Access::kWrite:
      return Permission::kWrite;
    case Router::Access::kDelete:
      return Permission::kDelete;
    default:
      return Permission::kAdmin;
  }
}

// A prefix route matches its pattern with a non-empty parameter holding no '/'.
bool Matches(const Router::Route& r, const std::string& path) {
  if (!r.prefix) return path == r.path;
  const size_t at = r.path.find("{}");
  const std::string head = r.path.substr(0, at);
  const std::string tail = at == std::string::npos ? "" : r.path.substr(at + 2);
  if (path.size() <= head.size() + tail.size() || path.compare(0, head.size(), head) != 0 ||
      path.compare(path.size() - tail.size(), tail.size(), tail) != 0) {
    return false;
  }
  return path.find('/', head.size()) >= path.size() - tail.size();
}

}  // namespace

Router::Router(WriteHandler* writes, WalHandler* wal, QueryHandler* queries,
               QuarantineHandler* quarantine, CompactionHandler* compaction,
               RetentionHandler* retention, DeleteHandler* deletes,
               InfluxQueryHandler* influx, TokenStore* tokens,
               const IngestEngine* engine, Limits limits)
    : writes_(writes),
      wal_(wal),
      queries_(queries),
      quarantine_(quarantine),
      compaction_(compaction),
      retention_(retention),
      deletes_(deletes),
      influx_(influx),
      engine_(engine),
      tokens_(tokens),
      limits_(limits) {
  AddRoutes();
}

void Router::AddRoutes() {
  using F = WriteHandler::Format;
  using D = WriteHandler::Dialect;
  auto sync = [](std::function<HttpResponse(const HttpRequest&)> fn) {
    return [fn](HttpRequest&& r, HttpServer::Responder respond) { respond(fn(r)); };
  };
  struct WriteRoute {
    const char* path;
    F format;
    D dialect;
    bool query_token;
  };
  const WriteRoute writes[] = {
      {"/api/v1/write/msgpack", F::kMsgpack, D::kArc, false},
      {"/api/v1/write/line-protocol", F::kLineProtocol, D::kArc, false},
      {"/write", F::kLineProtocol, D::kInfluxV1, true},
      {"/api/v2/write", F::kLineProtocol, D::kInfluxV2, false},
  };
  for (size_t i = 0; i < std::size(writes); ++i) {
    const WriteRoute w = writes[i];
    routes_.push_back(
        {"POST", w.path, false, Access::kWrite, w.query_token, limits_.max_payload_size,
         "max_payload_size", [this, w, i](HttpRequest&& r, HttpServer::Responder respond) {
           if (!ready_) return respond(ErrorResponse(Status::Unavailable("server is not ready")));
           writes_->Handle(std::move(r), w.format, w.dialect, &write_counters_[i],
                           std::move(respond));
         }});
  }
  routes_.push_back({"POST", "/api/v1/query", false, Access::kRead, false, limits_.max_query_body,
                     "the query body limit",
                     [this](HttpRequest&& r, HttpServer::Responder respond) {
                       queries_->Query(std::move(r), std::move(respond));
                     }});
  routes_.push_back({"POST", "/api/v1/query/arrow", false, Access::kRead, false, limits_.max_query_body,
                     "the query body limit",
                     [this](HttpRequest&& r, HttpServer::Responder respond) {
                       queries_->ArrowQuery(std::move(r), std::move(respond));
                     }});
  // The catalogue (server/catalog_handler.h), on the query executor.
  auto catalog = [this](std::function<HttpResponse(const HttpRequest&, QueryEngine*)> answer) {
    return [this, answer](HttpRequest&& r, HttpServer::Responder respond) {
      auto request = std::make_shared<HttpRequest>(std::move(r));
      queries_->Catalog([answer, request](QueryEngine* e) { return answer(*request, e); },
                        std::move(respond));
    };
  };
  const std::string dbs = "/api/v1/databases/";
  auto db_of = [dbs](const HttpRequest& r, size_t suffix) {
    return r.path.substr(dbs.size(), r.path.size() - dbs.size() - suffix);
  };
  routes_.push_back({"GET", "/api/v1/measurements", false, Access::kRead, false, 0, "",
                     catalog([](const HttpRequest& r, QueryEngine* e) { return ListMeasurements(r, e); })});
  routes_.push_back({"GET", "/api/v1/databases", false, Access::kRead, false, 0, "",
                     catalog([](const HttpRequest&, QueryEngine* e) { return ListDatabases(e); })});
  routes_.push_back({"GET", dbs, true, Access::kRead, false, 0, "",
                     catalog([db_of](const HttpRequest& r, QueryEngine* e) {
                       return GetDatabase(db_of(r, 0), e);
                     })});
  routes_.push_back({"GET", dbs + "{}/measurements", true, Access::kRead, false, 0, "",
                     catalog([db_of](const HttpRequest& r, QueryEngine* e) {
                       return ListDatabaseMeasurements(db_of(r, std::string("/measurements").size()), e);
                     })});
  // InfluxQL (InfluxDB 1.x /query): read access; CREATE/DROP statements check admin inside.
  for (const char* method : {"GET", "POST"}) {
    routes_.push_back({method, "/query", false, Access::kRead, true, limits_.max_query_body,
                       "the query body limit",
                       [this](HttpRequest&& r, HttpServer::Responder respond) {
                         influx_->Query(std::move(r), std::move(respond));
                       }});
  }
  // InfluxDB 1.x clients (the influx CLI, Grafana, Telegraf) probe /ping; public like /health.
  routes_.push_back({"GET", "/ping", false, Access::kPublic, false, 0, "",
                     sync([](const HttpRequest& r) { return Ping(r); })});
  routes_.push_back({"GET", "/health", false, Access::kPublic, false, 0, "",
                     sync([this](const HttpRequest&) { return Health(); })});
  routes_.push_back({"GET", "/ready", false, Access::kPublic, false, 0, "",
                     sync([this](const HttpRequest&) { return Ready(); })});
  routes_.push_back({"GET", "/metrics", false, Access::kPublic, false, 0, "",
                     sync([this](const HttpRequest&) { return Metrics(); })});
  routes_.push_back({"GET", "/api/wal/status", false, Access::kRead, false, 0, "",
                     sync([this](const HttpRequest&) { return wal_->Status(); })});
  routes_.push_back({"GET", "/api/wal/files", false, Access::kRead, false, 0, "",
                     sync([this](const HttpRequest&) { return wal_->Files(); })});
  routes_.push_back({"GET", "/api/wal/health", false, Access::kRead, false, 0, "",
                     sync([this](const HttpRequest&) { return wal_->Health(); })});
  routes_.push_back({"POST", "/api/wal/cleanup", false, Access::kAdmin, false, kSmallBody, "",
                     sync([this](const HttpRequest& r) { return wal_->Cleanup(r); })});
  routes_.push_back({"POST", "/api/v1/auth/tokens", false, Access::kAdmin, false, kSmallBody, "",
                     sync([this](const HttpRequest& r) { return CreateToken(r); })});
  routes_.push_back({"GET", "/api/v1/quarantine", false, Access::kRead, false, 0, "",
                     sync([this](const HttpRequest&) { return quarantine_->List(); })});
  routes_.push_back({"POST", "/api/v1/quarantine/replay", false, Access::kAdmin, false, kSmallBody,
                     "", [this](HttpRequest&& r, HttpServer::Responder respond) {
                       quarantine_->Replay(r, std::move(respond));
                     }});
  routes_.push_back({"POST", "/api/v1/compaction/trigger", false, Access::kAdmin, false, kSmallBody,
                     "", sync([this](const HttpRequest& r) { return compaction_->Trigger(r); })});
  routes_.push_back({"GET", "/api/v1/compaction/status", false, Access::kRead, false, 0, "",
                     sync([this](const HttpRequest&) { return compaction_->Status(); })});
  const std::string policy = "/api/v1/retention/";
  auto id_of = [policy](const HttpRequest& r, size_t suffix) {
    return r.path.substr(policy.size(), r.path.size() - policy.size() - suffix);
  };
  routes_.push_back({"POST", "/api/v1/retention", false, Access::kAdmin, false, kSmallBody, "",
                     sync([this](const HttpRequest& r) { return retention_->Create(r); })});
  routes_.push_back({"GET", "/api/v1/retention", false, Access::kRead, false, 0, "",
                     sync([this](const HttpRequest&) { return retention_->List(); })});
  routes_.push_back(
      {"GET", policy, true, Access::kRead, false, 0, "",
       sync([this, id_of](const HttpRequest& r) { return retention_->Get(id_of(r, 0)); })});
  routes_.push_back(
      {"PUT", policy, true, Access::kAdmin, false, kSmallBody, "",
       sync([this, id_of](const HttpRequest& r) { return retention_->Update(id_of(r, 0), r); })});
  routes_.push_back(
      {"DELETE", policy, true, Access::kAdmin, false, 0, "",
       sync([this, id_of](const HttpRequest& r) { return retention_->Delete(id_of(r, 0)); })});
  // Execution can take a while (footers, deletes): off the io threads.
  routes_.push_back({"POST", policy + "{}/execute", true, Access::kAdmin, false, kSmallBody, "",
                     [this, id_of](HttpRequest&& r, HttpServer::Responder respond) {
                       std::string id = id_of(r, std::string("/execute").size());
                       retention_->ExecuteAsync(std::move(id), std::move(r), std::move(respond));
                     }});
  // A delete flushes, scans and rewrites files: off the io threads.
  routes_.push_back({"POST", "/api/v1/delete", false, Access::kAdmin, false, kSmallBody, "",
                     [this](HttpRequest&& r, HttpServer::Responder respond) {
                       deletes_->DeleteAsync(std::move(r), std::move(respond));
                     }});
  routes_.push_back({"DELETE", "/api/v1/quarantine/", true, Access::kAdmin, false, 0, "",
                     sync([this](const HttpRequest& r) {
                       return quarantine_->Delete(
                           r.path.substr(std::string("/api/v1/quarantine/").size()));
                     })});
}

const Router::Route* Router::Find(const std::string& method, const std::string& path,
                                  HttpResponse* error) const {
  std::string allowed;
  for (const Route& r : routes_) {
    if (!Matches(r, path)) continue;
    if (r.method == method) return &r;
    // HEAD is GET without the body (the server still sends the headers).
    if (method == "HEAD" && r.method == "GET") return &r;
    allowed += (allowed.empty() ? "" : ", ") + r.method;
  }
  if (allowed.empty()) {
    *error = JsonError(404, "no such endpoint: " + method + " " + path.substr(0, 200));
  } else {
    *error = JsonError(405, "use " + allowed + " for " + path.substr(0, 200));
    error->headers.emplace_back("Allow", allowed);
  }
  return nullptr;
}

HttpServer::HeadDecision Router::Head(const HttpRequest& head) const {
  HttpServer::HeadDecision decision;
  HttpResponse error;
  const Route* route = Find(head.method, head.path, &error);
  if (route == nullptr) {
    decision.reject = std::move(error);
  } else if (route->access != Access::kPublic) {
    Status st = Authorize(tokens_, head, PermissionOf(route->access), route->query_token);
    if (!st.ok()) decision.reject = ErrorResponse(st);
  }
  if (decision.reject) {
    metrics_.Observe(route ? route->path : "other", decision.reject->status, 0);
  }
  decision.body_limit = route != nullptr ? route->body_limit : 0;
  decision.body_limit_name = route != nullptr && !route->body_limit_name.empty()
                                 ? route->body_limit_name
                                 : "the endpoint's body limit";
  return decision;
}

void Router::Handle(HttpRequest&& request, HttpServer::Responder respond_raw) {
  HttpResponse error;
  const Route* route = Find(request.method, request.path, &error);
  if (route == nullptr) return respond_raw(std::move(error));  // Head refused it already
  const auto start = std::chrono::steady_clock::now();
  std::string label = route->path;  // a metrics label: the pattern, never the parameter
  if (route->prefix) {
    const size_t at = label.find("{}");
    label = at == std::string::npos ? label + "{id}" : label.replace(at, 2, "{id}");
  }
  HttpServer::Responder respond = [this, start, label,
                                   respond_raw = std::move(respond_raw)](HttpResponse r) {
    metrics_.Observe(
        label, r.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    respond_raw(std::move(r));
  };
  route->handle(std::move(request), std::move(respond));
}

HttpResponse Router::Ping(const HttpRequest& request) {
  const std::optional<std::string> verbose = request.Query("verbose");
  HttpResponse r = verbose && (*verbose == "true" || *verbose == "1")
                       ? Json(200, {{"version", kInfluxCompatVersion}})
                       : NoContent();
  AddInfluxHeaders(&r);
  return r;
}

HttpResponse Router::Health() const {
  const auto up =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  return Json(200, {{"status", "ok"}, {"time", UtcNowRfc3339()}, {"uptime_sec", up.count()}});
}

HttpResponse Router::Ready() const {
  if (ready_) return Json(200, {{"status", "ready"}});
  HttpResponse r = Json(503, {{"status", "not ready"}});
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

HttpResponse Router::Metrics() const {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  const std::vector<std::pair<std::string, const WriteCounters*>> writes = {
      {"/api/v1/write/msgpack", &write_counters_[0]},
      {"/api/v1/write/line-protocol", &write_counters_[1]},
      {"/write", &write_counters_[2]},
      {"/api/v2/write", &write_counters_[3]}};
  const double up =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  r.body = RenderMetrics(metrics_, writes, *engine_, up);
  if (compaction_->compactor() != nullptr)
    RenderCompactionMetrics(compaction_->compactor()->stats(), &r.body);
  if (retention_->retention() != nullptr) RenderRetentionMetrics(retention_->retention()->stats(), &r.body);
  if (deletes_->deleter() != nullptr) RenderDeleteMetrics(deletes_->deleter()->stats(), &r.body);
  return r;
}

HttpResponse Router::CreateToken(const HttpRequest& request) {
  if (tokens_ == nullptr)
    return JsonError(400, "authentication is disabled (auth.enabled = false)");
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
    return JsonError(400,
                     std::string("expected {\"name\": ..., \"permissions\": [...]}: ") + e.what());
  }
  if (perms == 0) return JsonError(400, "permissions must not be empty");
  if (name.empty() || name.size() > 128)
    return JsonError(400, "name must have 1 to 128 characters");
  Result<std::string> token = tokens_->Create(name, perms);
  if (!token.ok()) return ErrorResponse(token.status());
  return Json(201, {{"name", name}, {"token", *token}});
}

}  // namespace arc
