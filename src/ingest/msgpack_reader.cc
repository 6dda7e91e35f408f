#include "ingest/msgpack_reader.h"

#include <cstring>

namespace arc {

const char* MsgTypeName(MsgType t) {
  switch (t) {
    case MsgType::kNil: return "nil";
    case MsgType::kBool: return "bool";
    case MsgType::kInt:
    case MsgType::kUint: return "integer";
    case MsgType::kFloat: return "float";
    case MsgType::kString: return "string";
    case MsgType::kBinary: return "binary";
    case MsgType::kArray: return "array";
    case MsgType::kMap: return "map";
    case MsgType::kExt: return "ext";
  }
  return "?";
}

Status MsgpackReader::Need(size_t n) const {
  if (Remaining() < n) return Status::InvalidArgument("truncated MessagePack data");
  return Status::OK();
}

template <typename T>
T MsgpackReader::ReadBE() {
  T v;
  std::memcpy(&v, p_, sizeof(T));
  p_ += sizeof(T);
  if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
  if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(v));
  if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(v));
  return v;
}

Status MsgpackReader::ReadStr(size_t len, MsgValue* v, MsgType type) {
  ARC_RETURN_IF_ERROR(Need(len));
  v->type = type;
  v->str = std::string_view(reinterpret_cast<const char*>(p_), len);
  v->length = static_cast<uint32_t>(len);
  p_ += len;
  return Status::OK();
}

Status MsgpackReader::Next(MsgValue* v) {
  ARC_RETURN_IF_ERROR(Need(1));
  const uint8_t tag = *p_++;
  auto sized = [&](size_t n) { return Need(n); };
  if (tag <= 0x7f) {
    v->type = MsgType::kInt;
    v->i = tag;
    return Status::OK();
  }
  if (tag >= 0xe0) {
    v->type = MsgType::kInt;
    v->i = static_cast<int8_t>(tag);
    return Status::OK();
  }
  if ((tag & 0xe0) == 0xa0) return ReadStr(tag & 0x1f, v, MsgType::kString);
  if ((tag & 0xf0) == 0x90) {
    v->type = MsgType::kArray;
    v->length = tag & 0x0f;
    return Status::OK();
  }
  if ((tag & 0xf0) == 0x80) {
    v->type = MsgType::kMap;
    v->length = tag & 0x0f;
    return Status::OK();
  }
  switch (tag) {
    case 0xc0: v->type = MsgType::kNil; return Status::OK();
    case 0xc2: case 0xc3: v->type = MsgType::kBool; v->b = tag == 0xc3; return Status::OK();
    case 0xcc: ARC_RETURN_IF_ERROR(sized(1)); v->type = MsgType::kInt; v->i = ReadBE<uint8_t>(); return Status::OK();
    case 0xcd: ARC_RETURN_IF_ERROR(sized(2)); v->type = MsgType::kInt; v->i = ReadBE<uint16_t>(); return Status::OK();
    case 0xce: ARC_RETURN_IF_ERROR(sized(4)); v->type = MsgType::kInt; v->i = ReadBE<uint32_t>(); return Status::OK();
    case 0xcf: {
      ARC_RETURN_IF_ERROR(sized(8));
      const uint64_t u = ReadBE<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        v->type = MsgType::kUint;
        v->u = u;
      } else {
        v->type = MsgType::kInt;
        v->i = static_cast<int64_t>(u);
      }
      return Status::OK();
    }
    case 0xd0: ARC_RETURN_IF_ERROR(sized(1)); v->type = MsgType::kInt; v->i = static_cast<int8_t>(ReadBE<uint8_t>()); return Status::OK();
    case 0xd1: ARC_RETURN_IF_ERROR(sized(2)); v->type = MsgType::kInt; v->i = static_cast<int16_t>(ReadBE<uint16_t>()); return Status::OK();
    case 0xd2: ARC_RETURN_IF_ERROR(sized(4)); v->type = MsgType::kInt; v->i = static_cast<int32_t>(ReadBE<uint32_t>()); return Status::OK();
    case 0xd3: ARC_RETURN_IF_ERROR(sized(8)); v->type = MsgType::kInt; v->i = static_cast<int64_t>(ReadBE<uint64_t>()); return Status::OK();
    case 0xca: {
      ARC_RETURN_IF_ERROR(sized(4));
      const uint32_t bits = ReadBE<uint32_t>();
      float f;
      std::memcpy(&f, &bits, 4);
      v->type = MsgType::kFloat;
      v->d = f;
      return Status::OK();
    }
    case 0xcb: {
      ARC_RETURN_IF_ERROR(sized(8));
      const uint64_t bits = ReadBE<uint64_t>();
      std::memcpy(&v->d, &bits, 8);
      v->type = MsgType::kFloat;
      return Status::OK();
    }
    case 0xd9: ARC_RETURN_IF_ERROR(sized(1)); return ReadStr(ReadBE<uint8_t>(), v, MsgType::kString);
    case 0xda: ARC_RETURN_IF_ERROR(sized(2)); return ReadStr(ReadBE<uint16_t>(), v, MsgType::kString);
    case 0xdb: ARC_RETURN_IF_ERROR(sized(4)); return ReadStr(ReadBE<uint32_t>(), v, MsgType::kString);
    case 0xc4: ARC_RETURN_IF_ERROR(sized(1)); return ReadStr(ReadBE<uint8_t>(), v, MsgType::kBinary);
    case 0xc5: ARC_RETURN_IF_ERROR(sized(2)); return ReadStr(ReadBE<uint16_t>(), v, MsgType::kBinary);
    case 0xc6: ARC_RETURN_IF_ERROR(sized(4)); return ReadStr(ReadBE<uint32_t>(), v, MsgType::kBinary);
    case 0xdc: ARC_RETURN_IF_ERROR(sized(2)); v->type = MsgType::kArray; v->length = ReadBE<uint16_t>(); return Status::OK();
    case 0xdd: ARC_RETURN_IF_ERROR(sized(4)); v->type = MsgType::kArray; v->length = ReadBE<uint32_t>(); return Status::OK();
    case 0xde: ARC_RETURN_IF_ERROR(sized(2)); v->type = MsgType::kMap; v->length = ReadBE<uint16_t>(); return Status::OK();
    case 0xdf: ARC_RETURN_IF_ERROR(sized(4)); v->type = MsgType::kMap; v->length = ReadBE<uint32_t>(); return Status::OK();
    case 0xd4: return ReadStr(2, v, MsgType::kExt);
    case 0xd5: return ReadStr(3, v, MsgType::kExt);
    case 0xd6: return ReadStr(5, v, MsgType::kExt);
    case 0xd7: return ReadStr(9, v, MsgType::kExt);
    case 0xd8: return ReadStr(17, v, MsgType::kExt);
    case 0xc7: ARC_RETURN_IF_ERROR(sized(1)); return ReadStr(ReadBE<uint8_t>() + 1u, v, MsgType::kExt);
    case 0xc8: ARC_RETURN_IF_ERROR(sized(2)); return ReadStr(ReadBE<uint16_t>() + 1u, v, MsgType::kExt);
    case 0xc9: ARC_RETURN_IF_ERROR(sized(4)); return ReadStr(ReadBE<uint32_t>() + size_t{1}, v, MsgType::kExt);
    default: return Status::InvalidArgument("invalid MessagePack type byte 0xc1");
  }
}

size_t MsgpackReader::ReadFloat64Run(double* out, size_t max) {
  size_t n = 0;
  while (n < max && Remaining() >= 9 && *p_ == 0xcb) {
    ++p_;
    const uint64_t bits = ReadBE<uint64_t>();
    std::memcpy(&out[n++], &bits, 8);
  }
  return n;
}

size_t MsgpackReader::ReadIntRun(int64_t* out, size_t max) {
  size_t n = 0;
  for (; n < max && p_ < end_; ++n) {
    const uint8_t tag = *p_;
    if (tag <= 0x7f || tag >= 0xe0) {
      out[n] = static_cast<int8_t>(tag);
      if (tag <= 0x7f) out[n] = tag;
      ++p_;
      continue;
    }
    // Width of the fixed-size integer forms; anything else ends the run.
    size_t width = 0;
    switch (tag) {
      case 0xcc: case 0xd0: width = 1; break;
      case 0xcd: case 0xd1: width = 2; break;
      case 0xce: case 0xd2: width = 4; break;
      case 0xcf: case 0xd3: width = 8; break;
      default: return n;
    }
    if (Remaining() < 1 + width) return n;
    const uint8_t* at = p_;
    ++p_;
    switch (tag) {
      case 0xcc: out[n] = ReadBE<uint8_t>(); break;
      case 0xcd: out[n] = ReadBE<uint16_t>(); break;
      case 0xce: out[n] = ReadBE<uint32_t>(); break;
      case 0xd0: out[n] = static_cast<int8_t>(ReadBE<uint8_t>()); break;
      case 0xd1: out[n] = static_cast<int16_t>(ReadBE<uint16_t>()); break;
      case 0xd2: out[n] = static_cast<int32_t>(ReadBE<uint32_t>()); break;
      case 0xd3: out[n] = static_cast<int64_t>(ReadBE<uint64_t>()); break;
      case 0xcf: {
        const uint64_t u = ReadBE<uint64_t>();
        if (u > static_cast<uint64_t>(INT64_MAX)) {
          p_ = at;  // out of int64's range: Next() reports it as kUint
          return n;
        }
        out[n] = static_cast<int64_t>(u);
        break;
      }
    }
  }
  return n;
}

// Steps over the leading elements of an array of `count` that are 9-byte int64/float64
// values (how dense numeric columns are written) and returns how many elements remain.
uint64_t MsgpackReader::SkipFixed9(uint64_t count) {
  while (count > 0 && Remaining() >= 9 && (*p_ == 0xcb || *p_ == 0xd3)) {
    p_ += 9;
    --count;
  }
  return count;
}

// Iterative and header-only: scalars and strings are stepped over by their sizes, containers
// add their element counts to `pending`. Each element consumes at least one byte, so
// truncated or hostile counts end in a "truncated" error, not a long loop.
Status MsgpackReader::Skip() {
  uint64_t pending = 1;
  while (pending > 0) {
    --pending;
    ARC_RETURN_IF_ERROR(Need(1));
    const uint8_t tag = *p_++;
    size_t len = 0;
    if (tag <= 0x7f || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3) continue;
    if ((tag & 0xe0) == 0xa0) {
      len = tag & 0x1f;
    } else if ((tag & 0xf0) == 0x90) {
      pending += SkipFixed9(tag & 0x0fu);
      continue;
    } else if ((tag & 0xf0) == 0x80) {
      pending += 2u * (tag & 0x0f);
      continue;
    } else {
      switch (tag) {
        case 0xcc: case 0xd0: len = 1; break;
        case 0xcd: case 0xd1: len = 2; break;
        case 0xce: case 0xd2: case 0xca: len = 4; break;
        case 0xcf: case 0xd3: case 0xcb: len = 8; break;
        case 0xd4: len = 2; break;
        case 0xd5: len = 3; break;
        case 0xd6: len = 5; break;
        case 0xd7: len = 9; break;
        case 0xd8: len = 17; break;
        case 0xc4: case 0xd9: ARC_RETURN_IF_ERROR(Need(1)); len = ReadBE<uint8_t>(); break;
        case 0xc5: case 0xda: ARC_RETURN_IF_ERROR(Need(2)); len = ReadBE<uint16_t>(); break;
        case 0xc6: case 0xdb: ARC_RETURN_IF_ERROR(Need(4)); len = ReadBE<uint32_t>(); break;
        case 0xc7: ARC_RETURN_IF_ERROR(Need(1)); len = ReadBE<uint8_t>() + 1u; break;
        case 0xc8: ARC_RETURN_IF_ERROR(Need(2)); len = ReadBE<uint16_t>() + 1u; break;
        case 0xc9: ARC_RETURN_IF_ERROR(Need(4)); len = ReadBE<uint32_t>() + size_t{1}; break;
        case 0xdc: ARC_RETURN_IF_ERROR(Need(2)); pending += SkipFixed9(ReadBE<uint16_t>()); continue;
        case 0xdd: ARC_RETURN_IF_ERROR(Need(4)); pending += SkipFixed9(ReadBE<uint32_t>()); continue;
        case 0xde: ARC_RETURN_IF_ERROR(Need(2)); pending += 2u * ReadBE<uint16_t>(); continue;
        case 0xdf: ARC_RETURN_IF_ERROR(Need(4)); pending += 2ull * ReadBE<uint32_t>(); continue;
        default: return Status::InvalidArgument("invalid MessagePack type byte 0xc1");
      }
    }
    ARC_RETURN_IF_ERROR(Need(len));
    p_ += len;
  }
  return Status::OK();
}

}  // namespace arc
