#include "ingest/columnar_codec.h"

#include <bit>
#include <cassert>
#include <cstring>

#include "ingest/names.h"
#include "ingest/time_units.h"
#include "ingest/validate.h"

namespace arc {
namespace {

// Values are copied in and out as they lie in memory; the format is little-endian.
static_assert(std::endian::native == std::endian::little, "columnar payloads assume little-endian");

enum WireType : uint8_t { kWireInt64 = 1, kWireDouble = 2, kWireString = 3, kWireBool = 4 };
constexpr uint8_t kFlagTag = 1;
constexpr uint8_t kFlagValidity = 2;

uint8_t WireTypeOf(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64: return kWireInt64;
    case ColumnType::kDouble: return kWireDouble;
    case ColumnType::kString: return kWireString;
    case ColumnType::kBool: return kWireBool;
  }
  return 0;
}

size_t ValueBytes(const Column& c) {
  switch (c.type()) {
    case ColumnType::kInt64:
    case ColumnType::kDouble: return 8 * c.size();
    case ColumnType::kBool: return c.size();
    case ColumnType::kString: return 4 * c.size() + c.string_data().size();
  }
  return 0;
}

size_t EncodedBytes(const Batch& b) {
  size_t n = 4 + b.measurement.size() + 4 + 4 + 8 * b.rows();
  for (const Column& c : b.columns) n += 4 + c.name().size() + 2 + c.validity().size() + ValueBytes(c);
  return n;
}

// Appends into a buffer sized beforehand (EncodedBytes), so no write checks for room.
class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  void U8(uint8_t v) { *p_++ = static_cast<char>(v); }
  void U32(size_t v) {
    const auto u = static_cast<uint32_t>(v);
    Raw(&u, 4);
  }
  void Str(std::string_view s) {
    U32(s.size());
    Raw(s.data(), s.size());
  }
  void Raw(const void* data, size_t n) {
    if (n > 0) std::memcpy(p_, data, n);
    p_ += n;
  }
  char* end() const { return p_; }

 private:
  char* p_;
};

void EncodeColumn(const Column& c, Writer* w) {
  w->Str(c.name());
  w->U8(WireTypeOf(c.type()));
  w->U8((c.is_tag() ? kFlagTag : 0) | (c.has_nulls() ? kFlagValidity : 0));
  w->Raw(c.validity().data(), c.validity().size());
  switch (c.type()) {
    case ColumnType::kInt64: return w->Raw(c.ints().data(), 8 * c.size());
    case ColumnType::kDouble: return w->Raw(c.doubles().data(), 8 * c.size());
    case ColumnType::kBool: return w->Raw(c.bools().data(), c.size());
    case ColumnType::kString:
      w->Raw(c.string_ends().data(), 4 * c.size());
      return w->Raw(c.string_data().data(), c.string_data().size());
  }
}

void EncodeBatch(const Batch& b, Writer* w) {
  w->Str(b.measurement);
  w->U32(b.rows());
  w->U32(b.columns.size());
  w->Raw(b.time_us.data(), 8 * b.rows());
  for (const Column& c : b.columns) EncodeColumn(c, w);
}

bool Aligned(const BatchSet& set) {
  for (const Batch& b : set.batches()) {
    for (const Column& c : b.columns) {
      if (c.size() != b.rows()) return false;
    }
  }
  return true;
}

// A copy of `set` whose every column holds exactly its batch's rows: padded with nulls, or cut.
// The decoders keep columns aligned; a batch assembled by hand (a test, a future bug) may not
// be, and the layout has no per-column count to carry that.
BatchSet AlignedCopy(const BatchSet& set) {
  BatchSet copy(set.database());
  copy.batches() = set.batches();
  for (Batch& b : copy.batches()) {
    for (Column& c : b.columns) {
      while (c.size() > b.rows()) c.PopBack();
      c.AppendNulls(b.rows() - c.size());
    }
  }
  return copy;
}

Status Corrupt(const std::string& what) { return Status::Corruption("columnar payload: " + what); }

// Reads the layout front to back; every read checks the bytes left first, so a length field
// can never make a vector larger than the payload.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  Status Raw(size_t n, std::string_view* out, const char* what) {
    if (n > in_.size() - pos_) return Corrupt(std::string(what) + " runs past the end");
    *out = in_.substr(pos_, n);
    pos_ += n;
    return Status::OK();
  }
  Status U8(uint8_t* v, const char* what) {
    std::string_view b;
    ARC_RETURN_IF_ERROR(Raw(1, &b, what));
    *v = static_cast<uint8_t>(b[0]);
    return Status::OK();
  }
  Status U32(uint32_t* v, const char* what) {
    std::string_view b;
    ARC_RETURN_IF_ERROR(Raw(4, &b, what));
    std::memcpy(v, b.data(), 4);
    return Status::OK();
  }
  Status Str(std::string_view* s, const char* what) {
    uint32_t n = 0;
    ARC_RETURN_IF_ERROR(U32(&n, what));
    return Raw(n, s, what);
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

template <typename T>
std::vector<T> CopyOut(std::string_view bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

Status ReadHeader(Reader* r, std::string_view* db, uint32_t* batches) {
  uint8_t magic = 0, version = 0;
  ARC_RETURN_IF_ERROR(r->U8(&magic, "magic"));
  if (magic != kColumnarMagic) return Corrupt("does not start with 0xC1");
  ARC_RETURN_IF_ERROR(r->U8(&version, "version"));
  if (version != kColumnarVersion) return Corrupt("unknown version " + std::to_string(version));
  ARC_RETURN_IF_ERROR(r->Str(db, "database name"));
  return r->U32(batches, "batch count");
}

Status ReadColumnHead(Reader* r, std::string_view* name, ColumnType* type, uint8_t* flags) {
  uint8_t wire = 0;
  ARC_RETURN_IF_ERROR(r->Str(name, "column name"));
  ARC_RETURN_IF_ERROR(r->U8(&wire, "column type"));
  ARC_RETURN_IF_ERROR(r->U8(flags, "column flags"));
  switch (wire) {
    case kWireInt64: *type = ColumnType::kInt64; break;
    case kWireDouble: *type = ColumnType::kDouble; break;
    case kWireString: *type = ColumnType::kString; break;
    case kWireBool: *type = ColumnType::kBool; break;
    default: return Corrupt("unknown column type " + std::to_string(wire));
  }
  if ((*flags & ~(kFlagTag | kFlagValidity)) != 0) return Corrupt("unknown column flags " + std::to_string(*flags));
  return Status::OK();
}

// The value bytes of a column of `type` and `rows`; for strings, the end offsets then the bytes
// they cover (the last end says how many).
Status ReadValues(Reader* r, ColumnType type, size_t rows, std::string_view* values,
                  std::string_view* string_bytes) {
  const size_t width = type == ColumnType::kBool ? 1 : type == ColumnType::kString ? 4 : 8;
  ARC_RETURN_IF_ERROR(r->Raw(width * rows, values, "column values"));
  if (type != ColumnType::kString || rows == 0) return Status::OK();
  uint32_t last = 0;
  std::memcpy(&last, values->data() + 4 * (rows - 1), 4);
  return r->Raw(last, string_bytes, "column string bytes");
}

Result<Column> ReadColumn(Reader* r, size_t rows) {
  std::string_view name, validity, values, string_bytes;
  ColumnType type = ColumnType::kInt64;
  uint8_t flags = 0;
  ARC_RETURN_IF_ERROR(ReadColumnHead(r, &name, &type, &flags));
  if ((flags & kFlagValidity) != 0) ARC_RETURN_IF_ERROR(r->Raw(rows, &validity, "column validity"));
  ARC_RETURN_IF_ERROR(ReadValues(r, type, rows, &values, &string_bytes));
  Column::Parts parts;
  parts.validity = CopyOut<uint8_t>(validity);
  switch (type) {
    case ColumnType::kInt64: parts.ints = CopyOut<int64_t>(values); break;
    case ColumnType::kDouble: parts.doubles = CopyOut<double>(values); break;
    case ColumnType::kBool: parts.bools = CopyOut<uint8_t>(values); break;
    case ColumnType::kString:
      parts.string_ends = CopyOut<uint32_t>(values);
      parts.string_data = std::string(string_bytes);
      break;
  }
  Result<Column> c = Column::FromParts(std::string(name), type, (flags & kFlagTag) != 0, rows, std::move(parts));
  if (!c.ok()) return Corrupt("column \"" + std::string(name) + "\": " + c.status().message());
  return c;
}

// What the write path guaranteed before logging, checked again: a payload is trusted no more
// than a request body (a damaged file can pass a CRC only by chance, a hand-made one always).
Status CheckValues(const Column& c) {
  size_t valid = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c.IsValid(i)) continue;
    ++valid;
    if (c.type() != ColumnType::kString) continue;
    const std::string_view s = c.StringAt(i);
    ARC_RETURN_IF_ERROR(c.is_tag() ? ValidateTagValue(s) : ValidateStringField(s));
  }
  return valid > 0 ? Status::OK() : Status::InvalidArgument("holds only nulls");
}

Status CheckBatch(const Batch& b) {
  ARC_RETURN_IF_ERROR(ValidateMeasurementName(b.measurement));
  if (b.rows() == 0) return Status::InvalidArgument("no rows");
  for (int64_t t : b.time_us) ARC_RETURN_IF_ERROR(ValidateTime(t));
  for (size_t i = 0; i < b.columns.size(); ++i) {
    const Column& c = b.columns[i];
    Status st = ValidateColumnName(c.name());
    if (st.ok() && b.FindColumnIgnoringCase(c.name()) != static_cast<int>(i)) {
      st = Status::InvalidArgument("a second column of that name");
    }
    if (st.ok()) st = CheckValues(c);
    if (!st.ok()) return Status::InvalidArgument("column \"" + c.name() + "\": " + st.message());
  }
  return Status::OK();
}

// A batch's measurement, counts and time bytes, read by both the decoder and the hour scan.
struct BatchHead {
  std::string_view measurement, times;
  uint32_t rows = 0, columns = 0;
};

Status ReadBatchHead(Reader* r, BatchHead* h) {
  ARC_RETURN_IF_ERROR(r->Str(&h->measurement, "measurement name"));
  ARC_RETURN_IF_ERROR(r->U32(&h->rows, "row count"));
  ARC_RETURN_IF_ERROR(r->U32(&h->columns, "column count"));
  return r->Raw(8 * static_cast<size_t>(h->rows), &h->times, "time column");
}

Status ReadBatch(Reader* r, const std::string& db, Batch* b) {
  BatchHead h;
  ARC_RETURN_IF_ERROR(ReadBatchHead(r, &h));
  const std::string_view m = h.measurement, times = h.times;
  const uint32_t rows = h.rows, columns = h.columns;
  b->database = db;
  b->measurement = std::string(m);
  b->time_us = CopyOut<int64_t>(times);
  for (uint32_t i = 0; i < columns; ++i) {
    ARC_ASSIGN_OR_RETURN(Column c, ReadColumn(r, rows));
    b->columns.push_back(std::move(c));
  }
  const Status st = CheckBatch(*b);
  return st.ok() ? st : Corrupt("measurement \"" + b->measurement + "\": " + st.message());
}

Status Decode(std::string_view payload, std::unique_ptr<BatchSet>* out) {
  Reader r(payload);
  std::string_view db;
  uint32_t batches = 0;
  ARC_RETURN_IF_ERROR(ReadHeader(&r, &db, &batches));
  if (!ValidateDatabaseName(db).ok()) return Corrupt("invalid database name");
  auto set = std::make_unique<BatchSet>(std::string(db));
  // Several batches may share a measurement: the query path ships a measurement's buffered
  // batches this way, kept apart (a FlushView reads them as they are).
  for (uint32_t i = 0; i < batches; ++i) {
    Batch b;
    ARC_RETURN_IF_ERROR(ReadBatch(&r, set->database(), &b));
    set->batches().push_back(std::move(b));
  }
  if (!r.AtEnd()) return Corrupt("bytes after the last batch");
  *out = std::move(set);
  return Status::OK();
}

// Skips one column after its head, reading only the lengths needed to find the next.
Status SkipColumn(Reader* r, size_t rows) {
  std::string_view name, skipped, values, string_bytes;
  ColumnType type = ColumnType::kInt64;
  uint8_t flags = 0;
  ARC_RETURN_IF_ERROR(ReadColumnHead(r, &name, &type, &flags));
  if ((flags & kFlagValidity) != 0) ARC_RETURN_IF_ERROR(r->Raw(rows, &skipped, "column validity"));
  return ReadValues(r, type, rows, &values, &string_bytes);
}

Status ScanBatchHours(Reader* r, std::string_view db, const ColumnarHourFn& fn) {
  BatchHead h;
  ARC_RETURN_IF_ERROR(ReadBatchHead(r, &h));
  const std::string_view m = h.measurement, times = h.times;
  const uint32_t rows = h.rows, columns = h.columns;
  int64_t last_hour = 0;
  size_t run = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    int64_t t = 0;
    std::memcpy(&t, times.data() + 8 * static_cast<size_t>(i), 8);
    // HourOf would overflow on INT64_MIN; DecodeColumnar refuses such a payload too.
    if (!ValidateTime(t).ok()) return Corrupt("a time is out of range");
    const int64_t hour = HourOf(t);
    if (run > 0 && hour != last_hour) {
      fn(db, m, last_hour, run);
      run = 0;
    }
    last_hour = hour;
    ++run;
  }
  if (run > 0) fn(db, m, last_hour, run);
  for (uint32_t i = 0; i < columns; ++i) ARC_RETURN_IF_ERROR(SkipColumn(r, rows));
  return Status::OK();
}

}  // namespace

bool IsColumnarPayload(std::string_view payload) {
  return !payload.empty() && static_cast<uint8_t>(payload[0]) == kColumnarMagic;
}

ColumnarEncoder::ColumnarEncoder(const BatchSet& set) : set_(&set) {
  if (!Aligned(set)) {
    aligned_ = std::make_unique<BatchSet>(AlignedCopy(set));
    set_ = aligned_.get();
  }
  size_ = 2 + 4 + set_->database().size() + 4;
  for (const Batch& b : set_->batches()) size_ += EncodedBytes(b);
}

void ColumnarEncoder::EncodeTo(char* out) const {
  Writer w(out);
  w.U8(kColumnarMagic);
  w.U8(kColumnarVersion);
  w.Str(set_->database());
  w.U32(set_->batches().size());
  for (const Batch& b : set_->batches()) EncodeBatch(b, &w);
  assert(w.end() == out + size_);
}

std::string EncodeColumnar(const BatchSet& set) {
  const ColumnarEncoder encoder(set);
  std::string out(encoder.size(), '\0');
  encoder.EncodeTo(out.data());
  return out;
}

Status DecodeColumnar(std::string_view payload, std::unique_ptr<BatchSet>* out) {
  return Decode(payload, out);
}

Status ScanColumnarHours(std::string_view payload, const ColumnarHourFn& fn) {
  Reader r(payload);
  std::string_view db;
  uint32_t batches = 0;
  ARC_RETURN_IF_ERROR(ReadHeader(&r, &db, &batches));
  for (uint32_t i = 0; i < batches; ++i) ARC_RETURN_IF_ERROR(ScanBatchHours(&r, db, fn));
  return r.AtEnd() ? Status::OK() : Corrupt("bytes after the last batch");
}

}  // namespace arc
