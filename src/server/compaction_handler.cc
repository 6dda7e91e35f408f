#include "server/compaction_handler.h"

#include <optional>
#include <string>

#include "ingest/names.h"
#include "storage/partition_layout.h"

namespace arc {

using nlohmann::json;

HttpResponse CompactionHandler::Trigger(const HttpRequest& request) {
  if (compactor_ == nullptr)
    return JsonError(409, "compaction is disabled (compaction.enabled = false)");
  std::optional<std::string> database = request.Query("database");
  if (!request.body.empty()) {
    const json j = json::parse(request.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return JsonError(400, "expected a JSON object such as {\"database\": \"name\"}");
    if (j.contains("database")) {
      if (!j["database"].is_string()) return JsonError(400, "\"database\" must be a string");
      database = j["database"].get<std::string>();
    }
  }
  if (database) {
    if (::arc::Status st = ValidateDatabaseName(*database); !st.ok()) return ErrorResponse(st);
  }
  compactor_->Trigger(database);
  return Json(202, {{"triggered", true}, {"database", database ? json(*database) : json(nullptr)}});
}

HttpResponse CompactionHandler::Status() const {
  if (compactor_ == nullptr) return Json(200, {{"enabled", false}});
  const CompactionStats s = compactor_->stats();
  json recent = json::array();
  for (const CompactionJob& j : compactor_->recent_jobs()) {
    recent.push_back({{"database", j.database},
                      {"measurement", j.measurement},
                      {"hour", HourFolder(j.hour)},
                      {"files_in", j.files_in},
                      {"files_out", j.files_out},
                      {"rows", j.rows},
                      {"bytes_in", j.bytes_in},
                      {"bytes_out", j.bytes_out},
                      {"seconds", j.seconds},
                      {"error", j.error.empty() ? json(nullptr) : json(j.error)}});
  }
  return Json(200, {{"enabled", true},
                    {"running", s.running},
                    {"pending", s.pending},
                    {"cycles", s.cycles},
                    {"jobs", s.jobs},
                    {"failures", s.failures},
                    {"files_in", s.files_in},
                    {"files_out", s.files_out},
                    {"rows", s.rows},
                    {"bytes_in", s.bytes_in},
                    {"bytes_out", s.bytes_out},
                    {"seconds", s.seconds},
                    {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
                    {"recent", recent}});
}

}  // namespace arc
