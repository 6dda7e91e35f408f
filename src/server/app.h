// App: builds the server from a Config, runs it, and shuts it down gracefully.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "buffer/ingest_engine.h"
#include "common/config.h"
#include "common/executor.h"
#include "lifecycle/compactor.h"
#include "influxql/engine_catalog.h"
#include "lifecycle/deleter.h"
#include "server/influx_query_handler.h"
#include "lifecycle/retention.h"
#include "lifecycle/retention_policies.h"
#include "query/query_engine.h"
#include "server/compaction_handler.h"
#include "server/retention_handler.h"
#include "server/http_server.h"
#include "server/query_handler.h"
#include "server/router.h"
#include "server/token_store.h"
#include "server/wal_handler.h"
#include "server/write_handler.h"
#include "storage/duckdb_util.h"
#include "storage/file_set_switch.h"
#include "storage/live_files.h"
#include "storage/local_storage.h"
#include "storage/s3_storage.h"

namespace arc {

class App {
 public:
  explicit App(Config config);
  ~App();

  // Opens storage, auth and DuckDB, starts the workers and the HTTP server, then turns ready.
  Status Start();
  // Blocks until SIGINT/SIGTERM (or Shutdown), then stops accepting, finishes requests in
  // flight and flushes every buffer to Parquet before returning.
  void Run();
  // Starts a graceful shutdown from any thread.
  void Shutdown();
  int port() const { return server_ ? server_->port() : 0; }

 private:
  Status LockDirectories();
  Status OpenAuth();
  Status HandOverAdminToken(const std::string& token);
  Status OpenStorage();
  // Sets node_id_: server.node_id, or when unset the id kept in <local_path>/.node_id, created (random,
  // durable) at the first start. InvalidArgument for a configured id that is not valid.
  Status ResolveNodeId();

  const Config config_;
  std::string node_id_;  // server.node_id, or the one kept in the data directory
  std::atomic<int64_t> shutdown_requested_ns_{0};  // steady clock, 0 = not yet
  std::vector<std::unique_ptr<FileLock>> locks_;   // held for the life of the process
  std::unique_ptr<Storage> storage_;
  LiveFileSet live_files_;                      // the view lock and the retired files
  std::unique_ptr<FileSetSwitch> file_switch_;  // compaction's (later delete's, retention's)
  std::unique_ptr<IngestEngine> engine_;
  std::unique_ptr<Compactor> compactor_;  // null when compaction.enabled is false
  std::atomic<Compactor*> compactor_for_flushes_{nullptr};  // set once the compactor runs
  std::unique_ptr<RetentionPolicies> policies_;
  std::unique_ptr<Retention> retention_;          // null when retention.enabled is false
  std::unique_ptr<Deleter> deleter_;              // null when delete.enabled is false
  std::unique_ptr<Executor> lifecycle_executor_;  // on-demand retention executions, deletes
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<Executor> decode_executor_;  // decompression and large decodes
  std::unique_ptr<Executor> query_executor_;   // queries and catalogue listings
  std::unique_ptr<WriteHandler> writes_;
  std::unique_ptr<WalHandler> wal_;
  std::unique_ptr<QueryEngine> query_engine_;
  std::unique_ptr<QueryHandler> queries_;
  std::unique_ptr<influxql::EngineCatalog> influx_catalog_;
  std::unique_ptr<InfluxQueryHandler> influx_queries_;
  std::unique_ptr<QuarantineHandler> quarantine_;
  std::unique_ptr<CompactionHandler> compaction_;
  std::unique_ptr<RetentionHandler> retention_handler_;
  std::unique_ptr<DeleteHandler> delete_handler_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace arc
