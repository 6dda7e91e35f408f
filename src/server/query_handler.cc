#include "server/query_handler.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/time_format.h"

#include "ingest/names.h"

namespace arc {
namespace {

HttpResponse Failure(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"success", false}, {"error", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

void QueryHandler::Submit(std::function<HttpResponse()> work, std::function<void(HttpResponse)> respond) {
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  if (executor_->TrySubmit([work = std::move(work), reply] { (*reply)(work()); })) return;
  HttpResponse busy = Failure(429, "too many queries running and waiting; retry later");
  busy.headers.emplace_back("Retry-After", "1");
  (*reply)(std::move(busy));
}

void QueryHandler::Query(HttpRequest&& request, std::function<void(HttpResponse)> respond) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  Submit([this, shared] { return RunQuery(*shared); }, std::move(respond));
}

void QueryHandler::Measurements(std::function<void(HttpResponse)> respond) {
  Submit([this] {
    Result<std::string> body = engine_->Measurements();
    if (!body.ok()) return ErrorResponse(body.status());
    HttpResponse r;
    r.body = *body;
    return r;
  }, std::move(respond));
}

HttpResponse QueryHandler::RunQuery(const HttpRequest& request) {
  std::string sql;
  try {
    const nlohmann::json body = nlohmann::json::parse(request.body);
    sql = body.at("sql").get<std::string>();
  } catch (const std::exception& e) {
    return Failure(400, std::string("expected a JSON body {\"sql\": \"...\"}: ") + e.what());
  }
  std::string db(request.Header("x-arc-database"));
  if (db.empty()) db = "default";
  if (Status st = ValidateDatabaseName(db); !st.ok()) return Failure(400, st.message());
  Result<QueryOutput> out = engine_->Run(sql, db);
  if (!out.ok()) return Failure(HttpStatusFor(out.status()), out.status().message());
  nlohmann::json columns = out->result.columns;
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.3f", out->execution_ms);
  HttpResponse r;
  r.body = "{\"success\":true,\"columns\":" + columns.dump() + ",\"data\":" + out->result.data_json +
           ",\"row_count\":" + std::to_string(out->result.rows) + ",\"execution_time_ms\":" + ms +
           ",\"files_read\":" + std::to_string(out->files_read) + ",\"timestamp\":\"" + UtcNowRfc3339() + "\"}";
  return r;
}

}  // namespace arc
