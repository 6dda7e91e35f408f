#include "storage/thrift_compact.h"

namespace arc {

void ThriftWriter::EndStruct() {
  out_->push_back('\0');
  last_id_.pop_back();
}

void ThriftWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

// A short header (delta from the previous id in the high nibble) when the id rises by 1–15,
// else the type byte and the id as a zigzag varint.
void ThriftWriter::FieldHeader(int16_t id, ThriftType type) {
  const int delta = id - last_id_.back();
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    Varint(ZigZag(id));
  }
  last_id_.back() = id;
}

void ThriftWriter::I32Field(int16_t id, int32_t v) {
  FieldHeader(id, ThriftType::kI32);
  Varint(ZigZag(v));
}

void ThriftWriter::I64Field(int16_t id, int64_t v) {
  FieldHeader(id, ThriftType::kI64);
  Varint(ZigZag(v));
}

void ThriftWriter::BoolField(int16_t id, bool v) {
  FieldHeader(id, v ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void ThriftWriter::BinaryField(int16_t id, std::string_view v) {
  FieldHeader(id, ThriftType::kBinary);
  Binary(v);
}

void ThriftWriter::Binary(std::string_view v) {
  Varint(v.size());
  out_->append(v.data(), v.size());
}

void ThriftWriter::StructField(int16_t id) {
  FieldHeader(id, ThriftType::kStruct);
  BeginStruct();
}

void ThriftWriter::ListField(int16_t id, ThriftType element, uint32_t size) {
  FieldHeader(id, ThriftType::kList);
  const uint8_t elem = static_cast<uint8_t>(element);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | elem));
  } else {
    out_->push_back(static_cast<char>(0xf0 | elem));
    Varint(size);
  }
}

}  // namespace arc
