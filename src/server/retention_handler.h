// RetentionHandler: Arc's retention endpoints. POST /api/v1/retention (create, admin),
// GET /api/v1/retention (list, read), GET|PUT|DELETE /api/v1/retention/{id},
// POST /api/v1/retention/{id}/execute {"dry_run", "confirm"} (admin).
#pragma once

#include <functional>
#include <string>

#include "common/executor.h"
#include "lifecycle/retention.h"
#include "lifecycle/retention_policies.h"
#include "server/http_types.h"

namespace arc {

class RetentionHandler {
 public:
  // `retention` may be null (retention.enabled = false): execution is then refused; policies
  // can still be managed. Executions run on `executor`. Every pointer must outlive the
  // handler. Thread-safe.
  RetentionHandler(RetentionPolicies* policies, Retention* retention, Executor* executor)
      : policies_(policies), retention_(retention), executor_(executor) {}

  // 201 with the policy; 400 naming a bad field.
  HttpResponse Create(const HttpRequest& request);
  // {"policies": [...]}.
  HttpResponse List() const;
  // `id` is the path parameter: 400 when not a number, 404 when unknown.
  HttpResponse Get(const std::string& id) const;
  HttpResponse Update(const std::string& id, const HttpRequest& request);
  HttpResponse Delete(const std::string& id);
  // Counts (dry_run, the default) or removes whole expired hours. Removing needs
  // "confirm": true. {"policy_id", "dry_run", "cutoff", "deleted_hours", "deleted_files",
  // "deleted_rows", "deleted_bytes", "execution_time_ms"}.
  HttpResponse Execute(const std::string& id, const HttpRequest& request);
  // Execute on the executor; `respond` gets the answer there, or a 503 at once when it is busy.
  void ExecuteAsync(std::string id, HttpRequest request, std::function<void(HttpResponse)> respond);
  const Retention* retention() const { return retention_; }

 private:
  RetentionPolicies* const policies_;
  Retention* const retention_;
  Executor* const executor_;
};

}  // namespace arc
