// Config: arc.conf (TOML) plus environment overrides, validated at start-up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/enums.h"
#include "common/result.h"

namespace arc {

struct ServerConfig {
  std::string host = "0.0.0.0";
  int port = 8000;
  int workers = 0;                              // 0 = number of cores
  uint64_t max_payload_size = 25ull << 20;      // bytes, compressed and decompressed (InfluxDB's)
  uint64_t max_inflight_bytes = 256ull << 20;   // request bodies of all connections together
  int max_connections = 0;                      // 0 = the file-descriptor limit minus a reserve
  int64_t header_timeout_seconds = 30;          // a request head must arrive within this
  int64_t body_timeout_seconds = 60;            // the longest pause in a body or a response
  int64_t shutdown_timeout_seconds = 30;        // SIGTERM to exit, at most (plus a final sync)
  // This server's identity in file names ("<node>_<stem>.parquet"), so that several servers
  // can share one bucket; empty: the id kept in <storage.local_path>/.node_id (created once).
  std::string node_id;
  // HTTPS only when both are set: PEM certificate chain and its private key (docs/protocol.md).
  std::string tls_cert, tls_key;
  // Origins allowed by CORS ("*": any); empty: CORS off. Env: a comma-separated list.
  std::vector<std::string> cors_origins;
};

struct StorageConfig {
  StorageBackend backend = StorageBackend::kLocal;
  std::string local_path = "./data/arc";
  std::string s3_bucket, s3_region = "us-east-1", s3_endpoint, s3_access_key, s3_secret_key;
  bool s3_use_ssl = true;
  bool s3_path_style = false;
  std::string s3_prefix;
};

struct IngestConfig {
  int64_t max_buffer_size = 50000;              // rows per (database, measurement) buffer
  int64_t max_buffer_age_ms = 5000;
  // Flush files: snappy, since compaction re-encodes complete hours with zstd (bench/ingest.sh,
  // 3 runs side by side: +11-21 % records/s over zstd for 1.5x the bytes until compacted).
  ParquetCompression compression = ParquetCompression::kSnappy;
  int flush_workers = 0;                        // 0 = number of cores
  int64_t max_pending_rows = 0;                 // 0 = 4 * workers * max_buffer_size
  uint64_t max_pending_bytes = 1ull << 30;      // memory held by rows waiting for a flush
  int64_t max_pending_files = 4096;             // measurements waiting for a flush (≈ files)
  // Cardinality limits (0 = unlimited); InfluxDB's max-series-per-database default.
  int64_t max_databases = 1000;
  int64_t max_measurements_per_database = 100000;
  int64_t max_columns_per_measurement = 1000;
  int64_t max_series_per_database = 1000000;
};

struct WalConfig {
  bool enabled = false;
  std::string dir = "./data/wal";
  SyncMode sync_mode = SyncMode::kFdatasync;
  int64_t max_size_mb = 100;
  int64_t max_age_seconds = 3600;
};

struct AuthConfig {
  bool enabled = true;
  std::string token_file = "./data/auth/tokens.json";
};

struct QueryConfig {
  int64_t timeout_seconds = 60;                 // a longer query is interrupted
  std::string memory_limit = "1GB";             // DuckDB memory_limit for queries
  int threads = 0;                              // DuckDB threads for queries; 0 = cores
  int64_t max_rows = 1000000;                   // rows a response may hold
  uint64_t max_result_bytes = 256ull << 20;     // JSON a response may hold; one Arrow batch
  int64_t max_arrow_rows = 100000000;           // rows an Arrow answer may stream; 0 = no limit
  uint64_t max_process_memory = 0;              // a query worker's address space; 0 = memory_limit
                                                //   + 512 MiB + 16 MiB/thread + 2 × max_result_bytes
  int max_concurrent = 2;                       // queries running at once (worker processes)
  int max_queued = 16;                          // queries waiting beyond those (then 429)
};

// Background compaction (docs/lifecycle.md): merges each complete hour's files per
// measurement into one sorted file (several above target_file_size).
struct CompactionConfig {
  bool enabled = true;
  int64_t interval_seconds = 60;                // how often due partitions are looked for
  int64_t grace_seconds = 600;                  // an hour is due this long after it ended
  int64_t min_files = 2;                        // files a partition needs to be compacted
  uint64_t target_file_size = 512ull << 20;     // input bytes per output file
  std::string memory_limit = "256MB";           // DuckDB memory_limit of the compactor
  int64_t row_group_size = 122880;              // rows per Parquet row group
  int64_t max_files_per_run = 0;                // input files per output; 0 = no cap
};

// Retention policies (lifecycle/retention.h): applied every interval_seconds and on demand.
struct RetentionConfig {
  bool enabled = true;
  int64_t interval_seconds = 3600;
};

// The delete API (lifecycle/deleter.h).
struct DeleteConfig {
  bool enabled = true;
  // A delete matching more rows than this, or with no time bound, needs "confirm": true.
  int64_t confirm_threshold_rows = 10000;
  // How long a delete waits for the measurement's rows in memory to reach storage.
  int64_t flush_timeout_seconds = 30;
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kConsole;
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  WalConfig wal;
  AuthConfig auth;
  QueryConfig query;
  CompactionConfig compaction;
  RetentionConfig retention;
  DeleteConfig delete_;  // [delete] (`delete` is a keyword)
  LogConfig log;
};

using Environment = std::map<std::string, std::string>;

// Where the values of a loaded configuration came from (for the start-up log).
struct ConfigOrigin {
  std::string file;  // the file read; empty when none was (defaults and environment only)
  // "server.port" → "file" or "env ARC_SERVER_PORT": the last source that set the key.
  std::map<std::string, std::string> sources;
  // ARC_* variables that name no key (ARC_AUTH_BOOTSTRAP_TOKEN, typos), sorted.
  std::vector<std::string> other_arc_variables;
};

// Parses TOML text, then applies `env` overrides (ARC_<SECTION>_<KEY> and the seed's WAL_*
// names). An unknown key or an invalid value is an InvalidArgument naming it. `origin` (may
// be null) records which source set each key.
Result<Config> ParseConfig(const std::string& toml_text, const Environment& env,
                           ConfigOrigin* origin = nullptr);

// Reads `path` (missing is fine when `required` is false: defaults apply) and calls
// ParseConfig; `origin->file` is `path` when it was read.
Result<Config> LoadConfig(const std::string& path, bool required, const Environment& env,
                          ConfigOrigin* origin = nullptr);

// One configuration key, from the one table in config.cc (which --help prints).
struct ConfigKeyInfo {
  std::string name;           // "server.port"
  std::string env_var;        // "ARC_SERVER_PORT"
  std::string default_value;  // as arc.conf spells it: "8000", "25MB", "" for an empty string
  std::string description;    // one line
  bool secret = false;        // its value is never printed
  std::string alias_of;       // non-empty for a second spelling of another key
};
// Every key in table order. Pure.
std::vector<ConfigKeyInfo> ConfigKeys();

// "key = value (from <file> | from env VAR)" for each key whose value differs from its
// default, in table order; secret values (s3 keys, anything named like a token, secret, key
// or password) as "***". Pure.
std::vector<std::string> NonDefaultSettings(const Config& config, const ConfigOrigin& origin);

// The process environment as a map.
Environment ProcessEnvironment();

// Fills the "0 = automatic" fields from the machine's core count.
void ResolveAutomaticValues(Config* config);

// Parses "1GB", "512MB", "64KiB", "1048576" into bytes.
Result<uint64_t> ParseByteSize(const std::string& text);

}  // namespace arc
