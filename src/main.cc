// arc: time-series ingestion server. Usage: arc [--config PATH]
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/config.h"
#include "common/logging.h"
#include "query/query_worker.h"
#include "server/app.h"

namespace {

void PrintUsage() {
  std::printf(
      "usage: arc [--config PATH]\n"
      "  --config PATH  TOML configuration (default ./arc.conf when present)\n"
      "Environment overrides: ARC_<SECTION>_<KEY> (e.g. ARC_SERVER_PORT), WAL_ENABLED, ...\n");
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
      PrintUsage();
      return 0;
    } else {
      std::fprintf(stderr, "arc: unknown argument \"%s\"\n", argv[i]);
      PrintUsage();
      return 2;
    }
  }
  arc::Result<arc::Config> config = arc::LoadConfig(config_path, required, arc::ProcessEnvironment());
  if (!config.ok()) {
    std::fprintf(stderr, "arc: %s\n", config.status().message().c_str());
    return 2;
  }
  arc::ResolveAutomaticValues(&*config);
  arc::SetLogLevel(config->log.level);
  arc::SetLogFormat(config->log.format);
  arc::App app(std::move(*config));
  arc::Status st = app.Start();
  if (!st.ok()) {
    LOG_ERROR("start-up failed: " << st.ToString());
    return 1;
  }
  app.Run();
  return 0;
}
