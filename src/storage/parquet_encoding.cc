#include "storage/parquet_encoding.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <vector>

namespace arc {

int BitWidthFor(uint32_t max_value) {
  int w = 1;
  while (w < 32 && (max_value >> w) != 0) ++w;
  return w;
}

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

namespace {

constexpr size_t kDeltaBlock = 128;
constexpr size_t kMiniblocks = 4;
constexpr size_t kMiniblockValues = kDeltaBlock / kMiniblocks;  // 32

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

int BitsOf(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// 32 values at `width` bits each, least significant bit first: 4 × width bytes.
void PackMiniblock(const uint64_t* v, int width, std::string* out) {
  if (width == 0) return;
  unsigned __int128 acc = 0;
  int bits = 0;
  char word[8];
  for (size_t i = 0; i < kMiniblockValues; ++i) {
    acc |= static_cast<unsigned __int128>(v[i]) << bits;
    bits += width;
    if (bits >= 64) {
      const uint64_t low = static_cast<uint64_t>(acc);
      std::memcpy(word, &low, 8);  // little-endian, as Parquet's bit order needs
      out->append(word, 8);
      acc >>= 64;
      bits -= 64;
    }
  }
  for (; bits > 0; bits -= 8, acc >>= 8) out->push_back(static_cast<char>(acc & 0xff));
}

}  // namespace

void AppendDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out) {
  AppendVarint(kDeltaBlock, out);
  AppendVarint(kMiniblocks, out);
  AppendVarint(n, out);
  AppendVarint(ZigZag(n > 0 ? values[0] : 0), out);
  uint64_t packed[kDeltaBlock];
  for (size_t first = 1; first < n; first += kDeltaBlock) {
    const size_t count = std::min(kDeltaBlock, n - first);
    // Deltas wrap around (two's complement): readers add them back the same way.
    int64_t min_delta = INT64_MAX;
    for (size_t i = 0; i < count; ++i) {
      const int64_t d = static_cast<int64_t>(static_cast<uint64_t>(values[first + i]) -
                                             static_cast<uint64_t>(values[first + i - 1]));
      packed[i] = static_cast<uint64_t>(d);
      min_delta = std::min(min_delta, d);
    }
    // Every delta is ≥ the smallest, so the unsigned difference is exact (up to 2^64 − 1).
    for (size_t i = 0; i < count; ++i) packed[i] -= static_cast<uint64_t>(min_delta);
    for (size_t i = count; i < kDeltaBlock; ++i) packed[i] = 0;  // padding of the last block
    AppendVarint(ZigZag(min_delta), out);
    const size_t used = (count + kMiniblockValues - 1) / kMiniblockValues;
    int widths[kMiniblocks] = {0, 0, 0, 0};
    for (size_t m = 0; m < used; ++m) {
      uint64_t any = 0;
      for (size_t i = 0; i < kMiniblockValues; ++i) any |= packed[m * kMiniblockValues + i];
      widths[m] = BitsOf(any);
    }
    for (size_t m = 0; m < kMiniblocks; ++m) out->push_back(static_cast<char>(widths[m]));
    for (size_t m = 0; m < used; ++m) PackMiniblock(packed + m * kMiniblockValues, widths[m], out);
  }
}

namespace {

// Eight values of `bit_width` bits, least significant bit first: exactly bit_width bytes,
// written at `out` (room for them is the caller's).
char* PackGroup(const uint32_t* v, int bit_width, char* out) {
  uint64_t acc = 0;
  int bits = 0;
  for (int i = 0; i < 8; ++i) {
    acc |= static_cast<uint64_t>(v[i]) << bits;
    bits += bit_width;
    while (bits >= 8) {
      *out++ = static_cast<char>(acc & 0xff);
      acc >>= 8;
      bits -= 8;
    }
  }
  return out;
}

// One bit-packed run of values[0, n): whole groups of 8, the last padded with zeros. The
// output is sized once, so the packing loop does not check for room.
void AppendBitPacked(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  if (n == 0) return;
  const size_t groups = (n + 7) / 8;
  AppendVarint((groups << 1) | 1, out);
  const size_t at = out->size();
  out->resize(at + groups * static_cast<size_t>(bit_width));
  char* p = out->data() + at;
  for (size_t g = 0; g + 1 < groups; ++g) p = PackGroup(values + g * 8, bit_width, p);
  uint32_t last[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::copy(values + (groups - 1) * 8, values + n, last);
  PackGroup(last, bit_width, p);
}

void AppendRleRun(uint32_t value, size_t count, int bit_width, std::string* out) {
  AppendVarint(static_cast<uint64_t>(count) << 1, out);
  for (int b = 0; b < (bit_width + 7) / 8; ++b) out->push_back(static_cast<char>((value >> (8 * b)) & 0xff));
}

}  // namespace

void AppendRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  // Pending literals are always values[literals, i): a run that goes to RLE first completes
  // their last group with its own leading values, which follow them in the input.
  size_t literals = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    const size_t run = j - i;
    // Literal groups hold 8 values: the run first completes the pending group, and only a
    // remainder of ≥ 8 is worth an RLE run.
    const size_t align = (8 - (i - literals) % 8) % 8;
    if (run >= align + 8) {
      AppendBitPacked(values + literals, i + align - literals, bit_width, out);
      AppendRleRun(values[i], run - align, bit_width, out);
      literals = j;
    }
    i = j;
  }
  AppendBitPacked(values + literals, n - literals, bit_width, out);
}

struct PageCompressor::State {
  ZSTD_CCtx* zstd = nullptr;
  z_stream zlib{};
  bool zlib_ready = false;
};

PageCompressor::PageCompressor(ParquetCompression codec) : codec_(codec), state_(std::make_unique<State>()) {}

PageCompressor::~PageCompressor() {
  if (state_->zstd != nullptr) ZSTD_freeCCtx(state_->zstd);
  if (state_->zlib_ready) deflateEnd(&state_->zlib);
}

int PageCompressor::parquet_codec() const {
  switch (codec_) {
    case ParquetCompression::kNone: return 0;
    case ParquetCompression::kSnappy: return 1;
    case ParquetCompression::kGzip: return 2;
    case ParquetCompression::kZstd: return 6;
  }
  return 0;
}

Status PageCompressor::Compress(std::string_view in, std::string* out) {
  switch (codec_) {
    case ParquetCompression::kNone:
      out->assign(in.data(), in.size());
      return Status::OK();
    case ParquetCompression::kSnappy: {
      out->resize(snappy::MaxCompressedLength(in.size()));
      size_t len = 0;
      snappy::RawCompress(in.data(), in.size(), out->data(), &len);
      out->resize(len);
      return Status::OK();
    }
    case ParquetCompression::kZstd: {
      if (state_->zstd == nullptr) state_->zstd = ZSTD_createCCtx();
      if (state_->zstd == nullptr) return Status::Unavailable("zstd: cannot create a context");
      out->resize(ZSTD_compressBound(in.size()));
      // Level 1: compaction re-encodes complete hours; the flush favours CPU.
      const size_t len = ZSTD_compressCCtx(state_->zstd, out->data(), out->size(), in.data(), in.size(), 1);
      if (ZSTD_isError(len)) return Status::Unavailable(std::string("zstd: ") + ZSTD_getErrorName(len));
      out->resize(len);
      return Status::OK();
    }
    case ParquetCompression::kGzip: {
      z_stream& z = state_->zlib;
      if (!state_->zlib_ready) {
        // windowBits 15 + 16: a gzip member, as Parquet's GZIP codec is defined.
        if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
          return Status::Unavailable("zlib: cannot initialise deflate");
        }
        state_->zlib_ready = true;
      } else if (deflateReset(&z) != Z_OK) {
        return Status::Unavailable("zlib: cannot reset deflate");
      }
      out->resize(deflateBound(&z, in.size()));
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out->data());
      z.avail_out = static_cast<uInt>(out->size());
      if (deflate(&z, Z_FINISH) != Z_STREAM_END) return Status::Unavailable("zlib: deflate did not finish");
      out->resize(out->size() - z.avail_out);
      return Status::OK();
    }
  }
  return Status::Internal("unknown codec");
}

}  // namespace arc
