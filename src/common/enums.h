// Typed configuration enums with one name table each (the model is DuckDB's common/enums):
// text is parsed once, when the configuration is loaded, and every layer above compares
// enum values, never strings.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace arc {

// How a WAL append becomes durable before its 204 (wal.sync_mode).
enum class SyncMode { kFsync, kFdatasync, kAsync };
// Where Parquet files are published (storage.backend); kMinio is S3 with path-style requests.
enum class StorageBackend { kLocal, kS3, kMinio };
// Parquet page compression (ingest.compression).
enum class ParquetCompression { kZstd, kSnappy, kGzip, kNone };
enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kConsole, kJson };

// The spellings of an enum's values; the first spelling of a value is its canonical name.
template <typename E>
struct EnumNames;

template <>
struct EnumNames<SyncMode> {
  static constexpr std::array<std::pair<SyncMode, std::string_view>, 3> kNames = {
      {{SyncMode::kFsync, "fsync"},
       {SyncMode::kFdatasync, "fdatasync"},
       {SyncMode::kAsync, "async"}}};
};
template <>
struct EnumNames<StorageBackend> {
  static constexpr std::array<std::pair<StorageBackend, std::string_view>, 3> kNames = {
      {{StorageBackend::kLocal, "local"},
       {StorageBackend::kS3, "s3"},
       {StorageBackend::kMinio, "minio"}}};
};
template <>
struct EnumNames<ParquetCompression> {
  static constexpr std::array<std::pair<ParquetCompression, std::string_view>, 4> kNames = {
      {{ParquetCompression::kZstd, "zstd"},
       {ParquetCompression::kSnappy, "snappy"},
       {ParquetCompression::kGzip, "gzip"},
       {ParquetCompression::kNone, "none"}}};
};
template <>
struct EnumNames<LogLevel> {
  static constexpr std::array<std::pair<LogLevel, std::string_view>, 5> kNames = {
      {{LogLevel::kDebug, "debug"},
       {LogLevel::kInfo, "info"},
       {LogLevel::kWarn, "warn"},
       {LogLevel::kWarn, "warning"},
       {LogLevel::kError, "error"}}};
};
template <>
struct EnumNames<LogFormat> {
  static constexpr std::array<std::pair<LogFormat, std::string_view>, 2> kNames = {
      {{LogFormat::kConsole, "console"}, {LogFormat::kJson, "json"}}};
};

// The value spelled `text` (exact, case-sensitive), or nullopt.
template <typename E>
std::optional<E> EnumFromString(std::string_view text) {
  for (const auto& [value, name] : EnumNames<E>::kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

// The canonical name of `value`.
template <typename E>
std::string_view EnumToString(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (v == value) return name;
  }
  return "?";
}

// "a, b, c": every accepted spelling, for error messages.
template <typename E>
std::string EnumChoices() {
  std::string out;
  const char* separator = "";
  for (const auto& [value, name] : EnumNames<E>::kNames) {
    (void)value;
    out += separator + std::string(name);
    separator = ", ";
  }
  return out;
}

}  // namespace arc
