#include "server/quarantine_handler.h"

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/time_format.h"

namespace arc {
namespace {

using nlohmann::json;

std::string Rfc3339(int64_t us) {
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

HttpResponse QuarantineHandler::List() const {
  Result<std::vector<QuarantineRecord>> records = engine_->quarantine()->List();
  if (!records.ok()) return ErrorResponse(records.status());
  json out = json::array();
  uint64_t rows = 0;
  for (const QuarantineRecord& r : *records) {
    rows += r.rows;
    out.push_back({{"id", r.id},
                   {"database", r.database},
                   {"measurement", r.measurement},
                   {"rows", r.rows},
                   {"requests", r.entries},
                   {"bytes", r.bytes},
                   {"reason", r.reason},
                   {"source", r.source},
                   {"created", Rfc3339(r.created_us)}});
  }
  return Json(200, {{"records", out}, {"total_records", records->size()}, {"total_rows", rows}});
}

void QuarantineHandler::Replay(const HttpRequest& request,
                               std::function<void(HttpResponse)> respond) {
  const std::string id = request.Query("id").value_or("");
  auto shared = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  Status st = engine_->ReplayQuarantine(id, [shared](Result<QuarantineReplayReport> report) {
    if (!report.ok()) return (*shared)(ErrorResponse(report.status()));
    json failed = json::array();
    for (const auto& [rid, why] : report->failed) failed.push_back({{"id", rid}, {"error", why}});
    (*shared)(Json(200, {{"replayed_records", report->records_replayed},
                         {"requests", report->requests},
                         {"rows", report->rows},
                         {"failed", failed}}));
  });
  if (st.code() == StatusCode::kUnavailable) return (*shared)(JsonError(409, st.message()));
  if (!st.ok()) (*shared)(ErrorResponse(st));
}

HttpResponse QuarantineHandler::Delete(const std::string& id) {
  Result<std::vector<QuarantineRecord>> records = engine_->quarantine()->List();
  uint64_t rows = 0;
  if (records.ok()) {
    for (const QuarantineRecord& r : *records) {
      if (r.id == id) rows = r.rows;
    }
  }
  Status st = engine_->quarantine()->Remove(id);
  if (!st.ok()) return ErrorResponse(st);
  LOG_WARN("quarantine record " << id << " deleted on request: " << rows << " rows discarded");
  return Json(200, {{"deleted", id}, {"rows", rows}});
}

}  // namespace arc
