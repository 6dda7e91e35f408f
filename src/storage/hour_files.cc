#include "storage/hour_files.h"

#include <algorithm>
#include <functional>

#include "storage/partition_layout.h"

namespace arc {

// Symbolic links are never followed: the data directory is the query sandbox, and a link
// planted inside it must not reach anything outside (a link to /etc read as an hour folder).
std::vector<std::string> ListFolders(FileSystem* fs, const std::string& dir) {
  std::vector<std::string> out;
  Result<std::vector<DirEntry>> entries = fs->ListDir(dir);
  if (!entries.ok()) return out;
  for (const DirEntry& e : *entries) {
    if (e.is_symlink) continue;
    if (e.is_dir && !e.name.empty() && e.name[0] != '.') out.push_back(e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> ListHours(FileSystem* fs, const std::string& root, const std::string& db,
                               const std::string& measurement) {
  std::vector<int64_t> out;
  const std::string base = JoinPath(root, MeasurementDirectory(db, measurement));
  for (const std::string& y : ListFolders(fs, base)) {
    for (const std::string& mo : ListFolders(fs, base + "/" + y)) {
      for (const std::string& d : ListFolders(fs, base + "/" + y + "/" + mo)) {
        for (const std::string& h : ListFolders(fs, base + "/" + y + "/" + mo + "/" + d)) {
          if (const std::optional<int64_t> hour = ParseHourFolder(y, mo, d, h))
            out.push_back(*hour);
        }
      }
    }
  }
  return out;  // folder names sort as their hours do
}

bool MeasurementFolderExists(FileSystem* fs, const std::string& root, const std::string& db,
                             const std::string& measurement) {
  // Both must be real folders, not links out of the data directory.
  for (const auto& [parent, name] :
       {std::pair(root, db), std::pair(JoinPath(root, db), measurement)}) {
    Result<std::vector<DirEntry>> entries = fs->ListDir(parent);
    if (!entries.ok()) return false;
    const auto it = std::find_if(entries->begin(), entries->end(),
                                 [&](const DirEntry& e) { return e.name == name; });
    if (it == entries->end() || it->is_symlink || !it->is_dir) return false;
  }
  return true;
}

namespace {

// Calls `visit(hour, names)` for each hour folder of the layout, oldest first (newest first
// with `newest_first`), with its data files (absolute paths, sorted; retired files left out)
// until `visit` returns false.
void ForEachHour(FileSystem* fs, const std::string& root, const std::string& db,
                 const std::string& measurement, const LiveFileSet* live, bool newest_first,
                 const std::function<bool(int64_t hour, std::vector<DirEntry> files)>& visit) {
  const std::string base = JoinPath(root, MeasurementDirectory(db, measurement));
  if (!MeasurementFolderExists(fs, root, db, measurement)) return;
  auto folders = [&](const std::string& dir) {
    std::vector<std::string> names = ListFolders(fs, dir);
    if (newest_first) std::reverse(names.begin(), names.end());
    return names;
  };
  for (const std::string& y : folders(base)) {
    for (const std::string& mo : folders(JoinPath(base, y))) {
      for (const std::string& d : folders(base + "/" + y + "/" + mo)) {
        for (const std::string& h : folders(base + "/" + y + "/" + mo + "/" + d)) {
          const std::string dir = base + "/" + y + "/" + mo + "/" + d + "/" + h;
          const std::optional<int64_t> parsed = ParseHourFolder(y, mo, d, h);
          if (!parsed) continue;  // not a folder of the layout: never read
          Result<std::vector<DirEntry>> files = fs->ListDir(dir);
          std::vector<DirEntry> names;  // name = the absolute path
          const std::string relative_dir =
              MeasurementDirectory(db, measurement) + "/" + y + "/" + mo + "/" + d + "/" + h + "/";
          for (const DirEntry& f : files.ok() ? *files : std::vector<DirEntry>{}) {
            // A retired file's rows are in a switch's outputs already.
            if (live != nullptr && live->IsRetired(relative_dir + f.name)) continue;
            if (!f.is_dir && !f.is_symlink && IsParquetFileName(f.name)) {
              DirEntry e = f;
              e.name = dir + "/" + f.name;
              names.push_back(std::move(e));
            }
          }
          std::sort(names.begin(), names.end(),
                    [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
          if (!visit(*parsed, std::move(names))) return;
        }
      }
    }
  }
}

}  // namespace

HourFiles ListHourFiles(FileSystem* fs, const std::string& root, const std::string& db,
                        const std::string& measurement, std::optional<int64_t> min_hour,
                        std::optional<int64_t> max_hour, const LiveFileSet* live) {
  HourFiles out;
  ForEachHour(fs, root, db, measurement, live, false, [&](int64_t hour, std::vector<DirEntry> names) {
    const bool in_range = (!min_hour || hour >= *min_hour) && (!max_hour || hour <= *max_hour);
    ++out.hours_total;
    if (!names.empty() && out.any_file.empty()) out.any_file = names.front().name;
    if (in_range) {
      ++out.hours_read;
      for (DirEntry& e : names) {
        out.files.push_back(std::move(e.name));
        out.sizes.push_back(e.size);
      }
    }
    return true;
  });
  return out;
}

bool HasDataFile(FileSystem* fs, const std::string& root, const std::string& db,
                 const std::string& measurement, const LiveFileSet* live) {
  bool found = false;
  // Newest first: retention empties the oldest hours, recent ones hold files.
  ForEachHour(fs, root, db, measurement, live, true, [&](int64_t, std::vector<DirEntry> names) {
    found = !names.empty();
    return !found;
  });
  return found;
}

Result<std::vector<DirEntry>> SwitchableFiles(FileSystem* fs, const LiveFileSet& live,
                                              const std::string& root, const std::string& dir) {
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs->ListDir(JoinPath(root, dir)));
  std::vector<DirEntry> out;
  for (DirEntry& e : entries) {
    const std::string rel = dir + "/" + e.name;
    if (e.is_dir || e.is_symlink || !IsParquetFileName(e.name) || live.IsSettling(rel) ||
        live.IsRetired(rel)) {
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace arc
