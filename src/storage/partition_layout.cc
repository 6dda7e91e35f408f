#include "storage/partition_layout.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "common/time_format.h"

namespace arc {
namespace {

// A run of decimal digits as a number; nullopt when `text` is empty or holds anything else.
template <typename T>
std::optional<T> Digits(std::string_view text) {
  T v{};
  const char* end = text.data() + text.size();
  if (text.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text[0] == '-' || text[0] == '+') return std::nullopt;
  return v;
}

// Splits off the text up to the next '/' (or the end) from `rest`.
std::string_view NextPart(std::string_view* rest) {
  const size_t slash = rest->find('/');
  const std::string_view part = rest->substr(0, slash);
  *rest = slash == std::string_view::npos ? std::string_view() : rest->substr(slash + 1);
  return part;
}

}  // namespace

std::string DatabaseCreatedMarker(std::string_view db) {
  return std::string(db) + "/.created";
}

std::string MeasurementDirectory(std::string_view db, std::string_view measurement) {
  return std::string(db) + "/" + std::string(measurement);
}

std::string HourFolder(int64_t hour) {
  const std::time_t secs = static_cast<std::time_t>(hour * 3600);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d/%02d/%02d/%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return buf;
}

std::string HourDirectory(std::string_view db, std::string_view measurement, int64_t hour) {
  return MeasurementDirectory(db, measurement) + "/" + HourFolder(hour);
}

std::string DataFilePath(std::string_view db, std::string_view measurement, int64_t hour,
                         std::string_view stem) {
  return HourDirectory(db, measurement, hour) + "/" + std::string(stem) + ".parquet";
}

std::optional<int64_t> ParseHourFolder(std::string_view year, std::string_view month,
                                       std::string_view day, std::string_view hour) {
  if (year.size() != 4 || month.size() != 2 || day.size() != 2 || hour.size() != 2)
    return std::nullopt;
  const auto y = Digits<int>(year), mo = Digits<int>(month), d = Digits<int>(day),
             h = Digits<int>(hour);
  if (!y || !mo || !d || !h || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23)
    return std::nullopt;
  const int64_t hours = UtcSeconds(*y, *mo, *d, *h) / 3600;
  // 2023/02/31 would normalise to March: only the folder this hour formats to is real.
  if (HourFolder(hours) != std::string(year) + "/" + std::string(month) + "/" + std::string(day) +
                               "/" + std::string(hour)) {
    return std::nullopt;
  }
  return hours;
}

std::optional<PartitionPath> ParsePartitionPath(std::string_view relative_path) {
  std::string_view rest = relative_path;
  PartitionPath out;
  out.database = std::string(NextPart(&rest));
  out.measurement = std::string(NextPart(&rest));
  const std::string_view y = NextPart(&rest), mo = NextPart(&rest), d = NextPart(&rest),
                         h = NextPart(&rest);
  const std::optional<int64_t> hour = ParseHourFolder(y, mo, d, h);
  if (out.database.empty() || out.measurement.empty() || !hour || rest.empty() ||
      rest.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  out.hour = *hour;
  out.file = std::string(rest);
  return out;
}

bool IsParquetFileName(std::string_view name) {
  constexpr std::string_view kExt = ".parquet";
  return name.size() > kExt.size() && name.substr(name.size() - kExt.size()) == kExt;
}

std::string WalFlushStem(int worker, uint64_t first_lsn, uint64_t last_lsn) {
  return "w" + std::to_string(worker) + "-" + std::to_string(first_lsn) + "-" +
         std::to_string(last_lsn);
}

std::string BootFlushStem(uint64_t boot_id, int worker, uint64_t sequence) {
  return "b" + std::to_string(boot_id) + "-w" + std::to_string(worker) + "-" +
         std::to_string(sequence);
}

bool IsValidNodeId(std::string_view node) {
  if (node.empty() || node.size() > 32) return false;
  for (char c : node) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string NodeStem(std::string_view node, std::string_view stem) {
  return node.empty() ? std::string(stem) : std::string(node) + "_" + std::string(stem);
}

std::string_view FileNode(std::string_view file_name) {
  const size_t at = file_name.find('_');
  if (at == std::string_view::npos) return {};
  const std::string_view node = file_name.substr(0, at);
  return IsValidNodeId(node) ? node : std::string_view();
}

std::string_view WithoutNode(std::string_view file_name) {
  const std::string_view node = FileNode(file_name);
  return node.empty() ? file_name : file_name.substr(node.size() + 1);
}

std::optional<WalFlushName> ParseWalFlushName(std::string_view full_name) {
  const std::string_view node = FileNode(full_name);
  const std::string_view name = WithoutNode(full_name);
  if (!IsParquetFileName(name) || name[0] != 'w') return std::nullopt;
  std::string_view rest = name.substr(1, name.size() - 1 - 8);
  const size_t a = rest.find('-');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = rest.find('-', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const auto k = Digits<int>(rest.substr(0, a));
  const auto first = Digits<uint64_t>(rest.substr(a + 1, b - a - 1));
  const auto last = Digits<uint64_t>(rest.substr(b + 1));
  if (!k || !first || !last) return std::nullopt;
  return WalFlushName{std::string(node), *k, *first, *last};
}

}  // namespace arc
