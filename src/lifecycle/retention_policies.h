// RetentionPolicies: the retention policies of one server (Arc's shape), kept durably in one
// JSON file written whole (temp file, fsync, rename, directory fsync) on every change.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"

namespace arc {

struct RetentionPolicy {
  int64_t id = 0;
  std::string name;
  std::string database;
  std::string measurement;     // empty: every measurement of the database
  int64_t retention_days = 0;  // rows older than this (plus buffer_days) go, by whole hours
  int64_t buffer_days = 0;     // a safety margin added to retention_days
  int64_t created_at = 0;      // unix seconds
  int64_t last_run = 0;        // unix seconds of the last execution, 0 = never
};

// The policy as the API shows it and the policy file keeps it (null: no measurement, never
// run). Pure.
nlohmann::json RetentionPolicyJson(const RetentionPolicy& p);

// What a client may set. InvalidArgument naming the field for a bad value. Pure.
Status ValidateRetentionPolicy(const RetentionPolicy& p);

// The newest hour (hours since the epoch) a policy removes at `now_seconds`: every hour that
// ended at least retention_days + buffer_days before now. Pure.
int64_t LastExpiredHour(const RetentionPolicy& p, int64_t now_seconds);

class RetentionPolicies {
 public:
  // `fs` must outlive the object; `path` is the policy file.
  RetentionPolicies(FileSystem* fs, std::string path);
  // Loads the file (absent: no policies). Corruption naming the file when it does not parse.
  Status Load();
  // Each change is durable before it returns; on error nothing changed. Thread-safe.
  Result<RetentionPolicy> Create(RetentionPolicy p, int64_t now_seconds);
  Result<RetentionPolicy> Update(int64_t id, RetentionPolicy p);
  Status Remove(int64_t id);  // NotFound when unknown
  Status MarkRun(int64_t id, int64_t when);
  std::vector<RetentionPolicy> List() const;
  std::optional<RetentionPolicy> Get(int64_t id) const;

 private:
  Status Save(const std::vector<RetentionPolicy>& policies, int64_t next_id);  // caller holds mu_

  FileSystem* const fs_;
  const std::string path_;
  mutable std::mutex mu_;
  std::vector<RetentionPolicy> policies_;
  int64_t next_id_ = 1;
};

}  // namespace arc
