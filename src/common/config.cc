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

struct KeySpec {
  std::string section, key;
  Setter set;
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

// A TOML array of strings, or one string of comma-separated items (the environment's form).
Setter StrList(std::function<std::vector<std::string>*(Config*)> field) {
  return [field](const RawValue& v, Config* c) -> Status {
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
  };
}

Setter Str(std::function<std::string*(Config*)> field) {
  return [field](const RawValue& v, Config* c) -> Status {
    ARC_ASSIGN_OR_RETURN(*field(c), AsString(v));
    return Status::OK();
  };
}

// A typed enum, parsed here once (common/enums.h names its spellings).
template <typename E>
Setter Enum(std::function<E*(Config*)> field) {
  return [field](const RawValue& v, Config* c) -> Status {
    ARC_ASSIGN_OR_RETURN(std::string s, AsString(v));
    const std::optional<E> parsed = EnumFromString<E>(s);
    if (!parsed) return Status::InvalidArgument("\"" + s + "\" is not one of: " + EnumChoices<E>());
    *field(c) = *parsed;
    return Status::OK();
  };
}

template <typename T>
Setter Int(std::function<T*(Config*)> field, int64_t min, int64_t max) {
  return [field, min, max](const RawValue& v, Config* c) -> Status {
    ARC_ASSIGN_OR_RETURN(int64_t x, AsInt(v));
    if (x < min || x > max) {
      return Status::InvalidArgument(std::to_string(x) + " is outside " + std::to_string(min) +
                                     ".." + std::to_string(max));
    }
    *field(c) = static_cast<T>(x);
    return Status::OK();
  };
}

Setter Bool(std::function<bool*(Config*)> field) {
  return [field](const RawValue& v, Config* c) -> Status {
    ARC_ASSIGN_OR_RETURN(bool b, AsBool(v));
    *field(c) = b;
    return Status::OK();
  };
}

Setter Bytes(std::function<uint64_t*(Config*)> field) {
  return [field](const RawValue& v, Config* c) -> Status {
    if (v.integer) {
      if (*v.integer <= 0) return Status::InvalidArgument("must be positive");
      *field(c) = static_cast<uint64_t>(*v.integer);
      return Status::OK();
    }
    ARC_ASSIGN_OR_RETURN(std::string s, AsString(v));
    ARC_ASSIGN_OR_RETURN(uint64_t n, ParseByteSize(s));
    *field(c) = n;
    return Status::OK();
  };
}

#define F(path) [](Config* c) { return &c->path; }

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec> keys = {
      {"server", "host", Str(F(server.host))},
      {"server", "node_id", Str(F(server.node_id))},
      {"server", "port", Int<int>(F(server.port), 0, 65535)},
      {"server", "workers", Int<int>(F(server.workers), 0, 1024)},
      {"server", "max_payload_size", Bytes(F(server.max_payload_size))},
      {"server", "max_inflight_bytes", Bytes(F(server.max_inflight_bytes))},
      {"server", "max_connections", Int<int>(F(server.max_connections), 0, 1000000)},
      {"server", "header_timeout_seconds", Int<int64_t>(F(server.header_timeout_seconds), 1, 3600)},
      {"server", "body_timeout_seconds", Int<int64_t>(F(server.body_timeout_seconds), 1, 3600)},
      {"server", "shutdown_timeout_seconds",
       Int<int64_t>(F(server.shutdown_timeout_seconds), 1, 86400)},
      {"server", "tls_cert", Str(F(server.tls_cert))},
      {"server", "tls_key", Str(F(server.tls_key))},
      {"server", "cors_origins", StrList(F(server.cors_origins))},
      {"storage", "backend", Enum<StorageBackend>(F(storage.backend))},
      {"storage", "local_path", Str(F(storage.local_path))},
      {"storage", "s3_bucket", Str(F(storage.s3_bucket))},
      {"storage", "s3_region", Str(F(storage.s3_region))},
      {"storage", "s3_endpoint", Str(F(storage.s3_endpoint))},
      {"storage", "s3_access_key", Str(F(storage.s3_access_key))},
      {"storage", "s3_secret_key", Str(F(storage.s3_secret_key))},
      {"storage", "s3_use_ssl", Bool(F(storage.s3_use_ssl))},
      {"storage", "s3_path_style", Bool(F(storage.s3_path_style))},
      {"storage", "s3_prefix", Str(F(storage.s3_prefix))},
      {"ingest", "max_buffer_size", Int<int64_t>(F(ingest.max_buffer_size), 1, 100000000)},
      {"ingest", "max_buffer_age_ms", Int<int64_t>(F(ingest.max_buffer_age_ms), 1, 86400000)},
      {"ingest", "compression", Enum<ParquetCompression>(F(ingest.compression))},
      {"ingest", "flush_workers", Int<int>(F(ingest.flush_workers), 0, 64)},
      {"ingest", "max_pending_rows", Int<int64_t>(F(ingest.max_pending_rows), 0, INT64_MAX)},
      {"ingest", "max_pending_bytes", Bytes(F(ingest.max_pending_bytes))},
      {"ingest", "max_pending_files", Int<int64_t>(F(ingest.max_pending_files), 1, INT64_MAX)},
      {"ingest", "max_databases", Int<int64_t>(F(ingest.max_databases), 0, INT64_MAX)},
      {"ingest", "max_measurements_per_database",
       Int<int64_t>(F(ingest.max_measurements_per_database), 0, INT64_MAX)},
      {"ingest", "max_columns_per_measurement",
       Int<int64_t>(F(ingest.max_columns_per_measurement), 0, INT64_MAX)},
      {"ingest", "max_series_per_database",
       Int<int64_t>(F(ingest.max_series_per_database), 0, INT64_MAX)},
      {"wal", "enabled", Bool(F(wal.enabled))},
      {"wal", "dir", Str(F(wal.dir))},
      {"wal", "directory", Str(F(wal.dir))},
      {"wal", "sync_mode", Enum<SyncMode>(F(wal.sync_mode))},
      {"wal", "max_size_mb", Int<int64_t>(F(wal.max_size_mb), 1, 1 << 20)},
      {"wal", "max_age_seconds", Int<int64_t>(F(wal.max_age_seconds), 1, 86400 * 365)},
      {"auth", "enabled", Bool(F(auth.enabled))},
      {"auth", "token_file", Str(F(auth.token_file))},
      {"query", "timeout_seconds", Int<int64_t>(F(query.timeout_seconds), 1, 86400)},
      {"query", "memory_limit", Str(F(query.memory_limit))},
      {"query", "threads", Int<int>(F(query.threads), 0, 1024)},
      {"query", "max_rows", Int<int64_t>(F(query.max_rows), 1, INT64_MAX)},
      {"query", "max_result_bytes", Bytes(F(query.max_result_bytes))},
      {"query", "max_process_memory", Bytes(F(query.max_process_memory))},
      {"query", "max_concurrent", Int<int>(F(query.max_concurrent), 1, 256)},
      {"query", "max_queued", Int<int>(F(query.max_queued), 0, 100000)},
      {"compaction", "enabled", Bool(F(compaction.enabled))},
      {"compaction", "interval_seconds", Int<int64_t>(F(compaction.interval_seconds), 1, 86400)},
      {"compaction", "grace_seconds", Int<int64_t>(F(compaction.grace_seconds), 0, 86400 * 30)},
      {"compaction", "min_files", Int<int64_t>(F(compaction.min_files), 2, 1000000)},
      {"compaction", "target_file_size", Bytes(F(compaction.target_file_size))},
      {"compaction", "memory_limit", Str(F(compaction.memory_limit))},
      {"compaction", "row_group_size", Int<int64_t>(F(compaction.row_group_size), 1024, 100000000)},
      {"compaction", "max_files_per_run", Int<int64_t>(F(compaction.max_files_per_run), 0, 100000)},
      {"retention", "enabled", Bool(F(retention.enabled))},
      {"retention", "interval_seconds", Int<int64_t>(F(retention.interval_seconds), 1, 86400 * 30)},
      {"delete", "enabled", Bool(F(delete_.enabled))},
      {"delete", "confirm_threshold_rows", Int<int64_t>(F(delete_.confirm_threshold_rows), 0, INT64_MAX)},
      {"delete", "flush_timeout_seconds", Int<int64_t>(F(delete_.flush_timeout_seconds), 1, 3600)},
      {"log", "level", Enum<LogLevel>(F(log.level))},
      {"log", "format", Enum<LogFormat>(F(log.format))},
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

Status ApplyToml(const std::string& text, Config* config) {
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
      Status st = raw.ok() ? spec->set(*raw, config) : raw.status();
      if (!st.ok()) return st.WithContext("config: invalid value for " + section + "." + key);
    }
  }
  return Status::OK();
}

Status ApplyEnvironment(const Environment& env, Config* config) {
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
    return spec.set(v, config).WithContext("environment: invalid value for " + var);
  };
  for (const auto& [var, key] : kSeedNames) ARC_RETURN_IF_ERROR(apply(var, *FindKey("wal", key)));
  // The ARC_ spelling is applied last, so it wins over the seed's short names.
  for (const KeySpec& spec : Keys()) {
    ARC_RETURN_IF_ERROR(apply("ARC_" + Upper(spec.section) + "_" + Upper(spec.key), spec));
  }
  auto aws = [&](const char* var, std::string* field) {
    auto it = env.find(var);
    if (it != env.end() && field->empty()) *field = it->second;
  };
  aws("AWS_ACCESS_KEY_ID", &config->storage.s3_access_key);
  aws("AWS_SECRET_ACCESS_KEY", &config->storage.s3_secret_key);
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

Result<Config> ParseConfig(const std::string& toml_text, const Environment& env) {
  Config config;
  ARC_RETURN_IF_ERROR(ApplyToml(toml_text, &config));
  ARC_RETURN_IF_ERROR(ApplyEnvironment(env, &config));
  return config;
}

Result<Config> LoadConfig(const std::string& path, bool required, const Environment& env) {
  Result<std::string> text = DefaultFileSystem()->ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound && !required) return ParseConfig("", env);
    return text.status().WithContext("config file");
  }
  return ParseConfig(*text, env);
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
