// Test helpers: temporary directories, compression, small utilities.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace arc::test {

// A fresh directory under /tmp, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string GzipCompress(std::string_view data);
std::string ZstdCompress(std::string_view data);
// Writes `contents` to `path` (test fixture files).
void WriteTextFile(const std::string& path, const std::string& contents);
// Every regular file below `dir` whose name ends with `suffix`, sorted.
std::vector<std::string> FindFiles(const std::string& dir, const std::string& suffix);

}  // namespace arc::test
