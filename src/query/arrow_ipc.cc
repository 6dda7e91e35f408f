#include "query/arrow_ipc.h"

#include <bit>
#include <cstdio>
#include <cstring>

#include "arrow_format_generated.h"

namespace arc {
namespace {

namespace fb = arrowfmt;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

constexpr uint32_t kContinuation = 0xFFFFFFFFu;

size_t Align8(size_t n) { return (n + 7) & ~size_t{7}; }

void AppendU32(uint32_t v, std::string* out) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only (x86-64, aarch64): IPC is little-endian
  out->append(b, 4);
}

// The encapsulated message: continuation marker, metadata size, the flatbuffer padded so that
// the body that follows starts at a multiple of 8.
void AppendMetadata(const FlatBufferBuilder& b, std::string* out) {
  const size_t size = b.GetSize();
  const size_t padded = Align8(size);
  AppendU32(kContinuation, out);
  AppendU32(static_cast<uint32_t>(padded), out);
  out->append(reinterpret_cast<const char*>(b.GetBufferPointer()), size);
  out->append(padded - size, '\0');
}

std::pair<fb::Type, Offset<void>> TypeOf(FlatBufferBuilder& b, const ArrowColumn& c) {
  switch (c.kind) {
    case ArrowKind::kNull:
      return {fb::Type_Null, fb::CreateNull(b).Union()};
    case ArrowKind::kBool:
      return {fb::Type_Bool, fb::CreateBool(b).Union()};
    case ArrowKind::kInt:
      return {fb::Type_Int, fb::CreateInt(b, c.bit_width, c.is_signed).Union()};
    case ArrowKind::kFloat:
      return {fb::Type_FloatingPoint,
              fb::CreateFloatingPoint(b, c.bit_width == 32 ? fb::Precision_SINGLE : fb::Precision_DOUBLE)
                  .Union()};
    case ArrowKind::kDecimal128:
      return {fb::Type_Decimal, fb::CreateDecimal(b, c.precision, c.scale, 128).Union()};
    case ArrowKind::kUtf8:
      return {fb::Type_Utf8, fb::CreateUtf8(b).Union()};
    case ArrowKind::kBinary:
      return {fb::Type_Binary, fb::CreateBinary(b).Union()};
    case ArrowKind::kDate32:
      return {fb::Type_Date, fb::CreateDate(b, fb::DateUnit_DAY).Union()};
    case ArrowKind::kTimestamp:
      return {fb::Type_Timestamp,
              fb::CreateTimestamp(b, static_cast<fb::TimeUnit>(c.unit), b.CreateString("UTC")).Union()};
  }
  return {fb::Type_Null, fb::CreateNull(b).Union()};
}

// One buffer of a batch's body: where its bytes are (null when empty) and how many.
struct BodyBuffer {
  const void* data;
  int64_t length;
};

// Nulls in the first `length` bits of a validity bitmap (a clear bit is a null).
int64_t CountNulls(const uint8_t* validity, int64_t length) {
  int64_t set = 0;
  int64_t i = 0;
  for (; i + 8 <= length; i += 8) set += std::popcount(static_cast<unsigned>(validity[i / 8]));
  for (; i < length; ++i) set += (validity[i / 8] >> (i % 8)) & 1;
  return length - set;
}

// The node and the buffers of one column of a batch, in Arrow's buffer order.
Status DescribeColumn(const ArrowColumn& c, const ArrowArray& a, std::vector<fb::FieldNode>* nodes,
                      std::vector<BodyBuffer>* buffers) {
  const int64_t n = a.length;
  if (a.offset != 0) return Status::InvalidArgument("column \"" + c.name + "\": sliced arrays are not encoded");
  if (c.kind == ArrowKind::kNull) {
    nodes->emplace_back(n, n);
    return Status::OK();
  }
  const int64_t wanted = (c.kind == ArrowKind::kUtf8 || c.kind == ArrowKind::kBinary) ? 3 : 2;
  if (a.n_buffers < wanted || a.buffers == nullptr)
    return Status::InvalidArgument("column \"" + c.name + "\": the array has too few buffers");
  const auto* validity = static_cast<const uint8_t*>(a.buffers[0]);
  int64_t nulls = validity == nullptr ? 0 : a.null_count;
  if (nulls < 0) nulls = CountNulls(validity, n);  // -1: the producer did not count them
  nodes->emplace_back(n, nulls);
  buffers->push_back({nulls > 0 ? validity : nullptr, nulls > 0 ? (n + 7) / 8 : 0});
  switch (c.kind) {
    case ArrowKind::kBool:
      buffers->push_back({a.buffers[1], (n + 7) / 8});
      break;
    case ArrowKind::kInt:
    case ArrowKind::kFloat:
      buffers->push_back({a.buffers[1], n * (c.bit_width / 8)});
      break;
    case ArrowKind::kDecimal128:
      buffers->push_back({a.buffers[1], n * 16});
      break;
    case ArrowKind::kDate32:
      buffers->push_back({a.buffers[1], n * 4});
      break;
    case ArrowKind::kTimestamp:
      buffers->push_back({a.buffers[1], n * 8});
      break;
    case ArrowKind::kUtf8:
    case ArrowKind::kBinary: {
      const auto* offsets = static_cast<const int32_t*>(a.buffers[1]);
      // The offsets go out as they are, so they must start at the data buffer's first byte.
      if ((offsets == nullptr && n > 0) || (offsets != nullptr && offsets[0] != 0))
        return Status::InvalidArgument("column \"" + c.name + "\": unexpected string offsets");
      buffers->push_back({offsets, offsets == nullptr ? 0 : (n + 1) * 4});
      buffers->push_back({a.buffers[2], offsets == nullptr ? 0 : offsets[n]});
      break;
    }
    case ArrowKind::kNull:
      break;
  }
  return Status::OK();
}

}  // namespace

Result<ArrowColumn> ParseArrowColumn(const std::string& name, std::string_view f) {
  ArrowColumn c;
  c.name = name;
  auto integer = [&](int bits, bool is_signed) {
    c.kind = ArrowKind::kInt;
    c.bit_width = bits;
    c.is_signed = is_signed;
    return c;
  };
  if (f == "n") return c;
  if (f == "b") return c.kind = ArrowKind::kBool, c;
  if (f == "c") return integer(8, true);
  if (f == "C") return integer(8, false);
  if (f == "s") return integer(16, true);
  if (f == "S") return integer(16, false);
  if (f == "i") return integer(32, true);
  if (f == "I") return integer(32, false);
  if (f == "l") return integer(64, true);
  if (f == "L") return integer(64, false);
  if (f == "f" || f == "g") {
    c.kind = ArrowKind::kFloat;
    c.bit_width = f == "f" ? 32 : 64;
    return c;
  }
  // "d:precision,scale" (128-bit) or "d:precision,scale,128".
  if (f.size() > 2 && f.substr(0, 2) == "d:") {
    int precision = 0, scale = 0, width = 128;
    const std::string spec(f.substr(2));
    const int got = std::sscanf(spec.c_str(), "%d,%d,%d", &precision, &scale, &width);
    if (got >= 2 && width == 128 && precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision) {
      c.kind = ArrowKind::kDecimal128;
      c.precision = precision;
      c.scale = scale;
      return c;
    }
  }
  if (f == "u") return c.kind = ArrowKind::kUtf8, c;
  if (f == "z") return c.kind = ArrowKind::kBinary, c;
  if (f == "tdD") return c.kind = ArrowKind::kDate32, c;
  // "ts" + unit letter + ":" + time zone (empty or not): Arc's times are UTC either way.
  if (f.size() >= 4 && f.substr(0, 2) == "ts" && f[3] == ':') {
    c.kind = ArrowKind::kTimestamp;
    switch (f[2]) {
      case 's': c.unit = ArrowTimeUnit::kSecond; return c;
      case 'm': c.unit = ArrowTimeUnit::kMilli; return c;
      case 'u': c.unit = ArrowTimeUnit::kMicro; return c;
      case 'n': c.unit = ArrowTimeUnit::kNano; return c;
      default: break;
    }
  }
  return Status::InvalidArgument("column \"" + name + "\" has the Arrow type \"" + std::string(f) +
                                 "\", which the Arrow answer does not encode");
}

Result<ArrowIpcEncoder> ArrowIpcEncoder::Create(const ArrowSchema& schema) {
  if (schema.format == nullptr || std::string_view(schema.format) != "+s")
    return Status::InvalidArgument("an Arrow result schema must be a struct of columns");
  std::vector<ArrowColumn> columns;
  for (int64_t i = 0; i < schema.n_children; ++i) {
    const ArrowSchema* child = schema.children[i];
    ARC_ASSIGN_OR_RETURN(ArrowColumn c, ParseArrowColumn(child->name != nullptr ? child->name : "",
                                                         child->format != nullptr ? child->format : ""));
    columns.push_back(std::move(c));
  }
  return ArrowIpcEncoder(std::move(columns));
}

void ArrowIpcEncoder::AppendSchema(std::string* out) const {
  FlatBufferBuilder b(1024);
  std::vector<Offset<fb::Field>> fields;
  for (const ArrowColumn& c : columns_) {
    const auto name = b.CreateString(c.name);
    const auto [type, type_offset] = TypeOf(b, c);
    const auto children = b.CreateVector(std::vector<Offset<fb::Field>>{});
    fields.push_back(fb::CreateField(b, name, true, type, type_offset, 0, children));
  }
  const auto schema = fb::CreateSchema(b, fb::Endianness_Little, b.CreateVector(fields));
  b.Finish(fb::CreateMessage(b, fb::MetadataVersion_V5, fb::MessageHeader_Schema, schema.Union(), 0));
  AppendMetadata(b, out);
}

Status ArrowIpcEncoder::AppendBatch(const ArrowArray& batch, std::string* out) const {
  if (batch.n_children != static_cast<int64_t>(columns_.size()))
    return Status::InvalidArgument("an Arrow batch does not have the schema's columns");
  std::vector<fb::FieldNode> nodes;
  std::vector<BodyBuffer> buffers;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const ArrowArray& child = *batch.children[i];
    if (child.length != batch.length)
      return Status::InvalidArgument("column \"" + columns_[i].name + "\" is not as long as its batch");
    ARC_RETURN_IF_ERROR(DescribeColumn(columns_[i], child, &nodes, &buffers));
  }
  // Every buffer starts at a multiple of 8 in the body.
  std::vector<fb::Buffer> layout;
  int64_t body = 0;
  for (const BodyBuffer& buf : buffers) {
    layout.emplace_back(body, buf.length);
    body += static_cast<int64_t>(Align8(static_cast<size_t>(buf.length)));
  }
  FlatBufferBuilder b(256 + 32 * layout.size());
  const auto record = fb::CreateRecordBatch(b, batch.length, b.CreateVectorOfStructs(nodes),
                                            b.CreateVectorOfStructs(layout));
  b.Finish(fb::CreateMessage(b, fb::MetadataVersion_V5, fb::MessageHeader_RecordBatch, record.Union(), body));
  out->reserve(out->size() + b.GetSize() + 16 + static_cast<size_t>(body));
  AppendMetadata(b, out);
  for (const BodyBuffer& buf : buffers) {
    const size_t len = static_cast<size_t>(buf.length);
    if (len > 0) out->append(static_cast<const char*>(buf.data), len);
    out->append(Align8(len) - len, '\0');
  }
  return Status::OK();
}

std::string_view ArrowIpcEncoder::EndOfStream() {
  static constexpr char kEos[8] = {'\xFF', '\xFF', '\xFF', '\xFF', 0, 0, 0, 0};
  return std::string_view(kEos, 8);
}

}  // namespace arc
