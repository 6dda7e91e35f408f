// gzip for answers (docs/protocol.md, "Compressed answers"): a streaming encoder that flushes
// after every piece, so a client decodes a chunked answer as it flows, and a BodyStream that
// compresses another BodyStream piece by piece with bounded memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "server/http_types.h"

struct z_stream_s;

namespace arc {

// Deflate with the gzip wrapper (RFC 1952), fed piece by piece. Not thread-safe; memory is
// zlib's state (~270 KiB at the default window) plus what the caller's output holds.
class GzipEncoder {
 public:
  // `level`: zlib's 1 (fastest) to 9 (smallest).
  explicit GzipEncoder(int level = 1);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Compresses `piece` and appends the bytes to `*out`: everything given so far decodes from
  // the output (Z_SYNC_FLUSH), and with `last` the gzip member ends (Z_FINISH; later calls
  // fail). An error (out of memory, misuse) leaves the encoder unusable.
  [[nodiscard]] Status Add(std::string_view piece, bool last, std::string* out);

 private:
  std::unique_ptr<z_stream_s> z_;
  bool ready_ = false;     // deflateInit2 succeeded
  bool finished_ = false;  // the member has ended
};

// `body` as one gzip member.
[[nodiscard]] Result<std::string> GzipCompressWhole(std::string_view body, int level = 1);

// A BodyStream that gzips `inner`'s pieces as they come: each piece is compressed and flushed
// on the thread that delivers it, and handed on; the last one ends the gzip member. A failing
// inner stream (or encoder) fails this one. `Next` follows BodyStream's contract (one call at
// a time).
class GzipBodyStream : public BodyStream, public std::enable_shared_from_this<GzipBodyStream> {
 public:
  explicit GzipBodyStream(std::shared_ptr<BodyStream> inner, int level = 1);
  void Next(Deliver deliver) override;
  void Abandon() override { inner_->Abandon(); }

 private:
  std::shared_ptr<BodyStream> inner_;
  GzipEncoder encoder_;
};

}  // namespace arc
