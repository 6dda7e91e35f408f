#include "query/query_engine.h"

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/logging.h"
#include "ingest/names.h"
#include "query/sql_rewrite.h"
#include "storage/flush_scan.h"
#include "storage/hour_files.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;

// Interrupts a connection's query after a timeout unless Done() comes first.
class Watchdog {
 public:
  Watchdog(duckdb_connection conn, std::chrono::seconds timeout)
      : thread_([this, conn, timeout] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, timeout, [&] { return done_; })) {
            fired_ = true;
            duckdb_interrupt(conn);
          }
        }) {}
  ~Watchdog() { Done(); }
  void Done() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool fired() const { return fired_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

// Splits "EXPLAIN [ANALYZE] rest" into prefix and rest.
std::pair<std::string, std::string> SplitExplain(const std::string& sql) {
  size_t i = sql.find_first_not_of(" \t\r\n");
  if (i == std::string::npos) return {"", sql};
  auto word_at = [&](size_t pos, const char* w) {
    const size_t n = std::strlen(w);
    if (sql.size() < pos + n) return false;
    for (size_t k = 0; k < n; ++k) {
      if (std::toupper(static_cast<unsigned char>(sql[pos + k])) != w[k]) return false;
    }
    return pos + n == sql.size() || std::isspace(static_cast<unsigned char>(sql[pos + n]));
  };
  if (!word_at(i, "EXPLAIN")) return {"", sql};
  size_t j = sql.find_first_not_of(" \t\r\n", i + 7);
  std::string prefix = "EXPLAIN ";
  if (j != std::string::npos && word_at(j, "ANALYZE")) {
    prefix = "EXPLAIN ANALYZE ";
    j = sql.find_first_not_of(" \t\r\n", j + 7);
  }
  return {prefix, j == std::string::npos ? "" : sql.substr(j)};
}

std::string FileList(const std::vector<std::string>& files) {
  std::string out = "[";
  for (size_t i = 0; i < files.size(); ++i) out += (i ? ", " : "") + QuoteLiteral(files[i]);
  return out + "]";
}

// DuckDB's message without its stack trace (internal errors carry one).
Status SqlError(const std::string& prefix, duckdb_result* r) {
  std::string msg = duckdb_result_error(r) ? duckdb_result_error(r) : "query failed";
  return Status::InvalidArgument(prefix + StripStackTrace(msg));
}

// --- the arc_buffered(snapshot, table) table function ---

struct BufferedBind {
  QueryEngine::SnapshotTable* table;
  HourSlice all;
};

void BufferedBindFn(duckdb_bind_info info) {
  auto* engine = static_cast<QueryEngine*>(duckdb_bind_get_extra_info(info));
  duckdb_value a = duckdb_bind_get_parameter(info, 0);
  duckdb_value b = duckdb_bind_get_parameter(info, 1);
  const int64_t snapshot = duckdb_get_int64(a), table = duckdb_get_int64(b);
  duckdb_destroy_value(&a);
  duckdb_destroy_value(&b);
  QueryEngine::SnapshotTable* t = engine->FindSnapshotTable(snapshot, table);
  if (t == nullptr) return duckdb_bind_set_error(info, "arc_buffered is internal to the query endpoint");
  AddScanColumns(info, *t->view);
  auto bind = std::make_unique<BufferedBind>(BufferedBind{t, WholeView(*t->view)});
  duckdb_bind_set_bind_data(info, bind.release(), [](void* p) { delete static_cast<BufferedBind*>(p); });
}

void BufferedInitFn(duckdb_init_info info) {
  duckdb_init_set_init_data(info, std::make_unique<ScanCursor>().release(),
                            [](void* p) { delete static_cast<ScanCursor*>(p); });
  duckdb_init_set_max_threads(info, 1);
}

void BufferedScanFn(duckdb_function_info info, duckdb_data_chunk output) {
  auto* bind = static_cast<BufferedBind*>(duckdb_function_get_bind_data(info));
  auto* cursor = static_cast<ScanCursor*>(duckdb_function_get_init_data(info));
  FillScanChunk(*bind->table->view, bind->all, cursor, output);
}

std::string AbsolutePath(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;
}

}  // namespace

Result<std::unique_ptr<QueryEngine>> QueryEngine::Open(const Config& config, IngestEngine* ingest,
                                                       Storage* storage) {
  auto engine = std::make_unique<QueryEngine>(config, ingest, storage);
  ARC_RETURN_IF_ERROR(engine->OpenDatabase());
  return engine;
}

QueryEngine::QueryEngine(const Config& config, IngestEngine* ingest, Storage* storage)
    : config_(config), ingest_(ingest), storage_(storage), root_(AbsolutePath(config.storage.local_path)) {}

QueryEngine::~QueryEngine() = default;

// A second in-memory database for queries, with arc_buffered registered, then locked down:
// file access only below the data directory, no extensions, configuration frozen (the order
// matters: each step is a SET).
Status QueryEngine::OpenDatabase() {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDatabase> db,
                       DuckDatabase::OpenInMemory({{"memory_limit", config_.query.memory_limit},
                                                   {"threads", std::to_string(config_.query.threads)},
                                                   {"autoinstall_known_extensions", "false"},
                                                   {"autoload_known_extensions", "false"},
                                                   {"allow_community_extensions", "false"}}));
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db));
  duckdb_table_function f = duckdb_create_table_function();
  duckdb_table_function_set_name(f, "arc_buffered");
  duckdb_logical_type big = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_table_function_add_parameter(f, big);
  duckdb_table_function_add_parameter(f, big);
  duckdb_destroy_logical_type(&big);
  duckdb_table_function_set_extra_info(f, this, nullptr);
  duckdb_table_function_set_bind(f, BufferedBindFn);
  duckdb_table_function_set_init(f, BufferedInitFn);
  duckdb_table_function_set_function(f, BufferedScanFn);
  const duckdb_state st = duckdb_register_table_function(conn->handle(), f);
  duckdb_destroy_table_function(&f);
  if (st != DuckDBSuccess) return Status::Internal("cannot register arc_buffered");
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL TimeZone = 'UTC'"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET allowed_directories = [" + QuoteLiteral(root_ + "/") + "]"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET enable_external_access = false"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL lock_configuration = true"));
  conn.reset();
  std::lock_guard<std::mutex> lock(db_mu_);
  db_ = std::move(db);
  return Status::OK();
}

std::shared_ptr<DuckDatabase> QueryEngine::Database() const {
  std::lock_guard<std::mutex> lock(db_mu_);
  return db_;
}

void QueryEngine::ReplaceInvalidated(const std::shared_ptr<DuckDatabase>& broken) {
  static std::mutex reopen_mu;  // one reopen at a time
  std::lock_guard<std::mutex> once(reopen_mu);
  if (Database() != broken) return;  // another query replaced it already
  Status st = OpenDatabase();
  if (st.ok()) {
    LOG_ERROR("query engine: DuckDB reported an internal error and invalidated its database; "
              "a fresh one serves the next queries");
  } else {
    LOG_ERROR("query engine: cannot reopen the query database: " << st.ToString());
  }
}

QueryEngine::SnapshotTable* QueryEngine::FindSnapshotTable(int64_t snapshot, int64_t table) {
  std::lock_guard<std::mutex> lock(snapshots_mu_);
  auto it = snapshots_.find(snapshot);
  if (it == snapshots_.end() || table < 0 || table >= static_cast<int64_t>(it->second.size())) return nullptr;
  return it->second[table].get();
}

bool QueryEngine::IsMeasurement(const std::string& db, const std::string& m) {
  if (!ValidateDatabaseName(db).ok() || !ValidateMeasurementName(m).ok()) return false;
  if (DefaultFileSystem()->Exists(JoinPath(root_, MeasurementDirectory(db, m))) || ingest_->HasBuffered(db, m)) return true;
  if (storage_ == nullptr) return false;
  // Object storage: the measurement may exist only in the bucket.
  Status st = storage_->EnsureLocal(db, m, std::nullopt, std::nullopt);
  return st.ok() && DefaultFileSystem()->Exists(JoinPath(root_, MeasurementDirectory(db, m)));
}

Result<QueryOutput> QueryEngine::Run(const std::string& sql, const std::string& default_db) {
  const auto start = Clock::now();
  const std::shared_ptr<DuckDatabase> db = Database();
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db, false));
  const auto [explain, body] = SplitExplain(sql);
  Result<RewrittenQuery> rewritten = RewriteQuery(conn.get(), body, default_db, [this](const std::string& d, const std::string& m) {
    return IsMeasurement(d, m);
  });
  if (!rewritten.ok()) {
    const std::string msg = rewritten.status().message();
    if (msg.find("Only SELECT statements") != std::string::npos) {
      return Status::InvalidArgument("only read-only SELECT queries are allowed");
    }
    return rewritten.status();
  }
  // With object storage, fetch what the local read cache lacks first.
  if (storage_ != nullptr) {
    for (const TableRef& t : rewritten->tables) {
      Status st = storage_->EnsureLocal(t.database, t.measurement, t.min_hour, t.max_hour);
      if (!st.ok()) return Status::Unavailable("cannot fetch " + t.database + "." + t.measurement + " from storage: " + st.message());
    }
  }
  // One consistent view: the hour files and every row still in memory.
  std::vector<std::pair<std::string, std::string>> names;
  for (const TableRef& t : rewritten->tables) names.emplace_back(t.database, t.measurement);
  std::vector<HourFiles> files(names.size());
  std::vector<std::vector<Batch>> memory;
  ingest_->Snapshot(names, [&] {
    for (size_t i = 0; i < names.size(); ++i) {
      const TableRef& t = rewritten->tables[i];
      files[i] = ListHourFiles(DefaultFileSystem(), root_, t.database, t.measurement, t.min_hour, t.max_hour);
    }
  }, &memory);
  const int64_t id = next_snapshot_++;
  // A column whose type changed between requests still in memory gives several groups, each
  // scanned with its own types; UNION ALL BY NAME then widens them as it widens Parquet files
  // of different schemas (never one vector holding two types).
  std::vector<std::vector<int64_t>> groups(memory.size());
  {
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    auto& tables = snapshots_[id];
    for (size_t i = 0; i < memory.size(); ++i) {
      std::vector<std::vector<Batch>> split = SplitBySchema(std::move(memory[i]));
      if (split.empty()) split.emplace_back();  // no rows: a table of just "time", for the shape
      for (std::vector<Batch>& rows : split) {
        auto t = std::make_unique<SnapshotTable>();
        t->batches = std::move(rows);
        t->view = std::make_unique<FlushView>(t->batches);
        groups[i].push_back(static_cast<int64_t>(tables.size()));
        tables.push_back(std::move(t));
      }
    }
  }
  struct Release {
    QueryEngine* e;
    int64_t id;
    ~Release() {
      std::lock_guard<std::mutex> lock(e->snapshots_mu_);
      e->snapshots_.erase(id);
    }
  } release{this, id};
  QueryOutput output;
  std::vector<std::string> sources;
  for (size_t i = 0; i < names.size(); ++i) {
    bool buffered = false;
    for (int64_t t : groups[i]) buffered |= !FindSnapshotTable(id, t)->batches.empty();
    std::string memory;
    for (int64_t t : groups[i]) {
      memory += (memory.empty() ? "" : " UNION ALL BY NAME ") + std::string("SELECT * FROM arc_buffered(") +
                std::to_string(id) + ", " + std::to_string(t) + ")";
    }
    std::string source = memory;
    if (!files[i].files.empty()) {
      // With buffered rows the files must be exactly the snapshot's (a file published later
      // holds rows the snapshot already has in memory). Without, hour-folder patterns are
      // as good (later files hold only later rows) and much cheaper to carry; the view is
      // then the plain Parquet scan, so count(*) comes from the footers.
      const std::string list = buffered ? FileList(files[i].files) : FileList(files[i].globs);
      source = "SELECT * FROM read_parquet(" + list + ", union_by_name = true)" +
               (buffered ? " UNION ALL BY NAME " + memory : "");
    } else if (!files[i].any_file.empty()) {  // pruned to nothing: keep the columns, no rows
      source = "SELECT * FROM read_parquet(" + QuoteLiteral(files[i].any_file) + ") WHERE false" +
               (buffered ? " UNION ALL BY NAME " + memory : "");
    }
    output.files_read += static_cast<int>(files[i].files.size());
    sources.push_back(std::move(source));
  }
  ARC_ASSIGN_OR_RETURN(const std::string spliced, SpliceSources(conn.get(), *rewritten, sources));
  // Only a single SELECT survives json_serialize_sql, and the SQL run here is what
  // json_deserialize_sql made of it (or the original when it names no measurement), so it is
  // read-only; running it directly binds it once (prepare + execute would bind twice).
  const std::string final_sql = explain + spliced;
  duckdb_result result;
  Watchdog watchdog(conn->handle(), std::chrono::seconds(config_.query.timeout_seconds));
  const duckdb_state state = duckdb_query(conn->handle(), final_sql.c_str(), &result);
  watchdog.Done();
  if (state != DuckDBSuccess) {
    if (DuckErrorInvalidates(duckdb_result_error_type(&result))) {
      duckdb_destroy_result(&result);
      conn.reset();
      ReplaceInvalidated(db);
      return Status::InvalidArgument("the query failed inside the engine (an internal error); "
                                     "it was logged and the engine was restarted for later queries");
    }
    Status st = watchdog.fired()
                    ? Status::InvalidArgument("query exceeded query.timeout_seconds (" +
                                              std::to_string(config_.query.timeout_seconds) + " s) and was interrupted")
                    : SqlError("SQL error: ", &result);
    duckdb_destroy_result(&result);
    return st;
  }
  if (duckdb_result_statement_type(result) != DUCKDB_STATEMENT_TYPE_SELECT &&
      duckdb_result_statement_type(result) != DUCKDB_STATEMENT_TYPE_EXPLAIN) {
    duckdb_destroy_result(&result);
    return Status::InvalidArgument("only read-only SELECT queries are allowed");
  }
  Result<EncodedResult> encoded = EncodeResult(&result, config_.query.max_rows);
  duckdb_destroy_result(&result);
  if (!encoded.ok()) return encoded.status();
  output.result = std::move(*encoded);
  output.execution_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return output;
}

Result<std::string> QueryEngine::Measurements() {
  using nlohmann::json;
  json dbs = json::array();
  Result<std::vector<DirEntry>> entries = DefaultFileSystem()->ListDir(root_);
  std::vector<std::string> names;
  if (entries.ok()) {
    for (const DirEntry& e : *entries) {
      if (e.is_dir && ValidateDatabaseName(e.name).ok()) names.push_back(e.name);
    }
  }
  std::sort(names.begin(), names.end());
  const std::shared_ptr<DuckDatabase> database = Database();
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*database, false));
  for (const std::string& db : names) {
    json measurements = json::array();
    Result<std::vector<DirEntry>> ms = DefaultFileSystem()->ListDir(JoinPath(root_, db));
    std::vector<std::string> mnames;
    for (const DirEntry& e : ms.ok() ? *ms : std::vector<DirEntry>{}) {
      if (e.is_dir && ValidateMeasurementName(e.name).ok()) mnames.push_back(e.name);
    }
    std::sort(mnames.begin(), mnames.end());
    for (const std::string& m : mnames) {
      const HourFiles files = ListHourFiles(DefaultFileSystem(), root_, db, m, std::nullopt, std::nullopt);
      json entry = {{"name", m}, {"files", files.files.size()}, {"rows", 0}, {"columns", json::array()}};
      if (!files.files.empty()) {
        const std::string list = FileList(files.files);
        duckdb_result r;
        if (duckdb_query(conn->handle(), ("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" +
                                          list + ", union_by_name = true))").c_str(), &r) == DuckDBSuccess) {
          for (idx_t i = 0; i < duckdb_row_count(&r); ++i) {
            char* n = duckdb_value_varchar(&r, 0, i);
            char* t = duckdb_value_varchar(&r, 1, i);
            entry["columns"].push_back({{"name", n}, {"type", t}});
            duckdb_free(n);
            duckdb_free(t);
          }
        }
        duckdb_destroy_result(&r);
        if (duckdb_query(conn->handle(), ("SELECT sum(num_rows) FROM parquet_file_metadata(" + list + ")").c_str(),
                         &r) == DuckDBSuccess) {
          entry["rows"] = duckdb_value_int64(&r, 0, 0);
        }
        duckdb_destroy_result(&r);
      }
      measurements.push_back(entry);
    }
    dbs.push_back({{"name", db}, {"measurements", measurements}});
  }
  return json{{"databases", dbs}}.dump();
}

}  // namespace arc
