// DeleteHandler: Arc's delete API. POST /api/v1/delete {"database", "measurement", "where",
// "dry_run", "confirm"} (admin) → {"success", "deleted_count", "affected_files",
// "rewritten_files", "removed_files", "execution_time_ms", "dry_run"}.
#pragma once

#include <functional>

#include "common/executor.h"
#include "lifecycle/deleter.h"
#include "server/http_types.h"

namespace arc {

class DeleteHandler {
 public:
  // `deleter` may be null (delete.enabled = false): requests get 409. Deletes run on
  // `executor`. Both must outlive the handler. Thread-safe.
  DeleteHandler(Deleter* deleter, Executor* executor) : deleter_(deleter), executor_(executor) {}

  // Runs the delete on the executor; `respond` gets the answer there, or a 503 at once when
  // the executor is full.
  void DeleteAsync(HttpRequest request, std::function<void(HttpResponse)> respond);
  // The same on the caller's thread: 400 naming a bad field or a missing confirmation.
  HttpResponse Delete(const HttpRequest& request);
  const Deleter* deleter() const { return deleter_; }

 private:
  Deleter* const deleter_;
  Executor* const executor_;
};

}  // namespace arc
