#include "ingest/validate.h"

#include <cstring>
#include <string>

namespace arc {
namespace {

std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || u >= 0x80) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return "\"" + out + (s.size() > 64 ? "...\"" : "\"");
}

bool IsAscii(std::string_view s) {
  // Eight bytes at a time: almost every tag value and field string is plain ASCII.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ull) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  }
  return true;
}

// True when every byte is in 0x01..0x7f: ASCII without NUL, what almost every tag value is.
bool IsAsciiWithoutNul(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    // (word - kOnes) & ~word has a byte's high bit set where that byte is zero (the classic
    // has-zero-byte test); `word & kHighs` where it is 0x80 or more.
    if (((word - kOnes) & ~word & kHighs) != 0 || (word & kHighs) != 0) return false;
  }
  for (; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u == 0 || u >= 0x80) return false;
  }
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  if (IsAscii(text)) return true;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    uint32_t cp = 0, min = 0;
    if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07, min = 0x10000;
    else return false;
    if (end - p <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

Status ValidateTime(int64_t time_us) {
  if (time_us >= kMinTimeUs && time_us <= kMaxTimeUs) return Status::OK();
  return Status::InvalidArgument("timestamp " + std::to_string(time_us) +
                                 " µs is outside the supported range 1677-09-21T00:12:43Z .. "
                                 "2262-04-11T23:47:16Z");
}

Status ValidateColumnName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty key");
  if (name.size() > kMaxColumnNameBytes) {
    return Status::InvalidArgument("key " + Shown(name) + " is longer than " +
                                   std::to_string(kMaxColumnNameBytes) + " bytes");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument("key " + Shown(name) + " contains a control character");
    }
  }
  if (!IsValidUtf8(name)) return Status::InvalidArgument("key " + Shown(name) + " is not valid UTF-8");
  if (name.size() == 4 && (name[0] | 0x20) == 't' && (name[1] | 0x20) == 'i' &&
      (name[2] | 0x20) == 'm' && (name[3] | 0x20) == 'e') {
    return Status::InvalidArgument("key " + Shown(name) + " is reserved for the timestamp (in any case)");
  }
  return Status::OK();
}

Status ValidateTagValue(std::string_view value) {
  if (IsAsciiWithoutNul(value)) return Status::OK();  // one pass for the common case
  if (!IsValidUtf8(value)) return Status::InvalidArgument("tag value " + Shown(value) + " is not valid UTF-8");
  if (value.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("tag value " + Shown(value) + " contains NUL");
  }
  return Status::OK();
}

Status ValidateStringField(std::string_view value) {
  if (!IsValidUtf8(value)) return Status::InvalidArgument("string value " + Shown(value) + " is not valid UTF-8");
  return Status::OK();
}

}  // namespace arc
