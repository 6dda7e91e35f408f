#include "storage/storage.h"

#include "common/logging.h"

namespace arc {

Status Storage::CommitAll(std::vector<DataFile>* files) {
  for (size_t i = 0; i < files->size(); ++i) {
    DataFile& f = (*files)[i];
    Status st = Commit(f.temp_path, f.relative_path, &f.bytes);
    if (!st.ok()) return Withdraw(files, i, st);
    f.temp_path.clear();
  }
  return Status::OK();
}

// The retry writes the whole set again, so nothing of this attempt may stay visible: a query
// would otherwise count those rows twice (once in the file, once still in memory).
Status Storage::Withdraw(std::vector<DataFile>* files, size_t published, const Status& why) {
  for (size_t j = 0; j < files->size(); ++j) {
    DataFile& f = (*files)[j];
    if (j >= published) {
      if (!f.temp_path.empty()) Discard(f.temp_path);
      f.temp_path.clear();
      continue;
    }
    Status undo = Delete(f.relative_path);
    if (!undo.ok() && undo.code() != StatusCode::kNotFound) {
      LOG_WARN("could not withdraw " << f.relative_path << " after a failed publish ("
               << undo.ToString() << "); until the retry succeeds a query may count its rows twice");
    }
  }
  return why;
}

}  // namespace arc
