#include "util/test_util.h"

#include <cstdio>

#include <sys/wait.h>

#include <libdeflate.h>
#include <stdlib.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace arc::test {

TempDir::TempDir() {
  std::string tmpl = "/tmp/arc-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string GzipCompress(std::string_view data) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  std::string out(libdeflate_gzip_compress_bound(c, data.size()), '\0');
  const size_t n = libdeflate_gzip_compress(c, data.data(), data.size(), out.data(), out.size());
  libdeflate_free_compressor(c);
  out.resize(n);
  return out;
}

std::string ZstdCompress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd compress failed");
  out.resize(n);
  return out;
}

namespace {

// Deflate's bit order: fields least significant bit first, Huffman codes most significant first.
class BitWriter {
 public:
  void Bits(uint32_t value, int n) {
    for (int i = 0; i < n; ++i) Push((value >> i) & 1);
  }
  void Code(uint32_t code, int n) {
    for (int i = n - 1; i >= 0; --i) Push((code >> i) & 1);
  }
  std::string Finish() {
    if (used_ > 0) out_.push_back(static_cast<char>(cur_));
    return std::move(out_);
  }

 private:
  void Push(uint32_t bit) {
    cur_ |= static_cast<uint8_t>(bit << used_);
    if (++used_ == 8) {
      out_.push_back(static_cast<char>(cur_));
      cur_ = 0;
      used_ = 0;
    }
  }
  std::string out_;
  uint8_t cur_ = 0;
  int used_ = 0;
};

void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string GzipZeros(uint64_t n) {
  const uint64_t matches = n <= 1 ? 0 : (n - 1 + 257) / 258;
  const uint64_t size = 1 + matches * 258;
  BitWriter w;
  w.Bits(1, 1);           // BFINAL
  w.Bits(1, 2);           // BTYPE 01: fixed Huffman
  w.Code(0x30, 8);        // literal 0
  for (uint64_t i = 0; i < matches; ++i) {
    w.Code(0xC5, 8);      // length code 285: 258 bytes
    w.Code(0, 5);         // distance code 0: distance 1
  }
  w.Code(0, 7);           // end of block (256)
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  out += w.Finish();
  const std::string zeros(1 << 20, '\0');
  uint32_t crc = 0;
  for (uint64_t left = size; left > 0;) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    crc = libdeflate_crc32(crc, zeros.data(), chunk);
    left -= chunk;
  }
  PutLe32(&out, crc);
  PutLe32(&out, static_cast<uint32_t>(size));
  return out;
}

std::string ZstdZeros(uint64_t n) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setPledgedSrcSize(c, n);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  std::string buf(ZSTD_CStreamOutSize(), '\0');
  for (uint64_t left = n;;) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    left -= chunk;
    ZSTD_inBuffer in{zeros.data(), chunk, 0};
    const ZSTD_EndDirective mode = left == 0 ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      const size_t rest = ZSTD_compressStream2(c, &o, &in, mode);
      if (ZSTD_isError(rest)) throw std::runtime_error("zstd compress failed");
      out.append(buf.data(), o.pos);
      if (mode == ZSTD_e_end ? rest == 0 : in.pos == in.size) break;
    }
    if (left == 0) break;
  }
  ZSTD_freeCCtx(c);
  return out;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteTextFile(const std::string& path, const std::string& contents) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f << contents;
}

std::vector<std::string> FindFiles(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const std::string p = e.path().string();
    if (e.is_regular_file() && p.size() >= suffix.size() &&
        p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Shell(const std::string& cmd, int* exit_code) {
  std::string out;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    if (exit_code != nullptr) *exit_code = -1;
    return out;
  }
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace arc::test
