#include "server/gzip_body.h"

#include <zlib.h>

#include <algorithm>

namespace arc {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer
constexpr int kMemLevel = 8;              // zlib's default
// zlib counts input in uInt: larger pieces are fed in slices of this size.
constexpr size_t kMaxSlice = 1u << 30;

}  // namespace

GzipEncoder::GzipEncoder(int level) : z_(std::make_unique<z_stream>()) {
  ready_ = deflateInit2(z_.get(), std::clamp(level, 1, 9), Z_DEFLATED, kGzipWindowBits, kMemLevel,
                        Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipEncoder::~GzipEncoder() {
  if (ready_) deflateEnd(z_.get());
}

Status GzipEncoder::Add(std::string_view piece, bool last, std::string* out) {
  if (!ready_) return Status::IOError("gzip: the encoder could not be initialised (out of memory)");
  if (finished_) return Status::Internal("gzip: data after the last piece");
  // An empty piece that is not the last adds nothing: a second flush in a row would be an
  // error for zlib (Z_BUF_ERROR) and a waste of bytes.
  if (piece.empty() && !last) return Status::OK();
  size_t offset = 0;
  for (;;) {
    const size_t slice = std::min(piece.size() - offset, kMaxSlice);
    const bool final_slice = offset + slice == piece.size();
    z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data() + offset));
    z_->avail_in = static_cast<uInt>(slice);
    const int flush = !final_slice ? Z_NO_FLUSH : (last ? Z_FINISH : Z_SYNC_FLUSH);
    // Grow the output until deflate has taken all input and emitted everything the flush asks
    // for (avail_out left over means it is done).
    int rc = Z_OK;
    do {
      const size_t have = out->size();
      // At most 256 KiB more at a time: the string grows with what deflate really emits
      // (about a tenth of JSON), not with the bound for incompressible input.
      const size_t room = std::clamp<size_t>(deflateBound(z_.get(), z_->avail_in) + 64, 4096, 256 * 1024);
      out->resize(have + room);
      z_->next_out = reinterpret_cast<Bytef*>(out->data() + have);
      z_->avail_out = static_cast<uInt>(room);
      rc = deflate(z_.get(), flush);
      out->resize(have + room - z_->avail_out);
      if (rc == Z_STREAM_ERROR) return Status::Internal("gzip: deflate failed");
    } while (z_->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    offset += slice;
    if (final_slice) break;
  }
  if (last) finished_ = true;
  return Status::OK();
}

Result<std::string> GzipCompressWhole(std::string_view body, int level) {
  GzipEncoder encoder(level);
  std::string out;
  out.reserve(body.size() / 4 + 64);
  ARC_RETURN_IF_ERROR(encoder.Add(body, true, &out));
  out.shrink_to_fit();  // held until the client has read it
  return out;
}

GzipBodyStream::GzipBodyStream(std::shared_ptr<BodyStream> inner, int level)
    : inner_(std::move(inner)), encoder_(level) {}

void GzipBodyStream::Next(Deliver deliver) {
  // The inner stream may deliver later from another thread: keep this stream (and its
  // encoder) alive until then.
  inner_->Next([self = shared_from_this(), deliver = std::move(deliver)](std::string piece, bool last,
                                                                        bool failed) {
    if (failed) return deliver(std::string(), false, true);
    std::string out;
    if (!self->encoder_.Add(piece, last, &out).ok()) return deliver(std::string(), false, true);
    std::string().swap(piece);  // the plain piece is not needed while the client is written
    deliver(std::move(out), last, false);
  });
}

}  // namespace arc
