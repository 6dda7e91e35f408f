// libFuzzer target: request body decompression (DetectEncoding + Decompress: gzip through
// libdeflate, zstd), the first step of every write.
// Input: byte 0 holds flags, the rest is the body.
//   bits 0-1  the Content-Encoding header: "", "gzip", "zstd", "br"
//   bits 2-4  max_size: 1 MiB, 0, 1, 17, 100, 4096, 65536, 1 MiB
//   bit 5     also decode the body as gzip and as zstd whatever its magic bytes say
//   bit 6     round trip: compress the body (gzip via libdeflate, zstd one-shot and streamed)
//             and decompress it with max_size = its size (must give it back) and size - 1
//             (must be PayloadTooLarge)
//   bit 7     compression level high instead of fast (round trip only)
// Invariants: the output never exceeds max_size; errors are InvalidArgument or
// PayloadTooLarge; compressed bodies round-trip.
// A gzip body of two members decodes to both (it once decoded silently to the first only).
#include <libdeflate.h>
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_util.h"
#include "ingest/decompress.h"

namespace {

using namespace arc;

constexpr uint64_t kMaxSizes[8] = {1 << 20, 0, 1, 17, 100, 4096, 65536, 1 << 20};
constexpr const char* kEncodings[4] = {"", "gzip", "zstd", "br"};

void CheckDecode(std::string_view body, BodyEncoding enc, uint64_t max_size) {
  std::string out;
  const Status st = Decompress(body, enc, max_size, &out);
  if (st.ok()) {
    if (enc == BodyEncoding::kIdentity) {
      FUZZ_CHECK(out == body, "identity changed the body");
    } else {
      FUZZ_CHECK(out.size() <= max_size, "decompressed " + std::to_string(out.size()) +
                                             " bytes with max_size " + std::to_string(max_size));
    }
  } else {
    FUZZ_CHECK(st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kPayloadTooLarge,
               st.ToString());
  }
}

// Compressors are kept across runs (allocating them dominated the run time).
std::string Gzip(std::string_view in, int level) {
  static libdeflate_compressor* const fast = libdeflate_alloc_compressor(1);
  static libdeflate_compressor* const best = libdeflate_alloc_compressor(9);
  libdeflate_compressor* c = level >= 9 ? best : fast;
  std::string out(libdeflate_gzip_compress_bound(c, in.size()), '\0');
  const size_t n = libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size());
  FUZZ_CHECK(n > 0, "libdeflate_gzip_compress failed");
  out.resize(n);
  return out;
}

ZSTD_CCtx* ZstdContext() {
  static ZSTD_CCtx* const c = ZSTD_createCCtx();
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  return c;
}

std::string Zstd(std::string_view in, int level) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compressCCtx(ZstdContext(), out.data(), out.size(), in.data(), in.size(), level);
  FUZZ_CHECK(!ZSTD_isError(n), "ZSTD_compress failed");
  out.resize(n);
  return out;
}

// A streamed frame: no content size in the header, so the decoder cannot size its output.
std::string ZstdStreamed(std::string_view in, int level) {
  ZSTD_CCtx* c = ZstdContext();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setPledgedSrcSize(c, in.size());  // sizes the tables; not written to the frame
  std::string out(ZSTD_compressBound(in.size()) + 64, '\0');
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  size_t left;
  do {
    left = ZSTD_compressStream2(c, &output, &input, ZSTD_e_end);
    FUZZ_CHECK(!ZSTD_isError(left), "ZSTD_compressStream2 failed");
  } while (left != 0);
  out.resize(output.pos);
  FUZZ_CHECK(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN,
             "streamed frame carries its size");
  return out;
}

void CheckRoundTrip(std::string_view body, std::string_view compressed, BodyEncoding enc, const char* what) {
  Result<BodyEncoding> detected = DetectEncoding(compressed, "");
  FUZZ_CHECK(detected.ok() && *detected == enc, std::string(what) + ": magic bytes not recognised");
  std::string out;
  Status st = Decompress(compressed, enc, body.size(), &out);
  FUZZ_CHECK(st.ok(), std::string(what) + " with max_size = its size: " + st.ToString());
  FUZZ_CHECK(out == body, std::string(what) + ": round trip changed the body");
  if (!body.empty()) {
    st = Decompress(compressed, enc, body.size() - 1, &out);
    FUZZ_CHECK(st.code() == StatusCode::kPayloadTooLarge,
               std::string(what) + " with max_size = its size - 1: " + st.ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view body = fuzz::AsView(data + 1, size - 1);
  const std::string_view content_encoding = kEncodings[flags & 3];
  const uint64_t max_size = kMaxSizes[(flags >> 2) & 7];

  Result<BodyEncoding> enc = DetectEncoding(body, content_encoding);
  if (enc.ok()) {
    CheckDecode(body, *enc, max_size);
  } else {
    FUZZ_CHECK(enc.status().code() == StatusCode::kInvalidArgument, enc.status().ToString());
  }
  if (flags & 0x20) {
    CheckDecode(body, BodyEncoding::kGzip, max_size);
    CheckDecode(body, BodyEncoding::kZstd, max_size);
  }
  if (flags & 0x40) {
    const bool high = (flags & 0x80) != 0;
    CheckRoundTrip(body, Gzip(body, high ? 9 : 1), BodyEncoding::kGzip, "gzip");
    CheckRoundTrip(body, Zstd(body, high ? 9 : 1), BodyEncoding::kZstd, "zstd");
    CheckRoundTrip(body, ZstdStreamed(body, high ? 9 : 1), BodyEncoding::kZstd, "streamed zstd");
    // Two frames back to back are one valid zstd body (RFC 8878), and two gzip members one
    // valid gzip body (RFC 1952 2.2, what `cat a.gz b.gz` and `gzip -c a b` produce).
    const std::string_view a = body.substr(0, body.size() / 2), b = body.substr(body.size() / 2);
    CheckRoundTrip(body, Zstd(a, 1) + Zstd(b, 1), BodyEncoding::kZstd, "two zstd frames");
    CheckRoundTrip(body, Gzip(a, 1) + Gzip(b, 1), BodyEncoding::kGzip, "two gzip members");
  }
  return 0;
}
