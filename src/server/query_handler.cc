#include "server/query_handler.h"

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/time_format.h"

#include "ingest/names.h"
#include "server/catalog_handler.h"
#include "server/auth.h"

namespace arc {
namespace {

// An Arrow IPC message header announcing 8 bytes of metadata that never follow.
constexpr char kArrowTruncation[8] = {'\xFF', '\xFF', '\xFF', '\xFF', 8, 0, 0, 0};

HttpResponse Failure(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"success", false}, {"error", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

HttpResponse QueryHandler::Busy() {
  HttpResponse busy = Failure(429, "too many queries running and waiting; retry later");
  busy.headers.emplace_back("Retry-After", "1");
  return busy;
}

void QueryHandler::Submit(std::function<HttpResponse()> work, std::function<void(HttpResponse)> respond) {
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  if (executor_->TrySubmit([work = std::move(work), reply] { (*reply)(work()); })) return;
  (*reply)(Busy());
}

void QueryHandler::SubmitQuery(HttpRequest&& request, ResultFormat format,
                               std::function<void(HttpResponse)> respond) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  if (executor_->TrySubmit([this, shared, reply, format] { RunQuery(*shared, format, std::move(*reply)); }))
    return;
  (*reply)(Busy());
}

void QueryHandler::Query(HttpRequest&& request, std::function<void(HttpResponse)> respond) {
  SubmitQuery(std::move(request), ResultFormat::kJson, std::move(respond));
}

void QueryHandler::ArrowQuery(HttpRequest&& request, std::function<void(HttpResponse)> respond) {
  SubmitQuery(std::move(request), ResultFormat::kArrow, std::move(respond));
}

void QueryHandler::Catalog(std::function<HttpResponse(QueryEngine*)> answer,
                           std::function<void(HttpResponse)> respond) {
  Submit([this, answer = std::move(answer)] { return answer(engine_); }, std::move(respond));
}

// The result's pieces flow from the worker to the client one at a time, driven by the
// client's pace: the executor thread that ran the query feeds them (it holds the worker until
// the last piece, or until the client stops reading for body_timeout).
class QueryBodyStream final : public BodyStream {
 public:
  void Next(Deliver deliver) override {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_ = std::move(deliver);
    cv_.notify_one();
  }
  void Abandon() override {
    std::lock_guard<std::mutex> lock(mu_);
    abandoned_ = true;
    cv_.notify_one();
  }
  // Waits until the session asks for the next piece, at most until `until`; null when it
  // stopped asking or the connection is gone.
  Deliver Wait(std::chrono::steady_clock::time_point until) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_until(lock, until, [&] { return wanted_ != nullptr || abandoned_; }) || abandoned_)
      return nullptr;
    Deliver d = std::move(wanted_);
    wanted_ = nullptr;
    return d;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Deliver wanted_;
  bool abandoned_ = false;
};

void QueryHandler::RunQuery(const HttpRequest& request, ResultFormat format,
                            std::function<void(HttpResponse)> respond) {
  std::string sql;
  try {
    const nlohmann::json body = nlohmann::json::parse(request.body);
    sql = body.at("sql").get<std::string>();
  } catch (const std::exception& e) {
    return respond(Failure(400, std::string("expected a JSON body {\"sql\": \"...\"}: ") + e.what()));
  }
  std::string db(request.Header("x-arc-database"));
  if (db.empty()) db = "default";
  if (Status st = ValidateDatabaseName(db); !st.ok()) return respond(Failure(400, st.message()));
  const DatabaseScope& scope = ScopeOf(request);
  if (Status st = scope.Check(db); !st.ok()) return respond(Failure(403, st.message()));
  // SHOW / DESCRIBE: Arc's catalogue answers, never DuckDB's (server/catalog_handler.h); as
  // in Arc, only through the JSON endpoint.
  Result<std::optional<CatalogStatement>> catalog = ParseCatalogStatement(sql);
  if (!catalog.ok()) return respond(Failure(400, catalog.status().message()));
  if (catalog->has_value()) {
    if (format == ResultFormat::kArrow)
      return respond(Failure(400, "SHOW and DESCRIBE answer on /api/v1/query, not as Arrow"));
    return respond(AnswerCatalogStatement(**catalog, db, engine_, scope));
  }
  Result<std::unique_ptr<QueryResult>> out = engine_->Run(sql, db, &scope, format);
  if (!out.ok()) return respond(Failure(HttpStatusFor(out.status()), out.status().message()));
  QueryResult& result = **out;
  HttpResponse r;
  if (format == ResultFormat::kArrow) {
    r.content_type = "application/vnd.apache.arrow.stream";
    return Stream(&result, std::move(r), "", [] { return std::string(); }, std::move(respond));
  }
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.3f", result.execution_ms);
  std::string head = "{\"success\":true,\"columns\":" + nlohmann::json(result.columns()).dump() + ",\"data\":";
  const std::string tail = ",\"row_count\":" + std::to_string(result.rows()) + ",\"execution_time_ms\":" + ms +
                           ",\"files_read\":" + std::to_string(result.files_read) + ",\"timestamp\":\"" +
                           UtcNowRfc3339() + "\"}";
  Stream(&result, std::move(r), std::move(head), [&] { return tail; }, std::move(respond));
}

void QueryHandler::Stream(QueryResult* result, HttpResponse response, std::string head,
                          const std::function<std::string()>& tail,
                          std::function<void(HttpResponse)> respond) {
  auto stream = std::make_shared<QueryBodyStream>();
  response.stream = stream;
  respond(std::move(response));
  const bool arrow = result->format() == ResultFormat::kArrow;
  std::string pending = std::move(head);
  for (;;) {
    Result<std::optional<std::string>> piece = result->NextPiece();
    // An Arrow query is still running in its worker: a client that stops reading keeps it
    // no longer than the query's deadline.
    auto until = std::chrono::steady_clock::now() + body_timeout_;
    if (arrow) until = std::min(until, result->deadline());
    BodyStream::Deliver deliver = stream->Wait(until);
    if (deliver == nullptr) {  // the client went away or stopped reading
      if (arrow) LOG_INFO("Arrow answer abandoned: the client stopped reading or went away");
      return;
    }
    if (!piece.ok()) {
      // The status line is sent: cut the body so the client sees an incomplete answer. An
      // Arrow stream first gets the start of a message that never comes, so that an Arrow
      // reader fails too even where the cut chunked body goes unnoticed.
      LOG_WARN("query answer cut short: " << piece.status().message());
      if (!arrow) return deliver("", false, true);
      deliver(std::string(kArrowTruncation, sizeof(kArrowTruncation)), false, false);
      if (BodyStream::Deliver next = stream->Wait(std::chrono::steady_clock::now() + body_timeout_))
        next("", false, true);
      return;
    }
    if (!piece->has_value()) return deliver(pending + tail(), true, false);
    if (pending.empty()) {
      pending = std::move(**piece);
    } else {
      pending += **piece;
    }
    deliver(std::move(pending), false, false);
    pending.clear();
  }
}

}  // namespace arc
