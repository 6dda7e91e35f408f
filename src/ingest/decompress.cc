#include "ingest/decompress.h"

#include <libdeflate.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace arc {
namespace {

Status TooLarge(uint64_t max_size) {
  return Status::PayloadTooLarge("decompressed body exceeds max_payload_size (" +
                                 std::to_string(max_size) + " bytes)");
}

bool IsGzipMagic(std::string_view in) {
  return in.size() >= 2 && static_cast<uint8_t>(in[0]) == 0x1f && static_cast<uint8_t>(in[1]) == 0x8b;
}

// Appends one gzip member from the front of *in to *out and removes it from *in. At most
// `room` bytes may be added.
Status GunzipMember(libdeflate_decompressor* d, std::string_view* in, uint64_t room, std::string* out) {
  if (in->size() < 18) return Status::InvalidArgument("invalid gzip body: truncated");
  // The size trailer is the sender's word: a 28-byte body may claim 4 GiB. The buffer starts
  // from the compressed size and grows four-fold only as the data proves it needs to, up to
  // exactly `room` (one byte more is the 413).
  const size_t base = out->size();
  uint64_t cap = std::min<uint64_t>(std::max<uint64_t>(in->size() * 4, 64 * 1024), room + 1);
  for (;;) {
    out->resize(base + cap);
    size_t used = 0, actual = 0;
    const libdeflate_result r =
        libdeflate_gzip_decompress_ex(d, in->data(), in->size(), out->data() + base, cap, &used, &actual);
    if (r == LIBDEFLATE_SUCCESS) {
      if (actual > room) return Status::PayloadTooLarge("");
      out->resize(base + actual);
      in->remove_prefix(used);
      return Status::OK();
    }
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
      return Status::InvalidArgument("invalid gzip body: corrupt or truncated data");
    }
    if (cap > room) return Status::PayloadTooLarge("");
    cap = std::min<uint64_t>(cap * 4, room + 1);
  }
}

// A gzip body may be several members one after another (RFC 1952 2.2; `cat a.gz b.gz`, what
// gzip(1) and InfluxDB's Go reader decode whole): each is decoded, none silently dropped.
Status Gunzip(std::string_view in, uint64_t max_size, std::string* out) {
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  out->clear();
  do {
    if (!IsGzipMagic(in)) {
      return Status::InvalidArgument("invalid gzip body: " + std::to_string(in.size()) +
                                     " bytes after the last gzip member are not gzip data");
    }
    Status st = GunzipMember(d.get(), &in, max_size - out->size(), out);
    if (st.code() == StatusCode::kPayloadTooLarge) return TooLarge(max_size);
    ARC_RETURN_IF_ERROR(st);
  } while (!in.empty());
  return Status::OK();
}

Status Unzstd(std::string_view in, uint64_t max_size, std::string* out) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  out->clear();
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  const size_t chunk = ZSTD_DStreamOutSize();
  size_t last = 1;
  while (input.pos < input.size || last != 0) {
    const size_t old = out->size();
    if (old >= max_size + 1) return TooLarge(max_size);
    out->resize(std::min<uint64_t>(old + std::max(chunk, old), max_size + 1));
    ZSTD_outBuffer output{out->data() + old, out->size() - old, 0};
    last = ZSTD_decompressStream(ctx.get(), &output, &input);
    out->resize(old + output.pos);
    if (ZSTD_isError(last)) {
      return Status::InvalidArgument(std::string("invalid zstd body: ") + ZSTD_getErrorName(last));
    }
    if (out->size() > max_size) return TooLarge(max_size);
    if (input.pos == input.size && last != 0 && output.pos < output.size) {
      return Status::InvalidArgument("invalid zstd body: truncated");
    }
  }
  return Status::OK();
}

}  // namespace

Result<BodyEncoding> DetectEncoding(std::string_view body, std::string_view content_encoding) {
  if (IsGzipMagic(body)) return BodyEncoding::kGzip;
  if (body.size() >= 4 && static_cast<uint8_t>(body[0]) == 0x28 &&
      static_cast<uint8_t>(body[1]) == 0xb5 && static_cast<uint8_t>(body[2]) == 0x2f &&
      static_cast<uint8_t>(body[3]) == 0xfd) {
    return BodyEncoding::kZstd;
  }
  if (content_encoding.empty() || content_encoding == "identity") return BodyEncoding::kIdentity;
  if (content_encoding == "gzip" || content_encoding == "x-gzip") {
    return Status::InvalidArgument("Content-Encoding is gzip but the body is not gzip data");
  }
  if (content_encoding == "zstd") {
    return Status::InvalidArgument("Content-Encoding is zstd but the body is not zstd data");
  }
  return Status::InvalidArgument("unsupported Content-Encoding \"" +
                                 std::string(content_encoding.substr(0, 64)) +
                                 "\" (use gzip or zstd)");
}

Status Decompress(std::string_view body, BodyEncoding encoding, uint64_t max_size,
                  std::string* out) {
  switch (encoding) {
    case BodyEncoding::kIdentity: out->assign(body); return Status::OK();
    case BodyEncoding::kGzip: return Gunzip(body, max_size, out);
    case BodyEncoding::kZstd: return Unzstd(body, max_size, out);
  }
  return Status::Internal("unknown encoding");
}

}  // namespace arc
