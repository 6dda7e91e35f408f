#include "wal/log_dir.h"

#include <algorithm>
#include <set>

#include "common/logging.h"
#include "wal/format.h"
#include "wal/segment_name.h"

namespace arc::wal {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "worker-<k>.manifest" or its second slot "worker-<k>.manifest.alt" → k.
std::optional<int> ManifestWorker(std::string name) {
  const std::string prefix = "worker-", suffix = ".manifest", alt = ".alt";
  if (EndsWith(name, suffix + alt)) name.resize(name.size() - alt.size());
  if (name.rfind(prefix, 0) != 0 || !EndsWith(name, suffix)) return std::nullopt;
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const int k = std::stoi(digits);
  if (k <= 0 || ManifestName(k) != name) return std::nullopt;
  return k;
}

}  // namespace

Result<LogListing> ListLogDirectory(FileSystem* fs, const std::string& dir) {
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs->ListDir(dir));
  LogListing out;
  std::set<int> ids;
  for (const DirEntry& e : entries) {
    if (EndsWith(e.name, ".tmp")) {
      (void)fs->Remove(JoinPath(dir, e.name));  // an interrupted manifest replacement
      continue;
    }
    if (const std::optional<int> k = ManifestWorker(e.name)) ids.insert(*k);
    const std::optional<SegmentName> seg = ParseSegmentName(e.name);
    if (!seg) continue;
    ids.insert(seg->worker);
    int64_t& last = out.last_name_seconds[seg->worker];
    last = std::max(last, seg->unix_seconds);
    if (!seg->recovered) out.segments[seg->worker].push_back(e.name);
  }
  // Names embed their creation time, so name order is creation order.
  for (auto& [k, names] : out.segments) std::sort(names.begin(), names.end());
  out.workers.assign(ids.begin(), ids.end());
  return out;
}

Result<std::unique_ptr<SegmentReader>> OpenWorkerSegment(FileSystem* fs, const std::string& path,
                                                         int worker) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> r, SegmentReader::Open(fs, path, /*map=*/true));
  if (r->header().worker != static_cast<uint32_t>(worker)) {
    return Status::Corruption(path + ": header belongs to worker " +
                              std::to_string(r->header().worker) + ", not " +
                              std::to_string(worker));
  }
  return r;
}

bool IsTornCreation(FileSystem* fs, const std::string& path) {
  Result<uint64_t> size = fs->FileSize(path);
  if (!size.ok()) return false;
  if (*size < kSegmentHeaderSize) return true;
  // Only ever read for a segment whose header failed, which is rare and, when torn, small.
  Result<std::string> bytes = fs->ReadFile(path);
  return bytes.ok() && std::all_of(bytes->begin(), bytes->end(), [](char c) { return c == 0; });
}

void ArchiveSegments(FileSystem* fs, const std::string& dir,
                     const std::vector<std::string>& names) {
  bool renamed = false;
  for (const std::string& name : names) {
    const std::string from = JoinPath(dir, name);
    Status st = fs->Rename(from, from + ".recovered");
    if (!st.ok()) {
      LOG_ERROR("WAL recovery: cannot archive " << name << ": " << st.ToString());
      continue;
    }
    renamed = true;
    LOG_INFO("WAL archived: " << name << ".recovered");
  }
  if (renamed) {
    Status st = fs->SyncDir(dir);
    if (!st.ok()) LOG_ERROR("WAL recovery: directory sync failed: " << st.ToString());
  }
}

}  // namespace arc::wal
