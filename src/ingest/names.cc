#include "ingest/names.h"

#include <string>

namespace arc {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsNameChar(char c) { return IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

Status ValidateName(std::string_view what, std::string_view name, size_t max_len) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("invalid " + std::string(what) + " name \"" +
                                   std::string(name.substr(0, 200)) + "\": " + why);
  };
  if (name.empty()) return fail("must not be empty");
  if (name.size() > max_len) return fail("longer than " + std::to_string(max_len) + " characters");
  if (!IsAsciiLetter(name[0])) return fail("must start with a letter");
  for (char c : name) {
    if (!IsNameChar(c)) return fail("only letters, digits, '_' and '-' are allowed");
  }
  return Status::OK();
}

}  // namespace

Status ValidateDatabaseName(std::string_view name) { return ValidateName("database", name, 64); }
Status ValidateMeasurementName(std::string_view name) {
  return ValidateName("measurement", name, 128);
}

}  // namespace arc
