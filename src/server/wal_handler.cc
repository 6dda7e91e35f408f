#include "server/wal_handler.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "ingest/time_units.h"
#include "wal/segment_name.h"

namespace arc {
namespace {

using nlohmann::json;

double Mb(uint64_t bytes) { return static_cast<int64_t>(bytes / 1048576.0 * 100 + 0.5) / 100.0; }

json WorkerBlock(const wal::WalWriter& w, const std::string& dir) {
  const std::vector<wal::SegmentInfo> segs = w.segments();
  const wal::SegmentInfo& cur = segs.back();
  const wal::WalStats s = w.stats();
  const Status health = w.health();
  return {{"worker_id", w.worker()},
          {"healthy", health.ok()},
          {"error", health.ok() ? json(nullptr) : json(health.message())},
          {"configuration",
           {{"sync_mode", EnumToString(w.sync_mode())},
            {"worker_id", w.worker()},
            {"current_file", JoinPath(dir, cur.name)}}},
          {"stats",
           {{"current_size_mb", Mb(cur.size)},
            {"current_age_seconds", (NowMicros() - cur.created_us) / 1000000},
            {"total_entries", s.entries},
            {"total_bytes", s.bytes},
            {"total_syncs", s.sync.syncs},
            {"total_rotations", s.rotations},
            {"segments", segs.size()},
            {"last_lsn", w.last_lsn()}}}};
}

}  // namespace

WalHandler::WalHandler(IngestEngine* engine, FileSystem* fs) : engine_(engine), fs_(fs) {}

HttpResponse WalHandler::Status() const {
  const Config& c = engine_->config();
  if (!engine_->wal_enabled()) {
    return Json(200, {{"enabled", false},
                      {"configuration", {{"sync_mode", EnumToString(c.wal.sync_mode)}}}});
  }
  json workers = json::array();
  json total = {{"current_size_mb", 0.0}, {"current_age_seconds", 0}, {"total_entries", 0},
                {"total_bytes", 0},       {"total_syncs", 0},         {"total_rotations", 0}};
  json configuration = {{"sync_mode", EnumToString(c.wal.sync_mode)},
                        {"worker_id", nullptr},
                        {"current_file", nullptr}};
  for (wal::WalWriter* w : engine_->wal_writers()) {
    if (w == nullptr) continue;
    json block = WorkerBlock(*w, c.wal.dir);
    if (configuration["worker_id"].is_null()) configuration = block["configuration"];
    for (const char* k : {"total_entries", "total_bytes", "total_syncs", "total_rotations"}) {
      total[k] = total[k].get<uint64_t>() + block["stats"][k].get<uint64_t>();
    }
    total["current_size_mb"] =
        total["current_size_mb"].get<double>() + block["stats"]["current_size_mb"].get<double>();
    total["current_age_seconds"] = std::max(total["current_age_seconds"].get<int64_t>(),
                                            block["stats"]["current_age_seconds"].get<int64_t>());
    workers.push_back(std::move(block));
  }
  const RecoveryTotals& r = engine_->recovery();
  return Json(200, {{"enabled", true},
                    {"configuration", configuration},
                    {"stats", total},
                    {"workers", workers},
                    {"recovery",
                     {{"files", r.files},
                      {"batches", r.entries},
                      {"entries", r.records},
                      {"corrupted", r.corrupted},
                      {"duration_seconds", r.seconds}}}});
}

HttpResponse WalHandler::Files() const {
  if (!engine_->wal_enabled()) return JsonError(400, "WAL is disabled (wal.enabled = false)");
  Result<std::vector<DirEntry>> entries = fs_->ListDir(engine_->config().wal.dir);
  if (!entries.ok()) return ErrorResponse(entries.status());
  json active = json::array(), recovered = json::array(), spare = json::array();
  uint64_t total = 0;
  for (const DirEntry& e : *entries) {
    auto seg = wal::ParseSegmentName(e.name);
    const bool is_spare = wal::ParseSpareName(e.name).has_value();
    if (!seg && !is_spare) continue;
    total += e.size;
    json f = {{"name", e.name}, {"size_mb", Mb(e.size)}, {"modified", e.mtime_sec}};
    (is_spare ? spare : seg->recovered ? recovered : active).push_back(f);
  }
  auto by_name = [](const json& a, const json& b) { return a["name"] < b["name"]; };
  std::sort(active.begin(), active.end(), by_name);
  std::sort(recovered.begin(), recovered.end(), by_name);
  std::sort(spare.begin(), spare.end(), by_name);
  // "spare": retired segments kept for reuse (docs/wal-format.md), counted in the total.
  return Json(200, {{"active", active},
                    {"recovered", recovered},
                    {"spare", spare},
                    {"total_size_mb", Mb(total)}});
}

HttpResponse WalHandler::Health() const {
  const Config& c = engine_->config();
  json issues = json::array(), recommendations = json::array();
  if (!engine_->wal_enabled()) {
    recommendations.push_back(
        "WAL is disabled: up to ingest.max_buffer_age_ms of acknowledged "
        "data is lost on a crash. Set wal.enabled = true for zero data loss.");
    return Json(200, {{"healthy", true},
                      {"wal_enabled", false},
                      {"issues", issues},
                      {"recommendations", recommendations},
                      {"stats_summary", json::object()}});
  }
  const std::vector<arc::Status> health = engine_->worker_health();
  for (size_t i = 0; i < health.size(); ++i) {
    if (!health[i].ok())
      issues.push_back("worker " + std::to_string(i + 1) + ": " + health[i].message());
  }
  if (c.wal.sync_mode == SyncMode::kAsync) {
    recommendations.push_back(
        "sync_mode is async: a power loss can lose up to 1 s of "
        "acknowledged writes; use fdatasync for zero data loss");
  }
  uint64_t entries = 0, syncs = 0, failures = 0, active_bytes = 0, recovered_bytes = 0;
  for (wal::WalWriter* w : engine_->wal_writers()) {
    if (w == nullptr) continue;
    const wal::WalStats s = w->stats();
    entries += s.entries;
    syncs += s.sync.syncs;
    failures += s.sync.sync_failures;
    for (const auto& seg : w->segments()) active_bytes += seg.size;
  }
  if (auto files = fs_->ListDir(c.wal.dir); files.ok()) {
    for (const DirEntry& e : *files) {
      auto seg = wal::ParseSegmentName(e.name);
      if (seg && seg->recovered) recovered_bytes += e.size;
    }
  }
  if (recovered_bytes > (1ull << 30)) {
    recommendations.push_back("recovered WAL files use " + std::to_string(recovered_bytes >> 20) +
                              " MB: POST /api/wal/cleanup removes those older than max_age_hours");
  }
  const bool healthy = issues.empty();
  return Json(healthy ? 200 : 503, {{"healthy", healthy},
                                    {"wal_enabled", true},
                                    {"issues", issues},
                                    {"recommendations", recommendations},
                                    {"stats_summary",
                                     {{"workers", health.size()},
                                      {"total_entries", entries},
                                      {"total_syncs", syncs},
                                      {"sync_failures", failures},
                                      {"active_size_mb", Mb(active_bytes)},
                                      {"recovered_size_mb", Mb(recovered_bytes)},
                                      {"sync_mode", EnumToString(c.wal.sync_mode)}}}});
}

HttpResponse WalHandler::Cleanup(const HttpRequest& request) {
  if (!engine_->wal_enabled()) return JsonError(400, "WAL is disabled (wal.enabled = false)");
  double hours = 24;
  if (auto q = request.Query("max_age_hours")) {
    char* end = nullptr;
    hours = std::strtod(q->c_str(), &end);
    // NaN and infinities fail the comparison; a bound keeps the hours → seconds cast defined.
    if (q->empty() || *end != '\0' || !(hours >= 0 && hours <= 1e6)) {
      return JsonError(400, "max_age_hours must be a number from 0 to 1000000, got \"" +
                                q->substr(0, 64) + "\"");
    }
  }
  const std::string& dir = engine_->config().wal.dir;
  Result<std::vector<DirEntry>> entries = fs_->ListDir(dir);
  if (!entries.ok()) return ErrorResponse(entries.status());
  const int64_t cutoff = std::time(nullptr) - static_cast<int64_t>(hours * 3600);
  uint64_t deleted = 0, freed = 0;
  for (const DirEntry& e : *entries) {
    auto seg = wal::ParseSegmentName(e.name);
    if (!seg || !seg->recovered || e.mtime_sec > cutoff) continue;
    arc::Status st = fs_->Remove(JoinPath(dir, e.name));
    if (!st.ok()) return ErrorResponse(st);
    ++deleted;
    freed += e.size;
  }
  if (deleted > 0) {
    arc::Status st = fs_->SyncDir(dir);
    if (!st.ok()) return ErrorResponse(st);
  }
  LOG_INFO("WAL cleanup: deleted " << deleted << " recovered files older than " << hours << " h");
  return Json(
      200, {{"deleted_count", deleted},
            {"freed_mb", Mb(freed)},
            {"max_age_hours", hours},
            {"message", "Deleted " + std::to_string(deleted) + " recovered WAL files older than " +
                            std::to_string(static_cast<int64_t>(hours)) + " hours"}});
}

}  // namespace arc
