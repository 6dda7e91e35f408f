#include "lifecycle/retention_policies.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ingest/names.h"

namespace arc {
namespace {

using nlohmann::json;

RetentionPolicy FromJson(const json& j) {
  RetentionPolicy p;
  p.id = j.at("id").get<int64_t>();
  p.name = j.at("name").get<std::string>();
  p.database = j.at("database").get<std::string>();
  if (j.contains("measurement") && !j["measurement"].is_null())
    p.measurement = j["measurement"].get<std::string>();
  p.retention_days = j.at("retention_days").get<int64_t>();
  p.buffer_days = j.value("buffer_days", int64_t{0});
  p.created_at = j.value("created_at", int64_t{0});
  if (j.contains("last_run") && !j["last_run"].is_null()) p.last_run = j["last_run"].get<int64_t>();
  return p;
}

}  // namespace

json RetentionPolicyJson(const RetentionPolicy& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"database", p.database},
          {"measurement", p.measurement.empty() ? json(nullptr) : json(p.measurement)},
          {"retention_days", p.retention_days},
          {"buffer_days", p.buffer_days},
          {"created_at", p.created_at},
          {"last_run", p.last_run == 0 ? json(nullptr) : json(p.last_run)}};
}

Status ValidateRetentionPolicy(const RetentionPolicy& p) {
  if (p.name.empty() || p.name.size() > 128)
    return Status::InvalidArgument("name must have 1 to 128 characters");
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(p.database));
  if (!p.measurement.empty()) ARC_RETURN_IF_ERROR(ValidateMeasurementName(p.measurement));
  if (p.retention_days < 1 || p.retention_days > 36500) {
    return Status::InvalidArgument("retention_days must be between 1 and 36500");
  }
  if (p.buffer_days < 0 || p.buffer_days > 3650)
    return Status::InvalidArgument("buffer_days must be between 0 and 3650");
  return Status::OK();
}

int64_t LastExpiredHour(const RetentionPolicy& p, int64_t now_seconds) {
  const int64_t cutoff = now_seconds - (p.retention_days + p.buffer_days) * 86400;
  // Hour h ends at (h + 1) * 3600; it expires when that is at or before the cutoff.
  return cutoff / 3600 - 1 - (cutoff < 0 && cutoff % 3600 != 0 ? 1 : 0);
}

RetentionPolicies::RetentionPolicies(FileSystem* fs, std::string path)
    : fs_(fs), path_(std::move(path)) {}

Status RetentionPolicies::Load() {
  if (!fs_->Exists(path_)) return Status::OK();
  ARC_ASSIGN_OR_RETURN(const std::string text, fs_->ReadFile(path_));
  try {
    const json j = json::parse(text);
    std::lock_guard<std::mutex> lock(mu_);
    policies_.clear();
    for (const json& p : j.at("policies")) policies_.push_back(FromJson(p));
    next_id_ = j.at("next_id").get<int64_t>();
  } catch (const std::exception& e) {
    return Status::Corruption(path_ + ": unreadable retention policies: " + e.what());
  }
  return Status::OK();
}

Status RetentionPolicies::Save(const std::vector<RetentionPolicy>& policies, int64_t next_id) {
  json list = json::array();
  for (const RetentionPolicy& p : policies) list.push_back(RetentionPolicyJson(p));
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(DirName(path_)));
  return WriteFileAtomically(fs_, path_,
                             json{{"policies", list}, {"next_id", next_id}}.dump(1) + "\n");
}

Result<RetentionPolicy> RetentionPolicies::Create(RetentionPolicy p, int64_t now_seconds) {
  ARC_RETURN_IF_ERROR(ValidateRetentionPolicy(p));
  std::lock_guard<std::mutex> lock(mu_);
  p.id = next_id_;
  p.created_at = now_seconds;
  p.last_run = 0;
  std::vector<RetentionPolicy> next = policies_;
  next.push_back(p);
  ARC_RETURN_IF_ERROR(Save(next, next_id_ + 1));
  policies_ = std::move(next);
  ++next_id_;
  return p;
}

Result<RetentionPolicy> RetentionPolicies::Update(int64_t id, RetentionPolicy p) {
  ARC_RETURN_IF_ERROR(ValidateRetentionPolicy(p));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RetentionPolicy> next = policies_;
  auto it =
      std::find_if(next.begin(), next.end(), [&](const RetentionPolicy& q) { return q.id == id; });
  if (it == next.end()) return Status::NotFound("no retention policy " + std::to_string(id));
  p.id = id;
  p.created_at = it->created_at;
  p.last_run = it->last_run;
  *it = p;
  ARC_RETURN_IF_ERROR(Save(next, next_id_));
  policies_ = std::move(next);
  return p;
}

Status RetentionPolicies::Remove(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RetentionPolicy> next = policies_;
  auto it =
      std::find_if(next.begin(), next.end(), [&](const RetentionPolicy& q) { return q.id == id; });
  if (it == next.end()) return Status::NotFound("no retention policy " + std::to_string(id));
  next.erase(it);
  ARC_RETURN_IF_ERROR(Save(next, next_id_));
  policies_ = std::move(next);
  return Status::OK();
}

Status RetentionPolicies::MarkRun(int64_t id, int64_t when) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RetentionPolicy> next = policies_;
  auto it =
      std::find_if(next.begin(), next.end(), [&](const RetentionPolicy& q) { return q.id == id; });
  if (it == next.end()) return Status::NotFound("no retention policy " + std::to_string(id));
  it->last_run = when;
  ARC_RETURN_IF_ERROR(Save(next, next_id_));
  policies_ = std::move(next);
  return Status::OK();
}

std::vector<RetentionPolicy> RetentionPolicies::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policies_;
}

std::optional<RetentionPolicy> RetentionPolicies::Get(int64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const RetentionPolicy& p : policies_) {
    if (p.id == id) return p;
  }
  return std::nullopt;
}

}  // namespace arc
