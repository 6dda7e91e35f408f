// Test helpers: temporary directories, compression, small utilities.
#pragma once

#include <cstdint>
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
// Decompression bombs built without holding their output: a gzip member (one fixed-Huffman
// block of 258-byte matches, correct CRC and size) of 1 + 258 × ⌈(n − 1) / 258⌉ zero bytes,
// and a zstd frame of `n` zero bytes.
std::string GzipZeros(uint64_t n);
std::string ZstdZeros(uint64_t n);
// Writes `contents` to `path` (test fixture files).
void WriteTextFile(const std::string& path, const std::string& contents);
// The file's contents, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);
// Runs `cmd` through the shell; its stdout (add 2>&1 for stderr), and in `*exit_code` its exit
// status (-1 when it did not exit normally or could not start).
std::string Shell(const std::string& cmd, int* exit_code = nullptr);
// Every regular file below `dir` whose name ends with `suffix`, sorted.
std::vector<std::string> FindFiles(const std::string& dir, const std::string& suffix);

}  // namespace arc::test
