#include "storage/hour_files.h"

#include <algorithm>

#include "storage/partition_layout.h"

namespace arc {
namespace {

std::vector<std::string> SortedDirs(FileSystem* fs, const std::string& dir) {
  std::vector<std::string> out;
  Result<std::vector<DirEntry>> entries = fs->ListDir(dir);
  if (!entries.ok()) return out;
  for (const DirEntry& e : *entries) {
    if (e.is_dir && !e.name.empty() && e.name[0] != '.') out.push_back(e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

HourFiles ListHourFiles(FileSystem* fs, const std::string& root, const std::string& db,
                        const std::string& measurement, std::optional<int64_t> min_hour,
                        std::optional<int64_t> max_hour) {
  HourFiles out;
  bool skipped_folder = false;
  const std::string base = JoinPath(root, MeasurementDirectory(db, measurement));
  for (const std::string& y : SortedDirs(fs, base)) {
    for (const std::string& mo : SortedDirs(fs, JoinPath(base, y))) {
      for (const std::string& d : SortedDirs(fs, base + "/" + y + "/" + mo)) {
        for (const std::string& h : SortedDirs(fs, base + "/" + y + "/" + mo + "/" + d)) {
          const std::string dir = base + "/" + y + "/" + mo + "/" + d + "/" + h;
          const std::optional<int64_t> parsed = ParseHourFolder(y, mo, d, h);
          if (!parsed) {  // not a folder of the layout: never read, and no glob may reach it
            skipped_folder = true;
            continue;
          }
          const int64_t hour = *parsed;
          const bool in_range = (!min_hour || hour >= *min_hour) && (!max_hour || hour <= *max_hour);
          ++out.hours_total;
          Result<std::vector<DirEntry>> files = fs->ListDir(dir);
          if (!files.ok()) continue;
          std::vector<std::string> names;
          for (const DirEntry& f : *files) {
            if (!f.is_dir && IsParquetFileName(f.name)) {
              names.push_back(dir + "/" + f.name);
            }
          }
          std::sort(names.begin(), names.end());
          if (!names.empty() && out.any_file.empty()) out.any_file = names.front();
          if (!in_range) continue;
          ++out.hours_read;
          if (!names.empty()) out.globs.push_back(HourFilesGlob(dir));
          out.files.insert(out.files.end(), names.begin(), names.end());
        }
      }
    }
  }
  // One pattern for every hour is cheaper to carry, but only when it matches exactly the
  // folders listed (a stray folder that is no hour would be read by the pattern).
  if (!min_hour && !max_hour && !out.files.empty() && !skipped_folder) {
    out.globs = {AllHoursFilesGlob(base)};
  }
  return out;
}

}  // namespace arc
