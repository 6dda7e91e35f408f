// QueryEngine: read-only SQL over the stored data and the rows still in memory.
// A locked-down DuckDB (file access limited to storage.local_path, no extension install or
// load, configuration locked) runs each query on its own connection, where every measurement
// the query names is a temp view: its Parquet files (pruned to the hours the WHERE clause
// allows) UNION ALL BY NAME the rows still buffered, taken as one consistent snapshot.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "buffer/ingest_engine.h"
#include "common/config.h"
#include "query/result_json.h"
#include "storage/duckdb_util.h"
#include "storage/flush_view.h"

namespace arc {

struct QueryOutput {
  EncodedResult result;
  double execution_ms = 0;
  int files_read = 0;
};

class QueryEngine {
 public:
  // `ingest` must outlive the engine. Opens and locks down the query database.
  // `storage` (may be null: local files only) fills the local read cache before a query.
  static Result<std::unique_ptr<QueryEngine>> Open(const Config& config, IngestEngine* ingest,
                                                   Storage* storage = nullptr);
  QueryEngine(const Config& config, IngestEngine* ingest, Storage* storage);
  ~QueryEngine();

  // Runs one read-only statement (SELECT, or EXPLAIN of one). `default_db` resolves bare
  // measurement names. InvalidArgument for bad or forbidden SQL and for the timeout, with a
  // message naming the problem. Thread-safe.
  Result<QueryOutput> Run(const std::string& sql, const std::string& default_db);

  // {"databases": [{"name", "measurements": [{"name", "columns": [{"name","type"}], "rows",
  // "files", "buffered_rows"}]}]} as JSON text. Thread-safe.
  Result<std::string> Measurements();

  // The rows of one table of a registered snapshot (for the arc_buffered table function).
  struct SnapshotTable {
    std::vector<Batch> batches;
    std::unique_ptr<FlushView> view;
  };
  SnapshotTable* FindSnapshotTable(int64_t snapshot, int64_t table);

 private:
  // Opens a new locked-down database with arc_buffered registered and makes it current.
  Status OpenDatabase();
  // The current database (a query keeps its own reference while it runs).
  std::shared_ptr<DuckDatabase> Database() const;
  // After an error that invalidates `broken` (DuckDB refuses every statement after an
  // internal error), replaces it, unless another query already did.
  void ReplaceInvalidated(const std::shared_ptr<DuckDatabase>& broken);
  bool IsMeasurement(const std::string& db, const std::string& m);

  const Config config_;
  IngestEngine* const ingest_;
  Storage* const storage_;
  mutable std::mutex db_mu_;
  std::shared_ptr<DuckDatabase> db_;   // guarded by db_mu_
  std::string root_;                   // absolute storage.local_path
  std::mutex snapshots_mu_;
  std::map<int64_t, std::vector<std::unique_ptr<SnapshotTable>>> snapshots_;
  std::atomic<int64_t> next_snapshot_{1};
};

}  // namespace arc
