#include "server/retention_handler.h"

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "common/time_format.h"

namespace arc {
namespace {

using nlohmann::json;

std::optional<int64_t> ParseId(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

// The policy fields of a create or update body; InvalidArgument naming what is wrong.
Result<RetentionPolicy> ParsePolicy(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(
        "expected a JSON object {\"name\", \"database\", \"measurement\", "
        "\"retention_days\", \"buffer_days\"}");
  }
  RetentionPolicy p;
  auto text = [&](const char* key, std::string* out, bool required) -> Status {
    if (!j.contains(key) || j[key].is_null()) {
      return required ? Status::InvalidArgument(std::string("\"") + key + "\" is required")
                      : Status::OK();
    }
    if (!j[key].is_string())
      return Status::InvalidArgument(std::string("\"") + key + "\" must be a string");
    *out = j[key].get<std::string>();
    return Status::OK();
  };
  auto number = [&](const char* key, int64_t* out, bool required) -> Status {
    if (!j.contains(key) || j[key].is_null()) {
      return required ? Status::InvalidArgument(std::string("\"") + key + "\" is required")
                      : Status::OK();
    }
    if (!j[key].is_number_integer())
      return Status::InvalidArgument(std::string("\"") + key + "\" must be an integer");
    *out = j[key].get<int64_t>();
    return Status::OK();
  };
  ARC_RETURN_IF_ERROR(text("name", &p.name, true));
  ARC_RETURN_IF_ERROR(text("database", &p.database, true));
  ARC_RETURN_IF_ERROR(text("measurement", &p.measurement, false));
  ARC_RETURN_IF_ERROR(number("retention_days", &p.retention_days, true));
  ARC_RETURN_IF_ERROR(number("buffer_days", &p.buffer_days, false));
  ARC_RETURN_IF_ERROR(ValidateRetentionPolicy(p));
  return p;
}

}  // namespace

HttpResponse RetentionHandler::Create(const HttpRequest& request) {
  Result<RetentionPolicy> p = ParsePolicy(request.body);
  if (!p.ok()) return ErrorResponse(p.status());
  Result<RetentionPolicy> created = policies_->Create(*p, NowUnixSeconds());
  if (!created.ok()) return ErrorResponse(created.status());
  return Json(201, RetentionPolicyJson(*created));
}

HttpResponse RetentionHandler::List() const {
  json list = json::array();
  for (const RetentionPolicy& p : policies_->List()) list.push_back(RetentionPolicyJson(p));
  return Json(200, {{"policies", list}, {"count", list.size()}});
}

HttpResponse RetentionHandler::Get(const std::string& id_text) const {
  const std::optional<int64_t> id = ParseId(id_text);
  if (!id) return JsonError(400, "a policy id is a number");
  const std::optional<RetentionPolicy> p = policies_->Get(*id);
  if (!p) return JsonError(404, "no retention policy " + id_text);
  return Json(200, RetentionPolicyJson(*p));
}

HttpResponse RetentionHandler::Update(const std::string& id_text, const HttpRequest& request) {
  const std::optional<int64_t> id = ParseId(id_text);
  if (!id) return JsonError(400, "a policy id is a number");
  Result<RetentionPolicy> p = ParsePolicy(request.body);
  if (!p.ok()) return ErrorResponse(p.status());
  Result<RetentionPolicy> updated = policies_->Update(*id, *p);
  if (!updated.ok()) return ErrorResponse(updated.status());
  return Json(200, RetentionPolicyJson(*updated));
}

HttpResponse RetentionHandler::Delete(const std::string& id_text) {
  const std::optional<int64_t> id = ParseId(id_text);
  if (!id) return JsonError(400, "a policy id is a number");
  if (::arc::Status st = policies_->Remove(*id); !st.ok()) return ErrorResponse(st);
  return Json(200, {{"deleted", *id}});
}

void RetentionHandler::ExecuteAsync(std::string id, HttpRequest request,
                                    std::function<void(HttpResponse)> respond) {
  auto shared =
      std::make_shared<std::pair<std::string, HttpRequest>>(std::move(id), std::move(request));
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  if (executor_->TrySubmit(
          [this, shared, reply] { (*reply)(Execute(shared->first, shared->second)); }))
    return;
  (*reply)(
      ErrorResponse(Status::Unavailable("a retention execution is already running; try again")));
}

HttpResponse RetentionHandler::Execute(const std::string& id_text, const HttpRequest& request) {
  const std::optional<int64_t> id = ParseId(id_text);
  if (!id) return JsonError(400, "a policy id is a number");
  if (retention_ == nullptr)
    return JsonError(409, "retention is disabled (retention.enabled = false)");
  bool dry_run = true, confirm = false;
  if (!request.body.empty()) {
    const json j = json::parse(request.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return JsonError(400, "expected {\"dry_run\": bool, \"confirm\": bool}");
    if (j.contains("dry_run") && !j["dry_run"].is_boolean())
      return JsonError(400, "\"dry_run\" must be true or false");
    if (j.contains("confirm") && !j["confirm"].is_boolean())
      return JsonError(400, "\"confirm\" must be true or false");
    dry_run = j.value("dry_run", true);
    confirm = j.value("confirm", false);
  }
  if (!dry_run && !confirm) {
    return JsonError(400,
                     "removing data needs \"confirm\": true (or \"dry_run\": true to count first)");
  }
  Result<RetentionResult> r = retention_->Execute(*id, dry_run);
  if (!r.ok()) return ErrorResponse(r.status());
  return Json(200, {{"policy_id", r->policy_id},
                    {"dry_run", r->dry_run},
                    {"cutoff", FormatRfc3339((r->last_expired_hour + 1) * 3600)},
                    {"deleted_hours", r->hours},
                    {"deleted_files", r->files},
                    {"deleted_rows", r->rows},
                    {"deleted_bytes", r->bytes},
                    {"execution_time_ms", r->seconds * 1000}});
}

}  // namespace arc
