#include "server/delete_handler.h"

#include <memory>
#include <utility>

#include "server/auth.h"

namespace arc {
namespace {

using nlohmann::json;

// The request's fields; InvalidArgument naming the first bad one.
Result<DeleteRequest> ParseRequest(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(
        "expected a JSON object {\"database\", \"measurement\", \"where\", \"dry_run\", "
        "\"confirm\"}");
  }
  DeleteRequest r;
  for (const auto& [key, field] : {std::pair<const char*, std::string*>{"database", &r.database},
                                   {"measurement", &r.measurement},
                                   {"where", &r.where}}) {
    if (!j.contains(key) || !j[key].is_string())
      return Status::InvalidArgument(std::string("\"") + key + "\" is required (a string)");
    *field = j[key].get<std::string>();
  }
  for (const auto& [key, flag] :
       {std::pair<const char*, bool*>{"dry_run", &r.dry_run}, {"confirm", &r.confirm}}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    if (!j[key].is_boolean())
      return Status::InvalidArgument(std::string("\"") + key + "\" must be true or false");
    *flag = j[key].get<bool>();
  }
  return r;
}

// Arc's clients read "success" on every answer of this endpoint, errors included.
HttpResponse Failure(const Status& st) {
  HttpResponse r = ErrorResponse(st);
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_object()) {
    body["success"] = false;
    r.body = body.dump();
  }
  return r;
}

}  // namespace

void DeleteHandler::DeleteAsync(HttpRequest request, std::function<void(HttpResponse)> respond) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  if (executor_->TrySubmit([this, shared, reply] { (*reply)(Delete(*shared)); })) return;
  (*reply)(Failure(
      Status::Unavailable("too many lifecycle requests are running or queued; try again")));
}

HttpResponse DeleteHandler::Delete(const HttpRequest& request) {
  if (deleter_ == nullptr) {
    HttpResponse r = Json(409, {{"success", false},
                                {"error", "delete is disabled (delete.enabled = false)"}});
    return r;
  }
  Result<DeleteRequest> parsed = ParseRequest(request.body);
  if (!parsed.ok()) return Failure(parsed.status());
  if (Status st = ScopeOf(request).Check(parsed->database); !st.ok()) return Failure(st);
  Result<DeleteResult> r = deleter_->Execute(*parsed);
  if (!r.ok()) return Failure(r.status());
  return Json(200, {{"success", true},
                    {"dry_run", r->dry_run},
                    {"deleted_count", r->deleted_rows},
                    {"affected_files", r->affected_files},
                    {"rewritten_files", r->rewritten_files},
                    {"removed_files", r->removed_files},
                    {"affected_hours", r->hours},
                    {"execution_time_ms", r->seconds * 1000}});
}

}  // namespace arc
