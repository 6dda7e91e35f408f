#include "query/hour_files.h"

#include <algorithm>
#include <cstdlib>

#include "common/time_format.h"

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

int64_t HourOfPath(const std::string& y, const std::string& mo, const std::string& d, const std::string& h) {
  return UtcSeconds(std::atoi(y.c_str()), std::atoi(mo.c_str()), std::atoi(d.c_str()), std::atoi(h.c_str())) / 3600;
}

}  // namespace

HourFiles ListHourFiles(FileSystem* fs, const std::string& root, const std::string& db,
                        const std::string& measurement, std::optional<int64_t> min_hour,
                        std::optional<int64_t> max_hour) {
  HourFiles out;
  const std::string base = JoinPath(JoinPath(root, db), measurement);
  for (const std::string& y : SortedDirs(fs, base)) {
    for (const std::string& mo : SortedDirs(fs, JoinPath(base, y))) {
      for (const std::string& d : SortedDirs(fs, base + "/" + y + "/" + mo)) {
        for (const std::string& h : SortedDirs(fs, base + "/" + y + "/" + mo + "/" + d)) {
          const std::string dir = base + "/" + y + "/" + mo + "/" + d + "/" + h;
          const int64_t hour = HourOfPath(y, mo, d, h);
          const bool in_range = (!min_hour || hour >= *min_hour) && (!max_hour || hour <= *max_hour);
          ++out.hours_total;
          Result<std::vector<DirEntry>> files = fs->ListDir(dir);
          if (!files.ok()) continue;
          std::vector<std::string> names;
          for (const DirEntry& f : *files) {
            if (!f.is_dir && f.name.size() > 8 && f.name.compare(f.name.size() - 8, 8, ".parquet") == 0) {
              names.push_back(dir + "/" + f.name);
            }
          }
          std::sort(names.begin(), names.end());
          if (!names.empty() && out.any_file.empty()) out.any_file = names.front();
          if (!in_range) continue;
          ++out.hours_read;
          if (!names.empty()) out.globs.push_back(dir + "/*.parquet");
          out.files.insert(out.files.end(), names.begin(), names.end());
        }
      }
    }
  }
  if (!min_hour && !max_hour && !out.files.empty()) out.globs = {base + "/*/*/*/*/*.parquet"};
  return out;
}

}  // namespace arc
