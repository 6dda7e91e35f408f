#include "lifecycle/compactor.h"

#include <algorithm>
#include <chrono>
#include <deque>

#include "common/logging.h"
#include "common/time_format.h"
#include "ingest/names.h"
#include "lifecycle/compaction_plan.h"
#include "lifecycle/partition_merge.h"
#include "storage/hour_files.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Compactor::Compactor(const CompactionConfig& config, FileSystem* fs, Storage* storage,
                     LiveFileSet* live, FileSetSwitch* file_switch, std::string root)
    : config_(config),
      fs_(fs),
      storage_(storage),
      live_(live),
      switch_(file_switch),
      root_(std::move(root)) {}

Compactor::~Compactor() { Stop(); }

Status Compactor::Start() {
  const std::string spill = JoinPath(root_, ".lifecycle/spill");
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(spill));
  ARC_ASSIGN_OR_RETURN(const std::string duck_limit, MergeMemoryLimit(config_.memory_limit));
  // Opened at the first merge: a restart does not wait for an engine that may idle for hours.
  duck_ = std::make_unique<LazyDuckConnection>(
      LazyDuckConnection::Options{{"memory_limit", duck_limit},
                                  {"threads", "1"},
                                  {"temp_directory", spill},
                                  {"preserve_insertion_order", "true"},
                                  {"autoinstall_known_extensions", "false"},
                                  {"autoload_known_extensions", "false"}});
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void Compactor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stopping_ = true;
  cv_.notify_all();
  if (duck_ != nullptr) duck_->Interrupt();  // a running COPY stops; its switch rolls back
  if (thread_.joinable()) thread_.join();
}

void Compactor::Trigger(std::optional<std::string> database) {
  std::lock_guard<std::mutex> lock(mu_);
  // A trigger for one database after one for all still means all.
  trigger_database_ = triggered_ && !trigger_database_ ? std::nullopt : std::move(database);
  triggered_ = true;
  cv_.notify_all();
}

void Compactor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(config_.interval_seconds),
                 [&] { return stop_ || triggered_; });
    if (stop_) break;
    const std::optional<std::string> database = triggered_ ? trigger_database_ : std::nullopt;
    const bool was_triggered = triggered_;
    triggered_ = false;
    trigger_database_.reset();
    lock.unlock();
    // Timer cycles look only at the hours written since; a trigger looks everywhere.
    Result<int> done = RunCycle(database, /*full_scan=*/was_triggered);
    if (!done.ok()) LOG_WARN("compaction cycle failed: " << done.status().ToString());
    lock.lock();
  }
}

Result<int> Compactor::RunCycle(const std::optional<std::string>& database, bool full_scan) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.running = true;
    ++stats_.cycles;
    stats_.last_cycle_unix = NowUnixSeconds();
  }
  // Switches committed earlier whose last steps failed (a full disk, S3 down) go first.
  if (Status st = switch_->FinishUnfinished(); !st.ok())
    LOG_WARN("unfinished file-set switch: " << st.ToString());
  const std::vector<Partition> due = DuePartitions(database, NowUnixSeconds(), full_scan);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.pending = due.size();
  }
  int done = 0;
  for (const Partition& p : due) {
    if (stopping_) break;
    const CompactionJob job = CompactPartition(p);
    // The next timer cycle looks again at a partition that failed, or that was left in
    // several files (runs split for memory leave outputs the next cycle may merge).
    if (!job.error.empty() || job.files_out > 1) {
      std::lock_guard<std::mutex> lock(mu_);
      noted_.insert({p.database, p.measurement, p.hour});
    }
    Record(job);
    if (job.error.empty() && job.files_out > 0) ++done;
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_.running = false;
  stats_.pending = 0;
  return done;
}

void Compactor::NoteWritten(const std::vector<std::string>& relative_paths) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& path : relative_paths) {
    if (const std::optional<PartitionPath> p = ParsePartitionPath(path))
      noted_.insert({p->database, p->measurement, p->hour});
  }
}

std::vector<Compactor::Partition> Compactor::NotedDue(const std::optional<std::string>& database,
                                                      int64_t now_seconds) {
  std::vector<Partition> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = noted_.begin(); it != noted_.end();) {
    const auto& [db, m, hour] = *it;
    if ((database && *database != db) || !HourIsDue(hour, now_seconds, config_.grace_seconds)) {
      ++it;
      continue;
    }
    out.push_back({db, m, hour, HourDirectory(db, m, hour)});
    it = noted_.erase(it);
  }
  return out;
}

std::vector<Compactor::Partition> Compactor::DuePartitions(
    const std::optional<std::string>& database, int64_t now_seconds, bool full_scan) {
  bool scan = full_scan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    scan = scan || !scanned_;
    // Only a scan of every database stands for the first one.
    if (scan && !database) scanned_ = true;
  }
  std::vector<Partition> out =
      scan ? ScanDue(database, now_seconds) : NotedDue(database, now_seconds);
  // Keep only partitions with something to merge (listing again when compacting: cheap).
  std::vector<Partition> due;
  for (Partition& p : out) {
    Result<std::vector<DirEntry>> entries = fs_->ListDir(JoinPath(root_, p.dir));
    if (!entries.ok()) continue;
    int64_t files = 0;
    for (const DirEntry& e : *entries) {
      files +=
          (!e.is_dir && IsParquetFileName(e.name) && storage_->IsLocalNodeFile(e.name)) ? 1 : 0;
    }
    if (files >= config_.min_files) due.push_back(std::move(p));
  }
  return due;
}

std::vector<Compactor::Partition> Compactor::ScanDue(const std::optional<std::string>& database,
                                                     int64_t now_seconds) {
  std::vector<Partition> out;
  for (const std::string& db : ListFolders(fs_, root_)) {
    if (!ValidateDatabaseName(db).ok() || (database && *database != db)) continue;
    for (const std::string& m : ListFolders(fs_, JoinPath(root_, db))) {
      if (!ValidateMeasurementName(m).ok()) continue;
      for (const int64_t hour : ListHours(fs_, root_, db, m)) {
        if (HourIsDue(hour, now_seconds, config_.grace_seconds))
          out.push_back({db, m, hour, HourDirectory(db, m, hour)});
      }
    }
  }
  return out;
}

bool Compactor::StillLive(const std::vector<std::string>& files) const {
  for (const std::string& f : files) {
    if (live_->IsRetired(f) || !fs_->FileSize(JoinPath(root_, f)).ok()) return false;
  }
  return true;
}

CompactionJob Compactor::CompactPartition(const Partition& p) {
  const auto start = Clock::now();
  CompactionJob job;
  job.database = p.database;
  job.measurement = p.measurement;
  job.hour = p.hour;
  auto fail = [&](const Status& st) {
    job.error = st.ToString();
    job.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return job;
  };
  // Object storage: this node's files are in the read cache; fetch anything it lacks.
  if (Status st = storage_->EnsureLocal(p.database, p.measurement, p.hour, p.hour); !st.ok())
    return fail(st);
  Result<std::vector<DirEntry>> entries = SwitchableFiles(fs_, *live_, root_, p.dir);
  if (!entries.ok()) return fail(entries.status());
  std::vector<PartitionFile> files;
  // Settling files may still be withdrawn or turn out orphans; retired ones are going. Only
  // this node's files: an hour holds at most one compacted file per node, and two servers
  // never merge the same file.
  for (const DirEntry& e : *entries) {
    if (storage_->IsLocalNodeFile(e.name)) files.push_back({e.name, e.size});
  }
  const std::vector<PartitionFile> candidates =
      CompactionCandidates(std::move(files), config_.target_file_size, config_.min_files);
  std::deque<std::vector<PartitionFile>> runs;
  for (std::vector<PartitionFile>& run :
       PlanRuns(candidates, config_.target_file_size,
                config_.max_files_per_run > 0 ? static_cast<size_t>(config_.max_files_per_run)
                                              : SIZE_MAX)) {
    runs.push_back(std::move(run));
  }
  DuckConnection* conn = nullptr;
  if (!runs.empty()) {
    // Before the jobs lock: the first open takes tens of milliseconds, and deletes and
    // retention would wait for it.
    Result<DuckConnection*> opened = duck_->Get();
    if (!opened.ok()) return fail(opened.status());
    conn = *opened;
  }
  while (!runs.empty()) {
    const std::vector<PartitionFile> run = std::move(runs.front());
    runs.pop_front();
    if (stopping_) break;
    std::vector<std::string> inputs, absolute;
    uint64_t bytes_in = 0;
    for (const PartitionFile& f : run) {
      inputs.push_back(p.dir + "/" + f.name);
      absolute.push_back(JoinPath(root_, inputs.back()));
      bytes_in += f.bytes;
    }
    // A delete or retention may have switched these files away since the listing.
    const FileSetSwitch::JobsLock jobs = switch_->LockJobs();
    if (!StillLive(inputs)) continue;
    const std::string output = p.dir + "/" + switch_->OutputStem("c") + ".parquet";
    Result<FileSetSwitch::Pending> pending = switch_->Begin(SwitchKind::kCompact, inputs, {output});
    if (!pending.ok()) return fail(pending.status());
    Result<uint64_t> rows =
        WriteMergedFile(conn, absolute, {}, pending->temp_paths[0], config_.row_group_size);
    if (!rows.ok()) {
      (void)switch_->Abandon(&*pending);
      // Each open input holds buffers too: fewer files at a time fit in the limit.
      if (IsOutOfMemory(rows.status()) && run.size() >= 4 && !stopping_) {
        LOG_INFO("compaction of " << p.database << "." << p.measurement << " hour "
                                  << HourFolder(p.hour) << " ran out of memory merging "
                                  << run.size() << " files; merging them as two runs");
        const auto half = run.begin() + static_cast<std::ptrdiff_t>(run.size() / 2);
        runs.emplace_front(half, run.end());
        runs.emplace_front(run.begin(), half);
        continue;
      }
      return fail(rows.status());
    }
    Result<uint64_t> size = fs_->FileSize(pending->temp_paths[0]);
    if (Status st = switch_->Commit(&*pending, {*rows}); !st.ok()) return fail(st);
    job.files_in += run.size();
    job.files_out += 1;
    job.rows += *rows;
    job.bytes_in += bytes_in;
    job.bytes_out += size.ok() ? *size : 0;
  }
  job.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return job;
}

void Compactor::Record(const CompactionJob& job) {
  if (job.error.empty() && job.files_out == 0) return;  // nothing was due after all
  if (job.error.empty()) {
    LOG_INFO("compacted " << job.database << "." << job.measurement << " hour "
                          << HourFolder(job.hour) << ": " << job.files_in << " files → "
                          << job.files_out << ", " << job.rows << " rows, " << job.bytes_in << " → "
                          << job.bytes_out << " bytes in " << job.seconds << " s");
  } else {
    LOG_WARN("compaction of " << job.database << "." << job.measurement << " hour "
                              << HourFolder(job.hour)
                              << " failed (retried next cycle): " << job.error);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (job.error.empty()) {
    ++stats_.jobs;
    stats_.files_in += job.files_in;
    stats_.files_out += job.files_out;
    stats_.rows += job.rows;
    stats_.bytes_in += job.bytes_in;
    stats_.bytes_out += job.bytes_out;
  } else {
    ++stats_.failures;
    stats_.last_error = job.error;
  }
  stats_.seconds += job.seconds;
  recent_.push_back(job);
  if (recent_.size() > 20) recent_.erase(recent_.begin());
}

CompactionStats Compactor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::vector<CompactionJob> Compactor::recent_jobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recent_;
}

}  // namespace arc
