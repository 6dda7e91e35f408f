#include "storage/file_set_switch.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "common/logging.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

// "switch-<seq>.json" → seq; 0 for anything else.
uint64_t RecordSeq(const std::string& name) {
  unsigned long long seq = 0;
  int end = 0;
  if (std::sscanf(name.c_str(), "switch-%llu.json%n", &seq, &end) == 1 &&
      static_cast<size_t>(end) == name.size()) {
    return seq;
  }
  return 0;
}

Status IgnoreNotFound(const Status& st) {
  return st.code() == StatusCode::kNotFound ? Status::OK() : st;
}

}  // namespace

FileSetSwitch::FileSetSwitch(FileSystem* fs, Storage* storage, LiveFileSet* live, std::string root,
                             uint64_t boot_id)
    : fs_(fs),
      storage_(storage),
      live_(live),
      root_(std::move(root)),
      dir_(JoinPath(root_, ".lifecycle")),
      boot_id_(boot_id) {}

std::string FileSetSwitch::RecordPath(uint64_t seq) const {
  return JoinPath(dir_, "switch-" + std::to_string(seq) + ".json");
}

std::string FileSetSwitch::OutputStem(const std::string& prefix) {
  return NodeStem(storage_->node_id(),
                  prefix + std::to_string(boot_id_) + "-" + std::to_string(next_stem_++));
}

Status FileSetSwitch::WriteRecord(const SwitchRecord& record) {
  return WriteFileAtomically(fs_, RecordPath(record.seq), EncodeSwitchRecord(record));
}

Status FileSetSwitch::RemoveRecord(uint64_t seq) {
  ARC_RETURN_IF_ERROR(IgnoreNotFound(fs_->Remove(RecordPath(seq))));
  return fs_->SyncDir(dir_);
}

Status FileSetSwitch::Recover(SwitchRecoveryTotals* totals) {
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir_));
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs_->ListDir(dir_));
  std::vector<uint64_t> seqs;
  for (const DirEntry& e : entries) {
    if (const uint64_t seq = RecordSeq(e.name); seq > 0) seqs.push_back(seq);
  }
  std::sort(seqs.begin(), seqs.end());
  if (!seqs.empty()) next_seq_ = seqs.back() + 1;
  for (const uint64_t seq : seqs) {
    ARC_ASSIGN_OR_RETURN(const std::string text, fs_->ReadFile(RecordPath(seq)));
    Result<SwitchRecord> record = DecodeSwitchRecord(text);
    if (!record.ok()) return record.status().WithContext(RecordPath(seq));
    if (record->state == SwitchState::kIntent) {
      LOG_INFO("file-set switch " << seq << " (" << SwitchKindName(record->kind)
                                  << ") was not committed: rolling back");
      ARC_RETURN_IF_ERROR(RollBack(*record));
      ++totals->rolled_back;
    } else {
      LOG_INFO("file-set switch " << seq << " (" << SwitchKindName(record->kind) << ", "
                                  << record->inputs.size() << " files → " << record->outputs.size()
                                  << ") was committed: finishing it");
      ARC_RETURN_IF_ERROR(RollForward(*record));
      ++totals->rolled_forward;
    }
  }
  // Outputs of switches that never recorded their intent, and record temp files.
  ARC_ASSIGN_OR_RETURN(entries, fs_->ListDir(dir_));
  for (const DirEntry& e : entries) {
    if (!e.is_dir && RecordSeq(e.name) == 0) {
      ARC_RETURN_IF_ERROR(IgnoreNotFound(fs_->Remove(JoinPath(dir_, e.name))));
      ++totals->debris_removed;
    }
  }
  return fs_->SyncDir(dir_);
}

FileSetSwitch::JobsLock::JobsLock(FileSetSwitch* owner) : owner_(owner) {
  std::unique_lock<std::mutex> lock(owner_->jobs_mu_);
  const uint64_t ticket = owner_->jobs_next_ticket_++;
  owner_->jobs_cv_.wait(lock, [&] { return owner_->jobs_serving_ == ticket; });
}

FileSetSwitch::JobsLock::~JobsLock() {
  {
    std::lock_guard<std::mutex> lock(owner_->jobs_mu_);
    ++owner_->jobs_serving_;
  }
  owner_->jobs_cv_.notify_all();
}

Result<FileSetSwitch::Pending> FileSetSwitch::Begin(SwitchKind kind,
                                                    std::vector<std::string> inputs,
                                                    std::vector<std::string> output_paths) {
  for (const std::string& input : inputs) {
    if (live_->IsRetired(input))
      return Status::Unavailable("switch input " + input + " is being replaced already");
  }
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir_));
  Pending p;
  p.record.seq = next_seq_++;
  p.record.kind = kind;
  p.record.state = SwitchState::kIntent;
  p.record.inputs = std::move(inputs);
  for (size_t i = 0; i < output_paths.size(); ++i) {
    // A name is never reused for other content (arc#357): an existing output name is an error.
    ARC_ASSIGN_OR_RETURN(const bool exists, storage_->Exists(output_paths[i]));
    if (exists) return Status::Internal("switch output " + output_paths[i] + " exists already");
    const std::string temp =
        ".lifecycle/out-" + std::to_string(p.record.seq) + "-" + std::to_string(i) + ".parquet";
    p.record.outputs.push_back({temp, std::move(output_paths[i]), 0});
    p.temp_paths.push_back(JoinPath(root_, temp));
  }
  ARC_RETURN_IF_ERROR(WriteRecord(p.record));
  return p;
}

Status FileSetSwitch::Commit(Pending* p, const std::vector<uint64_t>& rows) {
  std::vector<DataFile> files;
  for (size_t i = 0; i < p->record.outputs.size(); ++i) {
    p->record.outputs[i].rows = i < rows.size() ? rows[i] : 0;
    DataFile f;
    f.temp_path = p->temp_paths[i];
    f.relative_path = p->record.outputs[i].path;
    f.rows = p->record.outputs[i].rows;
    files.push_back(std::move(f));
  }
  // Stage: durable (fsync) or uploaded. A failure withdraws what was staged.
  if (Status st = storage_->Stage(&files); !st.ok()) {
    (void)Abandon(p);
    return st;
  }
  p->record.state = SwitchState::kCommitted;
  if (Status st = WriteRecord(p->record); !st.ok()) {
    // The rename may or may not have reached the disk: what the disk says decides at the
    // next start; in this process the switch stays unfinished (inputs live, outputs hidden).
    (void)storage_->Withdraw(&files, st);
    (void)Abandon(p);
    return st;
  }
  Status st = RollForward(p->record);
  if (!st.ok()) {
    LOG_WARN("file-set switch " << p->record.seq
                                << " committed but not finished (retried): " << st.ToString());
    std::lock_guard<std::mutex> lock(mu_);
    unfinished_.push_back(p->record);
  }
  return st;
}

Status FileSetSwitch::Abandon(Pending* p) { return RollBack(p->record); }

Status FileSetSwitch::RollBack(const SwitchRecord& record) {
  for (const SwitchOutput& o : record.outputs) {
    ARC_RETURN_IF_ERROR(IgnoreNotFound(fs_->Remove(JoinPath(root_, o.temp))));
    // Object storage: Stage may have uploaded it. Locally the final name appears only after
    // the commit, so nothing is there.
    ARC_RETURN_IF_ERROR(IgnoreNotFound(storage_->Delete(o.path)));
  }
  live_->Forget(record.inputs);  // retired by an earlier attempt, perhaps: live again
  return RemoveRecord(record.seq);
}

// Outputs still under their temp names are exposed and the inputs retired, under the view
// lock; returns the retire epoch. An output neither there nor published means the switch
// never took effect (a failed Expose withdrew it): with every input still present, rolling
// back loses nothing (nullopt); otherwise rows are gone and an operator must look.
Result<std::optional<uint64_t>> FileSetSwitch::ExposeOutputs(const SwitchRecord& record) {
  std::vector<DataFile> to_expose;
  bool missing = false;
  for (const SwitchOutput& o : record.outputs) {
    const std::string temp = JoinPath(root_, o.temp);
    if (fs_->Exists(temp)) {
      DataFile f;
      f.temp_path = temp;
      f.relative_path = o.path;
      f.rows = o.rows;
      f.staged = true;
      to_expose.push_back(std::move(f));
      continue;
    }
    ARC_ASSIGN_OR_RETURN(const bool published, storage_->Exists(o.path));
    if (!published) missing = true;
  }
  if (missing) {
    for (const std::string& in : record.inputs) {
      ARC_ASSIGN_OR_RETURN(const bool present, storage_->Exists(in));
      if (!present) {
        return Status::Corruption("file-set switch " + std::to_string(record.seq) +
                                  ": an output and an input are both gone (" + in + ")");
      }
    }
    return std::optional<uint64_t>();
  }
  uint64_t epoch = 0;
  Status st;
  {
    std::lock_guard<RwLock> hold(*live_->view_lock());  // no snapshot sees half of it
    if (!to_expose.empty()) st = storage_->Expose(&to_expose);
    if (st.ok()) epoch = live_->Retire(record.inputs);
  }
  ARC_RETURN_IF_ERROR(st);
  if (!to_expose.empty()) {
    if (Status sealed = storage_->Seal(&to_expose); !sealed.ok()) {
      // Seal withdrew the outputs: the inputs are the live rows again, now, not at the retry.
      live_->Forget(record.inputs);
      return sealed;
    }
  }
  return std::optional<uint64_t>(epoch);
}

Status FileSetSwitch::DeleteInputs(const SwitchRecord& record) {
  for (const std::string& in : record.inputs) {
    ARC_RETURN_IF_ERROR(IgnoreNotFound(storage_->Delete(in)));
  }
  return Status::OK();
}

Status FileSetSwitch::RollForward(const SwitchRecord& record) {
  ARC_ASSIGN_OR_RETURN(const std::optional<uint64_t> epoch, ExposeOutputs(record));
  if (!epoch) {
    LOG_WARN("file-set switch " << record.seq << ": outputs missing, inputs intact: rolled back");
    return RollBack(record);
  }
  // Queries that listed the inputs before they were retired still read them.
  live_->WaitDrained(*epoch);
  ARC_RETURN_IF_ERROR(DeleteInputs(record));
  ARC_RETURN_IF_ERROR(RemoveRecord(record.seq));
  live_->Forget(record.inputs);
  LOG_INFO("file-set switch " << record.seq << " (" << SwitchKindName(record.kind) << ") done: "
                              << record.inputs.size() << " files → " << record.outputs.size());
  return Status::OK();
}

Status FileSetSwitch::FinishUnfinished() {
  std::vector<SwitchRecord> todo;
  {
    std::lock_guard<std::mutex> lock(mu_);
    todo.swap(unfinished_);
  }
  Status first;
  for (const SwitchRecord& r : todo) {
    Status st = RollForward(r);
    if (!st.ok()) {
      if (first.ok()) first = st;
      std::lock_guard<std::mutex> lock(mu_);
      unfinished_.push_back(r);
    }
  }
  return first;
}

size_t FileSetSwitch::unfinished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unfinished_.size();
}

}  // namespace arc
