#include "lifecycle/deleter.h"

#include <algorithm>
#include <cctype>

#include "common/logging.h"
#include "ingest/names.h"
#include "lifecycle/partition_merge.h"
#include "storage/hour_files.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;

// The column read_parquet names each row's file in: a name no measurement column can have
// (column names never start with two underscores and "arc").
constexpr const char* kFileColumn = "__arc_file";
// Scans of one hour's files before a count gives up (each retry lists the hour again).
constexpr int kCountAttempts = 5;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

Deleter::Deleter(const DeleteConfig& config, int64_t row_group_size, std::string memory_limit,
                 FileSystem* fs, Storage* storage, LiveFileSet* live, FileSetSwitch* file_switch,
                 std::string root, FlushFn flush)
    : config_(config),
      row_group_size_(row_group_size),
      memory_limit_(std::move(memory_limit)),
      fs_(fs),
      storage_(storage),
      live_(live),
      switch_(file_switch),
      root_(std::move(root)),
      flush_(std::move(flush)) {}

Status Deleter::Start() {
  const std::string spill = JoinPath(root_, ".lifecycle/spill-delete");
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(spill));
  ARC_ASSIGN_OR_RETURN(const std::string duck_limit, MergeMemoryLimit(memory_limit_));
  // Opened at the first delete: a restart does not wait for an engine that may never run.
  duck_ = std::make_unique<LazyDuckConnection>(
      LazyDuckConnection::Options{{"memory_limit", duck_limit},
                                  {"threads", "1"},
                                  {"temp_directory", spill},
                                  {"autoinstall_known_extensions", "false"},
                                  {"autoload_known_extensions", "false"}});
  return Status::OK();
}

Result<std::vector<std::string>> Deleter::MissingColumns(const std::vector<std::string>& files,
                                                         const DeletePredicate& p) {
  ARC_ASSIGN_OR_RETURN(const std::vector<std::string> present,
                       QueryFirstColumn(conn_, "SELECT column_name FROM (DESCRIBE SELECT * FROM " +
                                                   FilesRelation(files, {}) + ")"));
  std::vector<std::string> lower;
  for (const std::string& c : present) lower.push_back(Lower(c));
  std::vector<std::string> missing;
  for (const std::string& c : p.columns) {
    // DuckDB matches identifiers without regard to case.
    if (std::find(lower.begin(), lower.end(), Lower(c)) == lower.end()) missing.push_back(c);
  }
  return missing;
}

Result<Deleter::HourMatches> Deleter::Match(const std::string& dir, const DeletePredicate& p) {
  HourMatches h;
  h.dir = dir;
  ARC_ASSIGN_OR_RETURN(const std::vector<DirEntry> entries,
                       SwitchableFiles(fs_, *live_, root_, dir));
  std::vector<std::string> absolute;
  // Settling files are being recorded by the flusher (the flush before the delete waited for
  // every row acknowledged earlier); retired ones are being switched away.
  for (const DirEntry& e : entries) {
    h.files.push_back(dir + "/" + e.name);
    absolute.push_back(JoinPath(root_, h.files.back()));
  }
  if (h.files.empty()) return h;
  ARC_ASSIGN_OR_RETURN(h.missing, MissingColumns(absolute, p));
  const std::vector<std::string>& missing = h.missing;
  const std::string sql = "SELECT " + std::string(kFileColumn) + " || '|' || count(*) FROM " +
                          FilesRelation(absolute, missing, kFileColumn) + " WHERE coalesce(" +
                          p.sql + ", false) GROUP BY " + kFileColumn;
  ARC_ASSIGN_OR_RETURN(const std::vector<std::string> rows, QueryFirstColumn(conn_, sql));
  for (const std::string& row : rows) {
    const size_t bar = row.rfind('|');
    const auto it = std::find(absolute.begin(), absolute.end(), row.substr(0, bar));
    if (bar == std::string::npos || it == absolute.end())
      return Status::Internal("delete: unexpected file in a match: " + row);
    h.matched.emplace_back(h.files[static_cast<size_t>(it - absolute.begin())],
                           std::stoull(row.substr(bar + 1)));
  }
  std::sort(h.matched.begin(), h.matched.end());
  return h;
}

Result<Deleter::HourMatches> Deleter::Count(const std::string& dir, const DeletePredicate& p) {
  // Without the jobs lock (counting must not wait for every compaction run): a file
  // compacted away between the listing and the scan fails the scan, and the hour is listed
  // again.
  for (int attempt = 1;; ++attempt) {
    Result<HourMatches> h = Match(dir, p);
    if (h.ok() || attempt == kCountAttempts || h.status().code() == StatusCode::kInvalidArgument)
      return h;
  }
}

Status Deleter::Rewrite(const HourMatches& hour, const DeletePredicate& p, DeleteResult* result) {
  std::vector<std::string> inputs, absolute;
  uint64_t matched = 0;
  for (const auto& [file, rows] : hour.matched) {
    inputs.push_back(file);
    absolute.push_back(JoinPath(root_, file));
    matched += rows;
  }
  ARC_ASSIGN_OR_RETURN(const uint64_t total, CountFileRows(conn_, absolute));
  if (total < matched) return Status::Internal("delete counted more matching rows than rows");
  const uint64_t remaining = total - matched;
  std::vector<std::string> outputs;
  if (remaining > 0) outputs.push_back(hour.dir + "/" + switch_->OutputStem("d") + ".parquet");
  ARC_ASSIGN_OR_RETURN(FileSetSwitch::Pending pending,
                       switch_->Begin(SwitchKind::kDelete, inputs, outputs));
  std::vector<uint64_t> rows;
  if (remaining > 0) {
    MergeFilter filter;
    filter.keep = "NOT coalesce(" + p.sql + ", false)";
    Result<std::vector<std::string>> missing = MissingColumns(absolute, p);
    if (missing.ok()) filter.null_columns = *missing;
    Result<uint64_t> written =
        missing.ok()
            ? WriteMergedFile(conn_, absolute, filter, pending.temp_paths[0], row_group_size_)
            : Result<uint64_t>(missing.status());
    // The rewrite must hold exactly the rows not matched: anything else would lose rows or
    // keep deleted ones (a predicate whose value changes between two runs, like random()
    // would, is refused by the allow list; now() is fixed per statement but not across them).
    if (written.ok() && *written != remaining) {
      written = Status::Unavailable("the rows matched changed while deleting (" +
                                    std::to_string(*written) + " kept, " +
                                    std::to_string(remaining) + " expected); try again");
    }
    if (!written.ok()) {
      (void)switch_->Abandon(&pending);
      return written.status();
    }
    rows.push_back(*written);
  }
  ARC_RETURN_IF_ERROR(switch_->Commit(&pending, rows));
  result->deleted_rows += matched;
  result->affected_files += inputs.size();
  (remaining > 0 ? result->rewritten_files : result->removed_files) += inputs.size();
  ++result->hours;
  return Status::OK();
}

Result<DeleteResult> Deleter::Execute(const DeleteRequest& request) {
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(request.database));
  ARC_RETURN_IF_ERROR(ValidateMeasurementName(request.measurement));
  std::lock_guard<std::mutex> run(run_mu_);
  const auto start = Clock::now();
  DeleteResult result;
  result.dry_run = request.dry_run;
  Status st = [&]() -> Status {
    ARC_ASSIGN_OR_RETURN(conn_, duck_->Get());
    ARC_ASSIGN_OR_RETURN(const DeletePredicate p, ParseDeletePredicate(conn_, request.where));
    // Every row acknowledged before now goes to a file first: the switches below then see
    // it, and WAL replay after a crash never brings it back (its range is recorded).
    ARC_RETURN_IF_ERROR(flush_(request.database, request.measurement));
    LOG_DEBUG("delete from " << request.database << "." << request.measurement
                             << ": rows in memory written out after "
                             << std::chrono::duration<double>(Clock::now() - start).count()
                             << " s");
    ARC_RETURN_IF_ERROR(
        storage_->EnsureLocal(request.database, request.measurement, std::nullopt, std::nullopt));
    const std::vector<int64_t> hours = ListHours(fs_, root_, request.database, request.measurement);
    if (hours.empty()) {
      return Status::NotFound("no measurement " + request.database + "." + request.measurement);
    }
    // A column no hour has is a typo, not a condition that matches nothing.
    std::vector<std::string> unknown = p.columns;
    // First pass: count, for dry runs and the confirmation rule.
    uint64_t matching = 0;
    size_t files = 0;
    int matched_hours = 0;
    std::vector<int64_t> to_rewrite;  // hours with matches (rows written later are not covered)
    for (const int64_t hour : hours) {
      ARC_ASSIGN_OR_RETURN(const HourMatches h,
                           Count(HourDirectory(request.database, request.measurement, hour), p));
      for (const auto& m : h.matched) matching += m.second;
      files += h.matched.size();
      matched_hours += h.matched.empty() ? 0 : 1;
      if (!h.matched.empty()) to_rewrite.push_back(hour);
      if (!h.files.empty()) {
        std::erase_if(unknown, [&](const std::string& c) {
          return std::find(h.missing.begin(), h.missing.end(), c) == h.missing.end();
        });
      }
    }
    if (!unknown.empty()) {
      return Status::InvalidArgument("\"where\" names " + unknown.front() + ", which " +
                                     request.database + "." + request.measurement +
                                     " has no column of that name");
    }
    LOG_DEBUG("delete from " << request.database << "." << request.measurement << ": " << matching
                             << " rows counted after "
                             << std::chrono::duration<double>(Clock::now() - start).count()
                             << " s");
    if (request.dry_run) {
      result.deleted_rows = matching;
      result.affected_files = files;
      result.hours = matched_hours;
      return Status::OK();
    }
    if (!request.confirm && !p.has_time_bound) {
      return Status::InvalidArgument(
          "this delete has no time bound (it matches " + std::to_string(matching) +
          " rows across all hours): send \"confirm\": true to run it, or \"dry_run\": true to "
          "count");
    }
    if (!request.confirm && matching > static_cast<uint64_t>(config_.confirm_threshold_rows)) {
      return Status::InvalidArgument(
          "this delete matches " + std::to_string(matching) + " rows, more than " +
          std::to_string(config_.confirm_threshold_rows) +
          " (delete.confirm_threshold_rows): send \"confirm\": true to run it");
    }
    // Second pass: each hour matched again and switched under the jobs lock (taken once, so
    // the delete waits for at most one compaction run), since compaction may have replaced
    // its files since the count.
    if (to_rewrite.empty()) return Status::OK();
    const FileSetSwitch::JobsLock jobs = switch_->LockJobs();
    for (const int64_t hour : to_rewrite) {
      ARC_ASSIGN_OR_RETURN(const HourMatches h,
                           Match(HourDirectory(request.database, request.measurement, hour), p));
      if (!h.matched.empty()) ARC_RETURN_IF_ERROR(Rewrite(h, p, &result));
    }
    return Status::OK();
  }();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.requests;
    if (!st.ok() && st.code() != StatusCode::kInvalidArgument) ++stats_.failures;
    if (!request.dry_run) {
      stats_.rows += result.deleted_rows;
      stats_.files_rewritten += result.rewritten_files;
      stats_.files_removed += result.removed_files;
    }
  }
  if (!request.dry_run && result.hours > 0) {
    LOG_INFO("delete from " << request.database << "." << request.measurement << ": "
                            << result.deleted_rows << " rows in " << result.hours << " hours, "
                            << result.rewritten_files << " files rewritten, "
                            << result.removed_files << " removed in " << result.seconds << " s"
                            << (st.ok() ? "" : " (then failed: " + st.ToString() + ")"));
  }
  if (!st.ok()) return st;
  return result;
}

DeleteStats Deleter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace arc
