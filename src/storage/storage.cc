#include "storage/storage.h"

#include "common/logging.h"
#include "storage/partition_layout.h"

namespace arc {

bool Storage::IsLocalNodeFile(std::string_view name) const {
  const std::string_view node = FileNode(name);
  return node.empty() || node == node_id_;
}

Status Storage::Stage(std::vector<DataFile>* files) {
  for (DataFile& f : *files) f.staged = true;  // Commit in Expose does everything
  return Status::OK();
}

Status Storage::Expose(std::vector<DataFile>* files) {
  for (DataFile& f : *files) {
    Status st = Commit(f.temp_path, f.relative_path, &f.bytes);
    if (!st.ok()) return Withdraw(files, st);
    f.temp_path.clear();
    f.staged = f.exposed = true;
  }
  return Status::OK();
}

Status Storage::Seal(std::vector<DataFile>* files) {
  (void)files;  // Commit made the names durable
  return Status::OK();
}

Status Storage::CommitAll(std::vector<DataFile>* files) {
  ARC_RETURN_IF_ERROR(Stage(files));
  ARC_RETURN_IF_ERROR(Expose(files));
  return Seal(files);
}

// A retry writes the whole set again, possibly split under other names, so nothing of this
// attempt may stay visible: a query would count those rows twice (in the file and in memory).
Status Storage::Withdraw(std::vector<DataFile>* files, const Status& why) {
  for (DataFile& f : *files) {
    if (!f.temp_path.empty()) {
      Discard(f.temp_path);
      f.temp_path.clear();
    }
    if (!f.exposed) {
      f.staged = false;
      continue;
    }
    Status undo = Delete(f.relative_path);
    if (undo.ok() || undo.code() == StatusCode::kNotFound) {
      f.exposed = f.staged = false;
    } else {
      LOG_WARN("could not withdraw " << f.relative_path << " after a failed publish ("
               << undo.ToString() << "); it is deleted before its rows are published again");
    }
  }
  return why;
}

}  // namespace arc
