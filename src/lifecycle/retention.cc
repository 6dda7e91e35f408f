#include "lifecycle/retention.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "common/logging.h"
#include "common/time_format.h"
#include "storage/hour_files.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;

struct ExpiredHour {
  std::string dir;  // relative
  std::vector<std::string> files;
  uint64_t bytes = 0;
};

// The expired hours of one measurement and their live, settled files.
std::vector<ExpiredHour> ExpiredHours(FileSystem* fs, LiveFileSet* live, const std::string& root,
                                      const std::string& db, const std::string& m,
                                      int64_t last_hour) {
  std::vector<ExpiredHour> out;
  for (const int64_t hour : ListHours(fs, root, db, m)) {
    if (hour > last_hour) break;  // oldest first
    ExpiredHour e;
    e.dir = HourDirectory(db, m, hour);
    // A settling file is still being recorded as written: the next run takes it.
    Result<std::vector<DirEntry>> files = SwitchableFiles(fs, *live, root, e.dir);
    if (!files.ok()) continue;
    for (const DirEntry& f : *files) {
      e.files.push_back(e.dir + "/" + f.name);
      e.bytes += f.size;
    }
    if (!e.files.empty()) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Retention::Retention(int64_t interval_seconds, FileSystem* fs, Storage* storage, LiveFileSet* live,
                     FileSetSwitch* file_switch, RetentionPolicies* policies, std::string root)
    : interval_seconds_(interval_seconds),
      fs_(fs),
      storage_(storage),
      live_(live),
      switch_(file_switch),
      policies_(policies),
      root_(std::move(root)) {}

Retention::~Retention() { Stop(); }

Status Retention::Start() {
  // Opened at the first execution: a restart does not wait for an engine that may idle for hours.
  duck_ = std::make_unique<LazyDuckConnection>(
      LazyDuckConnection::Options{{"threads", "1"},
                                  {"memory_limit", "64MB"},
                                  {"autoinstall_known_extensions", "false"},
                                  {"autoload_known_extensions", "false"}});
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void Retention::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(interval_seconds_), [&] { return stop_; });
    if (stop_) break;
    lock.unlock();
    for (const RetentionPolicy& p : policies_->List()) {
      Result<RetentionResult> r = Execute(p.id, /*dry_run=*/false);
      if (!r.ok())
        LOG_WARN("retention policy " << p.id << " (" << p.name
                                     << ") failed: " << r.status().ToString());
    }
    lock.lock();
  }
}

Result<RetentionResult> Retention::Execute(int64_t id, bool dry_run) {
  std::lock_guard<std::mutex> run(run_mu_);
  const std::optional<RetentionPolicy> policy = policies_->Get(id);
  if (!policy) return Status::NotFound("no retention policy " + std::to_string(id));
  ARC_ASSIGN_OR_RETURN(DuckConnection* const conn, duck_->Get());
  const auto start = Clock::now();
  RetentionResult result;
  result.policy_id = id;
  result.dry_run = dry_run;
  result.last_expired_hour = LastExpiredHour(*policy, NowUnixSeconds());
  std::vector<std::string> measurements;
  if (!policy->measurement.empty()) {
    measurements.push_back(policy->measurement);
  } else {
    measurements = ListFolders(fs_, JoinPath(root_, policy->database));
  }
  Status failed;
  for (const std::string& m : measurements) {
    // Object storage: the bucket may hold expired hours (other nodes' too) the cache lacks.
    if (Status st =
            storage_->EnsureLocal(policy->database, m, std::nullopt, result.last_expired_hour);
        !st.ok()) {
      failed = st;
      break;
    }
    // Listed and switched under the jobs lock: no compaction or delete takes these files.
    const FileSetSwitch::JobsLock jobs = switch_->LockJobs();
    for (const ExpiredHour& hour :
         ExpiredHours(fs_, live_, root_, policy->database, m, result.last_expired_hour)) {
      std::vector<std::string> absolute;
      for (const std::string& f : hour.files) absolute.push_back(JoinPath(root_, f));
      const std::string list = QuoteList(absolute);
      duckdb_result r;
      uint64_t rows = 0;
      if (duckdb_query(conn->handle(),
                       ("SELECT sum(num_rows) FROM parquet_file_metadata(" + list + ")").c_str(),
                       &r) == DuckDBSuccess) {
        rows = static_cast<uint64_t>(duckdb_value_int64(&r, 0, 0));
      }
      duckdb_destroy_result(&r);
      if (!dry_run) {
        // One switch per hour: no outputs, the hour's files as inputs.
        Result<FileSetSwitch::Pending> pending =
            switch_->Begin(SwitchKind::kRetention, hour.files, {});
        Status st = pending.status();
        if (st.ok()) st = switch_->Commit(&*pending, {});
        if (!st.ok()) {
          failed = st;
          break;
        }
      }
      ++result.hours;
      result.files += hour.files.size();
      result.rows += rows;
      result.bytes += hour.bytes;
    }
    if (!failed.ok()) break;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.runs;
    if (!failed.ok()) ++stats_.failures;
    if (!dry_run) {
      stats_.hours += static_cast<uint64_t>(result.hours);
      stats_.files += result.files;
      stats_.rows += result.rows;
      stats_.bytes += result.bytes;
    }
  }
  if (!failed.ok()) return failed;
  if (!dry_run) {
    ARC_RETURN_IF_ERROR(policies_->MarkRun(id, NowUnixSeconds()));
    LOG_INFO("retention policy " << id << " (" << policy->name << "): removed " << result.hours
                                 << " hours, " << result.files << " files, " << result.rows
                                 << " rows, " << result.bytes << " bytes up to hour "
                                 << HourFolder(result.last_expired_hour) << " in " << result.seconds
                                 << " s");
  }
  return result;
}

RetentionStats Retention::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace arc
