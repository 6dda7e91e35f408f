#include "ingest/batch_codec.h"

#include <set>

#include "ingest/columnar_codec.h"
#include "ingest/msgpack_decoder.h"
#include "ingest/msgpack_reader.h"
#include "ingest/msgpack_writer.h"
#include "ingest/names.h"
#include "ingest/time_units.h"
#include "ingest/validate.h"

namespace arc {
namespace {

void EncodeColumn(const Column& c, MsgpackWriter* w) {
  w->Array(static_cast<uint32_t>(c.size()));
  if (!c.has_nulls() && c.type() == ColumnType::kDouble) return w->Doubles(c.doubles().data(), c.size());
  if (!c.has_nulls() && c.type() == ColumnType::kInt64) return w->Ints(c.ints().data(), c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c.IsValid(i)) {
      w->Nil();
      continue;
    }
    switch (c.type()) {
      case ColumnType::kInt64: w->Int(c.ints()[i]); break;
      case ColumnType::kDouble: w->Double(c.doubles()[i]); break;
      case ColumnType::kBool: w->Bool(c.bools()[i] != 0); break;
      case ColumnType::kString: w->Str(c.StringAt(i)); break;
    }
  }
}

void EncodeBatch(const Batch& b, MsgpackWriter* w) {
  w->Map(4);
  w->Str("m");
  w->Str(b.measurement);
  w->Str("time_unit");
  w->Str("us");
  const std::vector<std::string> tags = b.TagNames();
  w->Str("tags");
  w->Array(static_cast<uint32_t>(tags.size()));
  for (const std::string& t : tags) w->Str(t);
  w->Str("columns");
  w->Map(static_cast<uint32_t>(b.columns.size() + 1));
  w->Str("time");
  w->Array(static_cast<uint32_t>(b.rows()));
  w->Ints(b.time_us.data(), b.rows());
  for (const Column& c : b.columns) {
    w->Str(c.name());
    EncodeColumn(c, w);
  }
}

// The msgpack reader's errors (InvalidArgument, as for a client's body) are Corruption here:
// a WAL payload was written by us and checksummed.
Status AsCorruption(Status st) {
  return st.ok() || st.code() == StatusCode::kCorruption ? st : Status::Corruption("WAL payload: " + st.message());
}

Status ReadDatabaseField(std::string_view payload, std::string* db) {
  MsgpackReader r(payload);
  MsgValue map;
  ARC_RETURN_IF_ERROR(r.Next(&map));
  if (map.type != MsgType::kMap) return Status::Corruption("WAL payload is not a map");
  for (uint32_t i = 0; i < map.length; ++i) {
    MsgValue k, v;
    ARC_RETURN_IF_ERROR(r.Next(&k));
    if (k.type == MsgType::kString && k.str == "db") {
      ARC_RETURN_IF_ERROR(r.Next(&v));
      if (v.type != MsgType::kString) break;
      *db = std::string(v.str);
      return Status::OK();
    }
    ARC_RETURN_IF_ERROR(r.Skip());
  }
  return Status::Corruption("WAL payload has no \"db\"");
}

Status ReadDatabase(std::string_view payload, std::string* db) {
  Status st = ReadDatabaseField(payload, db);
  return AsCorruption(std::move(st));
}

}  // namespace

std::string EncodeBatchSet(const BatchSet& set) { return EncodeColumnar(set); }

std::string EncodeBatchSetAsMessagePack(const BatchSet& set) {
  MsgpackWriter w;
  size_t estimate = 64;
  for (const Batch& b : set.batches()) estimate += b.MemoryBytes();
  w.Reserve(estimate);
  w.Map(2);
  w.Str("db");
  w.Str(set.database());
  w.Str("batch");
  const std::vector<Batch>& batches = set.batches();
  w.Array(static_cast<uint32_t>(batches.size()));
  for (const Batch& b : batches) EncodeBatch(b, &w);
  return std::move(w.out());
}

Status DecodeBatchSet(std::string_view payload, std::unique_ptr<BatchSet>* out) {
  if (IsColumnarPayload(payload)) return DecodeColumnar(payload, out);
  std::string db;
  ARC_RETURN_IF_ERROR(ReadDatabase(payload, &db));
  // The name becomes a folder: refused here as the columnar decoder refuses it (the fuzzer
  // found a MessagePack payload of database "my;b" that re-encoded to a refused payload).
  if (!ValidateDatabaseName(db).ok()) return Status::Corruption("WAL payload: invalid database name");
  *out = std::make_unique<BatchSet>(db);
  Status st = DecodeMsgpack(payload, 0, out->get());
  if (!st.ok()) return Status::Corruption("WAL payload: " + st.message());
  return Status::OK();
}

namespace {

Status ScanHours(std::string_view payload, const PayloadHourFn& fn) {
  std::string db;
  ARC_RETURN_IF_ERROR(ReadDatabase(payload, &db));
  // Items are small maps; decode only "m" and the "time" column of each.
  MsgpackReader r(payload);
  MsgValue top;
  ARC_RETURN_IF_ERROR(r.Next(&top));
  for (uint32_t i = 0; i < top.length; ++i) {
    MsgValue k;
    ARC_RETURN_IF_ERROR(r.Next(&k));
    if (k.str != "batch") {
      ARC_RETURN_IF_ERROR(r.Skip());
      continue;
    }
    MsgValue items;
    ARC_RETURN_IF_ERROR(r.Next(&items));
    for (uint32_t j = 0; j < items.length; ++j) {
      MsgValue item;
      ARC_RETURN_IF_ERROR(r.Next(&item));
      std::string_view m;
      for (uint32_t f = 0; f < item.length; ++f) {
        MsgValue key;
        ARC_RETURN_IF_ERROR(r.Next(&key));
        if (key.str == "m") {
          MsgValue v;
          ARC_RETURN_IF_ERROR(r.Next(&v));
          m = v.str;
        } else if (key.str == "columns") {
          MsgValue cols;
          ARC_RETURN_IF_ERROR(r.Next(&cols));
          for (uint32_t c = 0; c < cols.length; ++c) {
            MsgValue name, arr;
            ARC_RETURN_IF_ERROR(r.Next(&name));
            if (name.str != "time") {
              ARC_RETURN_IF_ERROR(r.Skip());
              continue;
            }
            ARC_RETURN_IF_ERROR(r.Next(&arr));
            // One call per run of rows in one hour ("m" precedes "columns" in our encoding).
            int64_t last = INT64_MIN;
            size_t run = 0;
            for (uint32_t t = 0; t < arr.length; ++t) {
              MsgValue v;
              ARC_RETURN_IF_ERROR(r.Next(&v));
              // Our encoding writes in-range int64 µs; anything else (INT64_MIN would overflow
              // HourOf) is a payload DecodeBatchSet refuses too.
              if (v.type != MsgType::kNil && (v.type != MsgType::kInt || !ValidateTime(v.i).ok())) {
                return Status::Corruption("WAL payload: a time value is not an in-range integer");
              }
              const int64_t hour = HourOf(v.i);
              if (hour != last && run > 0) fn(db, m, last, run);
              if (hour != last) run = 0;
              ++run;
              last = hour;
            }
            if (run > 0) fn(db, m, last, run);
          }
        } else {
          ARC_RETURN_IF_ERROR(r.Skip());
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status ScanPayloadHours(std::string_view payload, const PayloadHourFn& fn) {
  if (IsColumnarPayload(payload)) return ScanColumnarHours(payload, fn);
  return AsCorruption(ScanHours(payload, fn));
}

PayloadSummary DescribePayload(std::string_view payload) {
  PayloadSummary out;
  std::set<std::string> measurements;
  const Status st = ScanPayloadHours(payload, [&](std::string_view db, std::string_view m, int64_t, size_t rows) {
    out.database = std::string(db);
    measurements.insert(std::string(m));
    out.rows += rows;
  });
  out.readable = st.ok();
  out.measurements.assign(measurements.begin(), measurements.end());
  return out;
}

}  // namespace arc
