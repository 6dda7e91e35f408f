// QueryEngine: read-only SQL over the stored data and the rows still in memory.
//
// In the server: the SQL is parsed and rewritten (query/sql_rewrite.h) on a parse-only DuckDB;
// every measurement it names becomes its Parquet files (pruned to the hours the WHERE clause
// allows) UNION ALL BY NAME the rows still buffered, taken as one consistent snapshot. The
// final SQL and the buffered rows go to a query worker process (query/query_worker.h), which
// runs them under a memory cap and is killed at the deadline; its JSON result is streamed
// back piece by piece.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "buffer/ingest_engine.h"
#include "common/database_scope.h"
#include "common/config.h"
#include "query/file_schema_cache.h"
#include "query/worker_pool.h"
#include "storage/duckdb_util.h"
#include "storage/storage.h"

namespace arc {

// How a query's rows come back: JSON text, encoded whole before the first piece, or an Arrow IPC
// stream (docs/arrow-ipc.md) encoded while the query runs.
enum class ResultFormat { kJson, kArrow };

// A query's answer, read from its worker piece by piece. Not thread-safe.
class QueryResult {
 public:
  // `deadline` bounds NextPiece for kArrow, whose query is still running (killed past it).
  QueryResult(QueryWorkerPool::Lease lease, std::vector<std::string> columns, int64_t rows,
              ResultFormat format, std::chrono::steady_clock::time_point deadline,
              uint64_t max_piece_bytes);
  ~QueryResult();  // a result not read to its end leaves the worker out of step: it is replaced

  const std::vector<std::string>& columns() const { return columns_; }
  int64_t rows() const { return rows_; }  // -1 for kArrow: counted as the stream goes
  ResultFormat format() const { return format_; }
  // Past it a kArrow query's worker is killed (NextPiece fails).
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  double execution_ms = 0;   // until the worker had the whole result (kArrow: its first rows)
  int files_read = 0;
  // The next piece of the JSON "data" array's text ("[[..],[..]..." in order) or of the Arrow
  // IPC stream; nullopt after the last. Blocks on the worker; IOError when it died;
  // InvalidArgument when an Arrow stream failed part way or passed the deadline.
  Result<std::optional<std::string>> NextPiece();

 private:
  // Waits for the worker's next message until the deadline (kArrow); kills it past that.
  Status AwaitWorker();

  QueryWorkerPool::Lease lease_;
  std::vector<std::string> columns_;
  int64_t rows_;
  const ResultFormat format_;
  const std::chrono::steady_clock::time_point deadline_;
  const uint64_t max_piece_bytes_;
  bool done_ = false;
};

class QueryEngine {
 public:
  // `ingest` must outlive the engine. Opens the parse database and starts the query workers
  // (`binary`: the arc executable). `storage` (may be null: local files only) fills the local
  // read cache before a query.
  static Result<std::unique_ptr<QueryEngine>> Open(const Config& config, IngestEngine* ingest,
                                                   Storage* storage, const std::string& binary);
  QueryEngine(const Config& config, IngestEngine* ingest, Storage* storage);
  ~QueryEngine();

  // Runs one read-only statement (SELECT, or EXPLAIN of one). `default_db` resolves bare
  // measurement names. InvalidArgument for bad or forbidden SQL, the timeout, a result past
  // query.max_rows or max_result_bytes, and a query that ran out of memory (its worker died),
  // with a message naming the problem and never the server's paths or rewritten SQL.
  // kJson blocks until the worker has the whole result; kArrow until its first rows (the
  // rest streams within query.timeout_seconds). Thread-safe.
  // With `scope`, every database the SQL names (measurement or not) must be in it, else
  // PermissionDenied naming the first that is not (the caller checks `default_db`).
  Result<std::unique_ptr<QueryResult>> Run(const std::string& sql, const std::string& default_db,
                                           const DatabaseScope* scope = nullptr,
                                           ResultFormat format = ResultFormat::kJson);

  // {"databases": [{"name", "measurements": [{"name", "columns": [{"name","type"}], "rows",
  // "files", "in_memory"}]}]} as JSON text: every folder, and every measurement with rows in
  // memory ("rows" counts Parquet rows). Thread-safe.
  Result<std::string> Measurements();

  // The catalogue, for InfluxQL's SHOW statements and planning. Thread-safe.
  struct Column {
    std::string name;
    std::string type;  // DuckDB's type name: BIGINT, DOUBLE, VARCHAR, BOOLEAN
    bool is_tag = false;
  };
  // Databases created (CREATE DATABASE) or holding data (files or rows in memory), sorted.
  std::vector<std::string> Databases();
  // Whether db is one of Databases(), stopping at the first sign of it (every SELECT asks).
  bool HasDatabase(const std::string& db);
  // Measurements of `db` (folders and rows in memory), sorted.
  std::vector<std::string> MeasurementNames(const std::string& db);
  // The columns of db.m over every live file and the rows in memory, "time" excluded, sorted
  // by name; empty when the measurement does not exist. Tags are the columns any file's
  // "arc:tags" footer entry or any buffered batch names as tags.
  Result<std::vector<Column>> Describe(const std::string& db, const std::string& m);
  // Creates the database's folder and its created-marker (synced), so it is listed before any
  // data arrives. InvalidArgument for a bad name; the I/O error otherwise.
  Status CreateDatabase(const std::string& db);
  // Removes the created-marker: once its measurements hold no data the database is no longer
  // listed (DROP DATABASE deletes their rows first). Synced.
  Status ForgetDatabase(const std::string& db);

  const std::string& root() const { return root_; }
  // The ingest engine whose rows in memory queries read (the catalogue lists them too).
  IngestEngine* ingest() const { return ingest_; }

 private:
  Status OpenDatabase();
  bool IsMeasurement(const std::string& db, const std::string& m);
  // Sends the query to a worker and waits (until the deadline) for its header or error.
  // `tables` are the arc_buffered(i) sources, `file_lists` the $arc_files_<k> parameters and
  // `file_sizes` their files' sizes.
  Result<std::unique_ptr<QueryResult>> Execute(const std::string& sql, const std::vector<std::string>& tables,
                                               const std::vector<std::vector<std::string>>& file_lists,
                                               const std::vector<std::vector<uint64_t>>& file_sizes,
                                               ResultFormat format);

  const Config config_;
  IngestEngine* const ingest_;
  Storage* const storage_;
  std::unique_ptr<DuckDatabase> db_;   // parse-only, and the catalogue listing
  FileSchemaCache schemas_;            // Describe's file schemas
  std::string root_;                   // absolute storage.local_path
  std::unique_ptr<QueryWorkerPool> workers_;
};

}  // namespace arc
