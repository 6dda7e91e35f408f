// arc: time-series ingestion server. Usage: arc [--config PATH] [--version] [--help]
#include <duckdb.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "common/version.h"
#include "query/query_worker.h"
#include "server/app.h"

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "usage: arc [--config PATH] [--version] [--help]\n"
               "  --config PATH  TOML configuration (default ./arc.conf when present)\n"
               "  --version      print the version and exit\n"
               "  --help, -h     print this help and every configuration key, then exit\n");
}

// Every key of the configuration table (common/config.h) with its default, environment
// variable and meaning.
void PrintHelp() {
  PrintUsage(stdout);
  std::printf(
      "\nConfiguration: [section] key = value in arc.conf; every key is also the environment\n"
      "variable ARC_<SECTION>_<KEY>, which wins over the file. Sizes take KB, MB, GB.\n\n");
  std::printf("  %-38s %-12s %s\n", "key", "default", "environment variable");
  for (const arc::ConfigKeyInfo& k : arc::ConfigKeys()) {
    const std::string def = k.default_value.empty() ? "\"\"" : k.default_value;
    std::printf("  %-38s %-12s %s\n      %s\n", k.name.c_str(), def.c_str(), k.env_var.c_str(),
                k.description.c_str());
  }
  std::printf(
      "\nAlso: ARC_AUTH_BOOTSTRAP_TOKEN (the first admin token), AWS_ACCESS_KEY_ID,\n"
      "AWS_SECRET_ACCESS_KEY, and the seed's WAL_ENABLED, WAL_DIR, WAL_SYNC_MODE,\n"
      "WAL_MAX_SIZE_MB, WAL_MAX_AGE_SECONDS.\n");
}

// What configuration this process runs with: the file, then the keys that differ from their
// defaults (secrets masked) and ARC_ variables that name no key.
void LogConfiguration(const arc::Config& config, const arc::ConfigOrigin& origin) {
  LOG_INFO("arc " << arc::kArcVersion << " (" << arc::BuildType() << ", DuckDB "
                  << duckdb_library_version() << ")");
  LOG_INFO("config file: " << (origin.file.empty() ? "none: defaults and environment"
                                                   : origin.file));
  const std::vector<std::string> changed = arc::NonDefaultSettings(config, origin);
  std::string line;
  for (const std::string& c : changed) line += (line.empty() ? "" : "; ") + c;
  LOG_INFO("config differs from defaults: " << (line.empty() ? "nothing" : line));
  if (!origin.other_arc_variables.empty()) {
    std::string names;
    for (const std::string& v : origin.other_arc_variables) names += (names.empty() ? "" : ", ") + v;
    LOG_INFO("ARC_ environment variables that are no config key (values not shown): " << names);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A query worker process (query/query_worker.h), started by the server itself.
  if (argc == 3 && std::strcmp(argv[1], "--query-worker") == 0) return arc::RunQueryWorker(std::atoi(argv[2]));
  // Request bodies, decoded columns and WAL segments are large, short-lived buffers. glibc would
  // serve each from a fresh mmap and unmap it on free, so every one faults its pages in again
  // (30 % of recovery's CPU went to page faults). Keep up to 256 MB of freed heap for reuse.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::string config_path = "arc.conf";
  bool required = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
      required = true;
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      PrintHelp();
      return 0;
    } else if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("arc %s (%s build, DuckDB %s)\n", arc::kArcVersion, arc::BuildType(),
                  duckdb_library_version());
      return 0;
    } else {
      std::fprintf(stderr, "arc: unknown argument \"%s\"\n", argv[i]);
      PrintUsage(stderr);
      return 2;
    }
  }
  arc::ConfigOrigin origin;
  arc::Result<arc::Config> config =
      arc::LoadConfig(config_path, required, arc::ProcessEnvironment(), &origin);
  if (!config.ok()) {
    std::fprintf(stderr, "arc: %s\n", config.status().message().c_str());
    return 2;
  }
  arc::SetLogLevel(config->log.level);
  arc::SetLogFormat(config->log.format);
  LogConfiguration(*config, origin);  // before the "0 = automatic" values are filled in
  arc::ResolveAutomaticValues(&*config);
  arc::App app(std::move(*config));
  arc::Status st = app.Start();
  if (!st.ok()) {
    LOG_ERROR("start-up failed: " << st.ToString());
    return 1;
  }
  app.Run();
  return 0;
}
