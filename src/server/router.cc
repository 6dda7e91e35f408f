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
      token_handler_(tokens),
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
                     catalog([](const HttpRequest& r, QueryEngine* e) { return ListMeasurements(r, e, ScopeOf(r)); })});
  routes_.push_back({"GET", "/api/v1/databases", false, Access::kRead, false, 0, "",
                     catalog([](const HttpRequest& r, QueryEngine* e) { return ListDatabases(e, ScopeOf(r)); })});
  routes_.push_back({"GET", dbs, true, Access::kRead, false, 0, "",
                     catalog([db_of](const HttpRequest& r, QueryEngine* e) {
                       return GetDatabase(db_of(r, 0), e, ScopeOf(r));
                     })});
  routes_.push_back({"GET", dbs + "{}/measurements", true, Access::kRead, false, 0, "",
                     catalog([db_of](const HttpRequest& r, QueryEngine* e) {
                       return ListDatabaseMeasurements(db_of(r, std::string("/measurements").size()), e,
                                                       ScopeOf(r));
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
  AddTokenRoutes();
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
  // The "delete" permission (admin implies it); the handler checks the token's databases.
  routes_.push_back({"POST", "/api/v1/delete", false, Access::kDelete, false, kSmallBody, "",
                     [this](HttpRequest&& r, HttpServer::Responder respond) {
                       deletes_->DeleteAsync(std::move(r), std::move(respond));
                     }});
  routes_.push_back({"DELETE", "/api/v1/quarantine/", true, Access::kAdmin, false, 0, "",
                     sync([this](const HttpRequest& r) {
                       return quarantine_->Delete(
                           r.path.substr(std::string("/api/v1/quarantine/").size()));
                     })});
}

void Router::AddTokenRoutes() {
  auto sync = [](std::function<HttpResponse(const HttpRequest&)> fn) {
    return [fn](HttpRequest&& r, HttpServer::Responder respond) { respond(fn(r)); };
  };
  const std::string tokens = "/api/v1/auth/tokens";
  // The {id} of /api/v1/auth/tokens/{id}[suffix].
  auto id_of = [tokens](const HttpRequest& r, size_t suffix) {
    return r.path.substr(tokens.size() + 1, r.path.size() - tokens.size() - 1 - suffix);
  };
  TokenHandler* h = &token_handler_;
  // Changes run on the io thread: one fsync of a few-KB file, rare and admin-only; an executor
  // shared with deletes could make an urgent revocation wait behind a long delete.
  // Verify authenticates by itself: a missing or bad token is its answer (401), not a refusal.
  routes_.push_back({"GET", "/api/v1/auth/verify", false, Access::kPublic, false, 0, "",
                     sync([h](const HttpRequest& r) { return h->Verify(r); })});
  routes_.push_back({"POST", tokens, false, Access::kAdmin, false, kSmallBody, "",
                     sync([h](const HttpRequest& r) { return h->Create(r); })});
  routes_.push_back({"GET", tokens, false, Access::kAdmin, false, 0, "",
                     sync([h](const HttpRequest&) { return h->List(); })});
  routes_.push_back({"GET", tokens + "/", true, Access::kAdmin, false, 0, "",
                     sync([h, id_of](const HttpRequest& r) { return h->Get(id_of(r, 0)); })});
  routes_.push_back({"PATCH", tokens + "/", true, Access::kAdmin, false, kSmallBody, "",
                     sync([h, id_of](const HttpRequest& r) { return h->Update(id_of(r, 0), r); })});
  routes_.push_back({"DELETE", tokens + "/", true, Access::kAdmin, false, 0, "",
                     sync([h, id_of](const HttpRequest& r) { return h->Delete(id_of(r, 0)); })});
  routes_.push_back({"POST", tokens + "/{}/rotate", true, Access::kAdmin, false, kSmallBody, "",
                     sync([h, id_of](const HttpRequest& r) {
                       return h->Rotate(id_of(r, std::string("/rotate").size()));
                     })});
  routes_.push_back({"POST", tokens + "/{}/revoke", true, Access::kAdmin, false, kSmallBody, "",
                     sync([h, id_of](const HttpRequest& r) {
                       return h->Revoke(id_of(r, std::string("/revoke").size()));
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

HttpServer::HeadDecision Router::Head(HttpRequest& head) const {
  HttpServer::HeadDecision decision;
  HttpResponse error;
  const Route* route = Find(head.method, head.path, &error);
  if (route == nullptr) {
    decision.reject = std::move(error);
  } else if (route->access != Access::kPublic) {
    Result<std::shared_ptr<const Principal>> who =
        Authenticate(tokens_, head, PermissionOf(route->access), route->query_token);
    if (who.ok()) {
      head.principal = std::move(*who);
    } else {
      decision.reject = ErrorResponse(who.status());
    }
  }
  if (decision.reject) {
    const std::string label = route ? Label(*route) : head.path;
    metrics_.Observe(route ? route->path : "other", decision.reject->status, 0);
    request_log_.Record({decision.reject->status, head.method, label,
                         CallerName(tokens_, head, route != nullptr && route->query_token), 0,
                         decision.reject->body, decision.reject->content_type});
  }
  decision.body_limit = route != nullptr ? route->body_limit : 0;
  decision.body_limit_name = route != nullptr && !route->body_limit_name.empty()
                                 ? route->body_limit_name
                                 : "the endpoint's body limit";
  return decision;
}

std::string Router::Label(const Route& route) {
  std::string label = route.path;  // the pattern, never the parameter
  if (route.prefix) {
    const size_t at = label.find("{}");
    label = at == std::string::npos ? label + "{id}" : label.replace(at, 2, "{id}");
  }
  return label;
}

void Router::Handle(HttpRequest&& request, HttpServer::Responder respond_raw) {
  HttpResponse error;
  const Route* route = Find(request.method, request.path, &error);
  if (route == nullptr) return respond_raw(std::move(error));  // Head refused it already
  const auto start = std::chrono::steady_clock::now();
  const std::string label = Label(*route);
  // Who, for the request log: the principal Head attached, else (public routes) the token's
  // name when one is sent (verify's caller), never the token.
  std::string caller = CallerName(tokens_, request, route->query_token);
  HttpServer::Responder respond = [this, start, label, method = request.method,
                                   caller = std::move(caller),
                                   respond_raw = std::move(respond_raw)](HttpResponse r) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.Observe(label, r.status, seconds);
    request_log_.Record({r.status, method, label, caller, seconds * 1000, r.body, r.content_type});
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

}  // namespace arc
