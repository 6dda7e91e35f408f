#include "server/write_handler.h"

#include "ingest/decompress.h"
#include "ingest/line_protocol.h"
#include "ingest/msgpack_decoder.h"
#include "ingest/names.h"
#include "ingest/time_units.h"
#include "server/auth.h"

namespace arc {

WriteHandler::WriteHandler(IngestEngine* engine, uint64_t max_decompressed_size, Executor* decoder)
    : engine_(engine), max_decompressed_size_(max_decompressed_size), decoder_(decoder) {}

Result<std::string> WriteHandler::DatabaseFor(const HttpRequest& request, Dialect dialect) const {
  std::string db(request.Header("x-arc-database"));
  if (db.empty() && dialect == Dialect::kInfluxV1) db = request.Query("db").value_or("");
  if (db.empty() && dialect == Dialect::kInfluxV2) {
    db = request.Query("bucket").value_or("");
    db = db.substr(0, db.find('/'));  // "db/retention_policy" from the v1 compatibility API
  }
  if (db.empty()) db = "default";
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(db));
  return db;
}

Status WriteHandler::Decode(const HttpRequest& request, Format format, std::string_view body,
                            BatchSet* out) {
  const int64_t now = NowMicros();
  if (format == Format::kMsgpack) return DecodeMsgpack(body, now, out);
  ARC_ASSIGN_OR_RETURN(Precision precision, ParsePrecision(request.Query("precision").value_or("")));
  return ParseLineProtocol(body, precision, now, out);
}

void WriteHandler::Handle(HttpRequest&& request, Format format, Dialect dialect,
                          WriteCounters* counters, std::function<void(HttpResponse)> respond) {
  counters->requests.fetch_add(1, std::memory_order_relaxed);
  counters->bytes.fetch_add(request.body.size(), std::memory_order_relaxed);
  // Decompression and large decodes leave the io thread: a bomb or a 25 MB body must not stall
  // the other connections (and /health) served by it.
  Result<BodyEncoding> enc = DetectEncoding(request.body, request.Header("content-encoding"));
  const bool heavy = request.body.size() > kInlineDecodeBytes || !enc.ok() || *enc != BodyEncoding::kIdentity;
  if (!heavy || decoder_ == nullptr) return Process(request, format, dialect, counters, std::move(respond));
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  const bool queued = decoder_->TrySubmit([this, shared, format, dialect, counters, reply] {
    Process(*shared, format, dialect, counters, std::move(*reply));
  });
  if (!queued) {
    counters->rejected.fetch_add(1, std::memory_order_relaxed);
    (*reply)(ErrorResponse(Status::Unavailable("too many large or compressed writes waiting to be decoded; retry later")));
  }
}

void WriteHandler::Process(const HttpRequest& request, Format format, Dialect dialect,
                           WriteCounters* counters, std::function<void(HttpResponse)> respond) {
  auto fail = [&](const Status& st) {
    counters->rejected.fetch_add(1, std::memory_order_relaxed);
    respond(ErrorResponse(st));
  };
  Result<std::string> db = DatabaseFor(request, dialect);
  if (!db.ok()) return fail(db.status());
  if (Status st = ScopeOf(request).Check(*db); !st.ok()) return fail(st);
  Result<BodyEncoding> enc = DetectEncoding(request.body, request.Header("content-encoding"));
  if (!enc.ok()) return fail(enc.status());
  std::string inflated;
  std::string_view body = request.body;
  if (*enc != BodyEncoding::kIdentity) {
    Status st = Decompress(request.body, *enc, max_decompressed_size_, &inflated);
    if (!st.ok()) return fail(st);
    body = inflated;
  }
  if (body.empty()) return fail(Status::InvalidArgument("empty request body: no records"));
  BatchSet set(*db);
  Status st = Decode(request, format, body, &set);
  if (!st.ok()) return fail(st);
  const size_t rows = set.TotalRows();
  if (rows == 0) return fail(Status::InvalidArgument("no records in request body"));
  engine_->Write(std::move(set), [counters, rows, respond = std::move(respond)](Status done) {
    if (!done.ok()) {
      counters->rejected.fetch_add(1, std::memory_order_relaxed);
      return respond(ErrorResponse(done));
    }
    counters->records.fetch_add(rows, std::memory_order_relaxed);
    respond(NoContent());
  });
}

}  // namespace arc
