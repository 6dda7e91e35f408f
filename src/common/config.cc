#include "common/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <thread>
#include <vector>

#include "common/file_system.h"

extern char** environ;

namespace arc {
namespace {

// A raw value from TOML or from the environment, before typing.
struct RawValue {
  std::optional<std::string> text;  // strings, and every env value
  std::optional<int64_t> integer;
  std::optional<bool> boolean;
  std::optional<double> floating;
  std::optional<std::vector<std::string>> list;  // TOML arrays of strings
};

using Setter = std::function<Status(const RawValue&, Config*)>;
// A key's value as arc.conf would spell it (sizes as "25MB"), for --help and the start-up log.
using Getter = std::function<std::string(const Config&)>;

struct Access {
  Setter set;
  Getter get;
};

// One row of the key table: the only place that lists the keys, their meaning and (through
// `get` on a default Config) their defaults.
struct KeySpec {
  KeySpec(std::string s, std::string k, Access a, std::string d, bool is_secret = false,
          std::string alias = "")
      : section(std::move(s)),
        key(std::move(k)),
        access(std::move(a)),
        description(std::move(d)),
        secret(is_secret),
        alias_of(std::move(alias)) {}
  std::string section, key;
  Access access;
  std::string description;
  bool secret;           // never printed (masked in the start-up log)
  std::string alias_of;  // a second spelling of another key
};

Result<int64_t> AsInt(const RawValue& v) {
  if (v.integer) return *v.integer;
  if (v.text) {
    try {
      size_t used = 0;
      const int64_t x = std::stoll(*v.text, &used);
      if (used == v.text->size()) return x;
    } catch (...) {
    }
  }
  return Status::InvalidArgument("expected an integer");
}

Result<bool> AsBool(const RawValue& v) {
  if (v.boolean) return *v.boolean;
  if (v.text) {
    std::string t = *v.text;
    std::transform(t.begin(), t.end(), t.begin(), ::tolower);
    if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  }
  return Status::InvalidArgument("expected true or false");
}

Result<std::string> AsString(const RawValue& v) {
  if (v.text) return *v.text;
  return Status::InvalidArgument("expected a string");
}

std::string RenderBytes(uint64_t n) {
  static const std::pair<uint64_t, const char*> kUnits[] = {
      {1ull << 30, "GB"}, {1ull << 20, "MB"}, {1ull << 10, "KB"}};
  for (const auto& [unit, name] : kUnits) {
    if (n != 0 && n % unit == 0) return std::to_string(n / unit) + name;
  }
  return std::to_string(n);
}

template <typename T>
using Field = std::function<T*(Config*)>;

// The field's value in a copy of `c` (the accessors take a mutable Config).
template <typename T>
T Read(const Field<T>& field, const Config& c) {
  Config copy = c;
  return *field(&copy);
}

// A TOML array of strings, or one string of comma-separated items (the environment's form);
// rendered back comma-separated.
Access StrList(Field<std::vector<std::string>> field) {
  return {[field](const RawValue& v, Config* c) -> Status {
            std::vector<std::string> items;
            if (v.list) {
              items = *v.list;
            } else if (v.text) {
              size_t start = 0;
              while (start <= v.text->size()) {
                const size_t comma = std::min(v.text->find(',', start), v.text->size());
                std::string item = v.text->substr(start, comma - start);
                item.erase(0, item.find_first_not_of(" \t"));
                item.erase(item.find_last_not_of(" \t") + 1);
                if (!item.empty()) items.push_back(std::move(item));
                start = comma + 1;
              }
            } else {
              return Status::InvalidArgument("expected a list of strings");
            }
            *field(c) = std::move(items);
            return Status::OK();
          },
          [field](const Config& c) {
            std::string out;
            for (const std::string& item : Read(field, c)) out += (out.empty() ? "" : ",") + item;
            return out;
          }};
}

Access Str(Field<std::string> field) {
  return {[field](const RawValue& v, Config* c) -> Status {
            ARC_ASSIGN_OR_RETURN(*field(c), AsString(v));
            return Status::OK();
          },
          [field](const Config& c) { return Read(field, c); }};
}

// A typed enum, parsed here once (common/enums.h names its spellings).
template <typename E>
Access Enum(Field<E> field) {
  return {[field](const RawValue& v, Config* c) -> Status {
            ARC_ASSIGN_OR_RETURN(std::string s, AsString(v));
            const std::optional<E> parsed = EnumFromString<E>(s);
            if (!parsed)
              return Status::InvalidArgument("\"" + s + "\" is not one of: " + EnumChoices<E>());
            *field(c) = *parsed;
            return Status::OK();
          },
          [field](const Config& c) { return std::string(EnumToString(Read(field, c))); }};
}

template <typename T>
Access Int(Field<T> field, int64_t min, int64_t max) {
  return {[field, min, max](const RawValue& v, Config* c) -> Status {
            ARC_ASSIGN_OR_RETURN(int64_t x, AsInt(v));
            if (x < min || x > max) {
              return Status::InvalidArgument(std::to_string(x) + " is outside " +
                                             std::to_string(min) + ".." + std::to_string(max));
            }
            *field(c) = static_cast<T>(x);
            return Status::OK();
          },
          [field](const Config& c) { return std::to_string(Read(field, c)); }};
}

Access Bool(Field<bool> field) {
  return {[field](const RawValue& v, Config* c) -> Status {
            ARC_ASSIGN_OR_RETURN(bool b, AsBool(v));
            *field(c) = b;
            return Status::OK();
          },
          [field](const Config& c) { return std::string(Read(field, c) ? "true" : "false"); }};
}

Access Bytes(Field<uint64_t> field) {
  return {[field](const RawValue& v, Config* c) -> Status {
            if (v.integer) {
              if (*v.integer <= 0) return Status::InvalidArgument("must be positive");
              *field(c) = static_cast<uint64_t>(*v.integer);
              return Status::OK();
            }
            ARC_ASSIGN_OR_RETURN(std::string s, AsString(v));
            ARC_ASSIGN_OR_RETURN(uint64_t n, ParseByteSize(s));
            *field(c) = n;
            return Status::OK();
          },
          [field](const Config& c) { return RenderBytes(Read(field, c)); }};
}

#define F(path) [](Config* c) { return &c->path; }

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec> keys = {
      {"server", "host", Str(F(server.host)), "address to listen on"},
      {"server", "node_id", Str(F(server.node_id)),
       "this server's name in file names; empty: the id kept in <local_path>/.node_id"},
      {"server", "port", Int<int>(F(server.port), 0, 65535), "TCP port"},
      {"server", "workers", Int<int>(F(server.workers), 0, 1024),
       "ingest workers and HTTP threads; 0 = cores"},
      {"server", "max_payload_size", Bytes(F(server.max_payload_size)),
       "largest request body, compressed and decompressed"},
      {"server", "max_inflight_bytes", Bytes(F(server.max_inflight_bytes)),
       "request bodies held by all connections together; beyond, 503"},
      {"server", "max_connections", Int<int>(F(server.max_connections), 0, 1000000),
       "open connections; 0 = descriptor limit - 256"},
      {"server", "header_timeout_seconds", Int<int64_t>(F(server.header_timeout_seconds), 1, 3600),
       "a request head must arrive within this"},
      {"server", "body_timeout_seconds", Int<int64_t>(F(server.body_timeout_seconds), 1, 3600),
       "longest pause in a body or while a client reads"},
      {"server", "shutdown_timeout_seconds",
       Int<int64_t>(F(server.shutdown_timeout_seconds), 1, 86400),
       "SIGTERM flushes for at most this long"},
      {"server", "tls_cert", Str(F(server.tls_cert)),
       "PEM certificate chain; with tls_key the port speaks HTTPS only"},
      {"server", "tls_key", Str(F(server.tls_key)), "PEM private key of tls_cert (a path)"},
      {"server", "cors_origins", StrList(F(server.cors_origins)),
       "origins allowed by CORS (\"*\": any; env: comma-separated); empty: CORS off"},
      {"storage", "backend", Enum<StorageBackend>(F(storage.backend)),
       "local, s3 or minio (path-style S3)"},
      {"storage", "local_path", Str(F(storage.local_path)),
       "data directory (with S3: temp files and the read cache)"},
      {"storage", "s3_bucket", Str(F(storage.s3_bucket)), "S3 bucket"},
      {"storage", "s3_region", Str(F(storage.s3_region)), "S3 region"},
      {"storage", "s3_endpoint", Str(F(storage.s3_endpoint)), "S3 endpoint URL; empty: AWS"},
      {"storage", "s3_access_key", Str(F(storage.s3_access_key)),
       "S3 access key (also AWS_ACCESS_KEY_ID)", true},
      {"storage", "s3_secret_key", Str(F(storage.s3_secret_key)),
       "S3 secret key (also AWS_SECRET_ACCESS_KEY)", true},
      {"storage", "s3_use_ssl", Bool(F(storage.s3_use_ssl)), "https to the S3 endpoint"},
      {"storage", "s3_path_style", Bool(F(storage.s3_path_style)), "path-style S3 requests"},
      {"storage", "s3_prefix", Str(F(storage.s3_prefix)), "object key prefix"},
      {"ingest", "max_buffer_size", Int<int64_t>(F(ingest.max_buffer_size), 1, 100000000),
       "rows per (database, measurement) per worker before a flush"},
      {"ingest", "max_buffer_age_ms", Int<int64_t>(F(ingest.max_buffer_age_ms), 1, 86400000),
       "oldest buffered row's age before a flush"},
      {"ingest", "compression", Enum<ParquetCompression>(F(ingest.compression)),
       "flush file codec: zstd, snappy, gzip, none"},
      {"ingest", "flush_workers", Int<int>(F(ingest.flush_workers), 0, 64),
       "Parquet writer threads; 0 = cores"},
      {"ingest", "max_pending_rows", Int<int64_t>(F(ingest.max_pending_rows), 0, INT64_MAX),
       "rows waiting for storage before writes wait; 0 = 4 x workers x max_buffer_size"},
      {"ingest", "max_pending_bytes", Bytes(F(ingest.max_pending_bytes)),
       "memory waiting for storage before writes wait"},
      {"ingest", "max_pending_files", Int<int64_t>(F(ingest.max_pending_files), 1, INT64_MAX),
       "measurements waiting for storage before writes wait"},
      {"ingest", "max_databases", Int<int64_t>(F(ingest.max_databases), 0, INT64_MAX),
       "cardinality limit; 0 = unlimited"},
      {"ingest", "max_measurements_per_database",
       Int<int64_t>(F(ingest.max_measurements_per_database), 0, INT64_MAX),
       "cardinality limit; 0 = unlimited"},
      {"ingest", "max_columns_per_measurement",
       Int<int64_t>(F(ingest.max_columns_per_measurement), 0, INT64_MAX),
       "cardinality limit; 0 = unlimited"},
      {"ingest", "max_series_per_database",
       Int<int64_t>(F(ingest.max_series_per_database), 0, INT64_MAX),
       "cardinality limit; 0 = unlimited"},
      {"wal", "enabled", Bool(F(wal.enabled)), "write-ahead log (also WAL_ENABLED)"},
      {"wal", "dir", Str(F(wal.dir)), "WAL directory (also WAL_DIR)"},
      {"wal", "directory", Str(F(wal.dir)), "alias of wal.dir", false, "wal.dir"},
      {"wal", "sync_mode", Enum<SyncMode>(F(wal.sync_mode)),
       "fsync, fdatasync or async (also WAL_SYNC_MODE)"},
      {"wal", "max_size_mb", Int<int64_t>(F(wal.max_size_mb), 1, 1 << 20),
       "segment rotation size (also WAL_MAX_SIZE_MB)"},
      {"wal", "max_age_seconds", Int<int64_t>(F(wal.max_age_seconds), 1, 86400 * 365),
       "segment rotation age (also WAL_MAX_AGE_SECONDS)"},
      {"auth", "enabled", Bool(F(auth.enabled)), "token authentication"},
      {"auth", "token_file", Str(F(auth.token_file)), "token hashes (mode 0600)"},
      {"query", "timeout_seconds", Int<int64_t>(F(query.timeout_seconds), 1, 86400),
       "longer queries are stopped"},
      {"query", "memory_limit", Str(F(query.memory_limit)), "DuckDB memory limit of a query"},
      {"query", "threads", Int<int>(F(query.threads), 0, 1024), "DuckDB threads; 0 = cores"},
      {"query", "max_rows", Int<int64_t>(F(query.max_rows), 1, INT64_MAX),
       "rows a result may hold"},
      {"query", "max_result_bytes", Bytes(F(query.max_result_bytes)),
       "JSON a result may hold; bytes of one Arrow record batch"},
      {"query", "max_arrow_rows", Int<int64_t>(F(query.max_arrow_rows), 0, INT64_MAX),
       "rows an Arrow answer may stream; 0 = no limit"},
      {"query", "max_process_memory", Bytes(F(query.max_process_memory)),
       "a query worker's address space; 0 = memory_limit + 512MB + 16MB x threads + "
       "2 x max_result_bytes"},
      {"query", "max_concurrent", Int<int>(F(query.max_concurrent), 1, 256),
       "queries running at once (worker processes)"},
      {"query", "max_queued", Int<int>(F(query.max_queued), 0, 100000),
       "queries waiting beyond those, then 429"},
      {"compaction", "enabled", Bool(F(compaction.enabled)), "background compaction"},
      {"compaction", "interval_seconds", Int<int64_t>(F(compaction.interval_seconds), 1, 86400),
       "how often due hours are looked for"},
      {"compaction", "grace_seconds", Int<int64_t>(F(compaction.grace_seconds), 0, 86400 * 30),
       "an hour is due this long after it ended"},
      {"compaction", "min_files", Int<int64_t>(F(compaction.min_files), 2, 1000000),
       "files an hour needs to be compacted"},
      {"compaction", "target_file_size", Bytes(F(compaction.target_file_size)),
       "input bytes per output file"},
      {"compaction", "memory_limit", Str(F(compaction.memory_limit)), "budget of one merge"},
      {"compaction", "row_group_size",
       Int<int64_t>(F(compaction.row_group_size), 1024, 100000000), "rows per row group"},
      {"compaction", "max_files_per_run",
       Int<int64_t>(F(compaction.max_files_per_run), 0, 100000),
       "input files per output; 0 = no cap"},
      {"retention", "enabled", Bool(F(retention.enabled)), "apply retention policies"},
      {"retention", "interval_seconds",
       Int<int64_t>(F(retention.interval_seconds), 1, 86400 * 30),
       "how often every policy is applied"},
      {"delete", "enabled", Bool(F(delete_.enabled)), "the delete API"},
      {"delete", "confirm_threshold_rows",
       Int<int64_t>(F(delete_.confirm_threshold_rows), 0, INT64_MAX),
       "deletes matching more rows need \"confirm\": true"},
      {"delete", "flush_timeout_seconds",
       Int<int64_t>(F(delete_.flush_timeout_seconds), 1, 3600),
       "how long a delete waits for rows in memory to reach storage"},
      {"log", "level", Enum<LogLevel>(F(log.level)), "debug, info, warn or error"},
      {"log", "format", Enum<LogFormat>(F(log.format)), "console or json (one object per line)"},
  };
  return keys;
}

#undef F

const KeySpec* FindKey(const std::string& section, const std::string& key) {
  for (const KeySpec& k : Keys()) {
    if (k.section == section && k.key == key) return &k;
  }
  return nullptr;
}

Result<RawValue> FromToml(const toml::node& node) {
  RawValue v;
  if (auto s = node.value<std::string>(); s && node.is_string())
    v.text = *s;
  else if (node.is_integer())
    v.integer = *node.value<int64_t>();
  else if (node.is_boolean())
    v.boolean = *node.value<bool>();
  else if (node.is_floating_point())
    v.floating = *node.value<double>();
  else if (const toml::array* array = node.as_array()) {
    v.list.emplace();
    for (const toml::node& item : *array) {
      if (!item.is_string()) return Status::InvalidArgument("expected a list of strings");
      v.list->push_back(*item.value<std::string>());
    }
  } else
    return Status::InvalidArgument("unsupported value type");
  return v;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::toupper);
  return s;
}

std::string EnvVarName(const KeySpec& spec) {
  return "ARC_" + Upper(spec.section) + "_" + Upper(spec.key);
}

// Marked secret, or named like one (a safety net for keys added later).
bool IsSecret(const KeySpec& spec) {
  if (spec.secret) return true;
  const std::string& k = spec.key;
  auto ends_with = [&](const std::string& tail) {
    return k.size() >= tail.size() && k.compare(k.size() - tail.size(), tail.size(), tail) == 0;
  };
  return k.find("secret") != std::string::npos || k.find("password") != std::string::npos ||
         ends_with("token") || ends_with("_key");
}

// The key a spelling stands for ("wal.directory" → "wal.dir").
std::string CanonicalName(const KeySpec& spec) {
  return spec.alias_of.empty() ? spec.section + "." + spec.key : spec.alias_of;
}

Status ApplyToml(const std::string& text, Config* config, ConfigOrigin* origin) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument("config: " + std::string(e.description()) + " at line " +
                                   std::to_string(e.source().begin.line));
  }
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const toml::table* table = section_node.as_table();
    if (table == nullptr) {
      return Status::InvalidArgument("config: unknown key \"" + section +
                                     "\" (expected a [section])");
    }
    for (const auto& [key_name, node] : *table) {
      const std::string key(key_name.str());
      const KeySpec* spec = FindKey(section, key);
      if (spec == nullptr) {
        return Status::InvalidArgument("config: unknown key \"" + section + "." + key + "\"");
      }
      Result<RawValue> raw = FromToml(node);
      Status st = raw.ok() ? spec->access.set(*raw, config) : raw.status();
      if (!st.ok()) return st.WithContext("config: invalid value for " + section + "." + key);
      if (origin != nullptr) origin->sources[CanonicalName(*spec)] = "file";
    }
  }
  return Status::OK();
}

Status ApplyEnvironment(const Environment& env, Config* config, ConfigOrigin* origin) {
  static const std::map<std::string, std::string> kSeedNames = {
      {"WAL_ENABLED", "enabled"},
      {"WAL_DIR", "dir"},
      {"WAL_SYNC_MODE", "sync_mode"},
      {"WAL_MAX_SIZE_MB", "max_size_mb"},
      {"WAL_MAX_AGE_SECONDS", "max_age_seconds"}};
  auto apply = [&](const std::string& var, const KeySpec& spec) -> Status {
    auto it = env.find(var);
    if (it == env.end()) return Status::OK();
    RawValue v;
    v.text = it->second;
    ARC_RETURN_IF_ERROR(
        spec.access.set(v, config).WithContext("environment: invalid value for " + var));
    if (origin != nullptr) origin->sources[CanonicalName(spec)] = "env " + var;
    return Status::OK();
  };
  for (const auto& [var, key] : kSeedNames) ARC_RETURN_IF_ERROR(apply(var, *FindKey("wal", key)));
  // The ARC_ spelling is applied last, so it wins over the seed's short names.
  for (const KeySpec& spec : Keys()) {
    ARC_RETURN_IF_ERROR(apply(EnvVarName(spec), spec));
  }
  auto aws = [&](const char* var, const char* key, std::string* field) {
    auto it = env.find(var);
    if (it == env.end() || !field->empty()) return;
    *field = it->second;
    if (origin != nullptr) origin->sources[key] = std::string("env ") + var;
  };
  aws("AWS_ACCESS_KEY_ID", "storage.s3_access_key", &config->storage.s3_access_key);
  aws("AWS_SECRET_ACCESS_KEY", "storage.s3_secret_key", &config->storage.s3_secret_key);
  if (origin != nullptr) {
    std::set<std::string> key_vars;
    for (const KeySpec& spec : Keys()) key_vars.insert(EnvVarName(spec));
    for (const auto& [var, value] : env) {
      if (var.rfind("ARC_", 0) == 0 && key_vars.count(var) == 0)
        origin->other_arc_variables.push_back(var);
    }
  }
  return Status::OK();
}

}  // namespace

Result<uint64_t> ParseByteSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return Status::InvalidArgument("\"" + text + "\" is not a size such as 1GB");
  uint64_t n = std::stoull(text.substr(0, i));
  std::string unit = Upper(text.substr(i));
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  static const std::map<std::string, uint64_t> kUnits = {{"", 1},
                                                         {"B", 1},
                                                         {"KB", 1ull << 10},
                                                         {"KIB", 1ull << 10},
                                                         {"MB", 1ull << 20},
                                                         {"MIB", 1ull << 20},
                                                         {"GB", 1ull << 30},
                                                         {"GIB", 1ull << 30}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end() || n == 0) {
    return Status::InvalidArgument("\"" + text + "\" is not a size such as 1GB");
  }
  return n * it->second;
}

Result<Config> ParseConfig(const std::string& toml_text, const Environment& env,
                           ConfigOrigin* origin) {
  Config config;
  ARC_RETURN_IF_ERROR(ApplyToml(toml_text, &config, origin));
  ARC_RETURN_IF_ERROR(ApplyEnvironment(env, &config, origin));
  return config;
}

Result<Config> LoadConfig(const std::string& path, bool required, const Environment& env,
                          ConfigOrigin* origin) {
  Result<std::string> text = DefaultFileSystem()->ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound && !required)
      return ParseConfig("", env, origin);
    return text.status().WithContext("config file");
  }
  if (origin != nullptr) origin->file = path;
  return ParseConfig(*text, env, origin);
}

std::vector<ConfigKeyInfo> ConfigKeys() {
  const Config defaults;
  std::vector<ConfigKeyInfo> out;
  for (const KeySpec& spec : Keys()) {
    out.push_back({spec.section + "." + spec.key, EnvVarName(spec), spec.access.get(defaults),
                   spec.description, IsSecret(spec), spec.alias_of});
  }
  return out;
}

std::vector<std::string> NonDefaultSettings(const Config& config, const ConfigOrigin& origin) {
  const Config defaults;
  std::vector<std::string> out;
  for (const KeySpec& spec : Keys()) {
    if (!spec.alias_of.empty()) continue;  // listed under the key it stands for
    const std::string value = spec.access.get(config);
    if (value == spec.access.get(defaults)) continue;
    const std::string name = spec.section + "." + spec.key;
    auto it = origin.sources.find(name);
    const std::string source = it == origin.sources.end() ? "?"
                               : it->second == "file" ? origin.file
                                                      : it->second;
    out.push_back(name + " = " + (IsSecret(spec) ? "***" : value) + " (from " + source + ")");
  }
  return out;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

void ResolveAutomaticValues(Config* config) {
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  if (config->server.workers == 0) config->server.workers = cores;
  if (config->ingest.flush_workers == 0) config->ingest.flush_workers = cores;
  if (config->query.threads == 0) config->query.threads = cores;
  if (config->ingest.max_pending_rows == 0) {
    config->ingest.max_pending_rows = 4 * config->server.workers * config->ingest.max_buffer_size;
  }
}

}  // namespace arc
