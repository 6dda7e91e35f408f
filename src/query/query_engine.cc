#include "query/query_engine.h"

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/logging.h"
#include "ingest/batch_codec.h"
#include "ingest/names.h"
#include "query/query_worker.h"
#include "query/sql_rewrite.h"
#include "query/worker_protocol.h"
#include "storage/flush_view.h"
#include "storage/hour_files.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

using Clock = std::chrono::steady_clock;

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

// DuckDB's message without its stack trace (internal errors carry one).
std::string AbsolutePath(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;
}

}  // namespace

QueryResult::QueryResult(QueryWorkerPool::Lease lease, std::vector<std::string> columns,
                         int64_t rows, ResultFormat format, Clock::time_point deadline,
                         uint64_t max_piece_bytes)
    : lease_(std::move(lease)),
      columns_(std::move(columns)),
      rows_(rows),
      format_(format),
      deadline_(deadline),
      max_piece_bytes_(max_piece_bytes) {}

QueryResult::~QueryResult() {
  if (!done_) lease_.MarkBroken();  // pieces still in the socket: not reusable
}

// A JSON result is complete in the worker: its pieces only wait for the socket. An Arrow
// query is still running, so its worker gets the deadline a JSON query gets in Execute.
Status QueryResult::AwaitWorker() {
  if (format_ != ResultFormat::kArrow) return Status::OK();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    struct pollfd p {
      lease_.fd(), POLLIN, 0
    };
    // Past the deadline a message already waiting is still taken (poll with 0 ms).
    const int n = ::poll(&p, 1, static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX)));
    if (n > 0) return Status::OK();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(std::string("poll: ") + std::strerror(errno));
    lease_.Kill();
    lease_.MarkBroken();
    done_ = true;
    return Status::InvalidArgument("query exceeded query.timeout_seconds and was stopped");
  }
}

Result<std::optional<std::string>> QueryResult::NextPiece() {
  if (done_) return std::optional<std::string>();
  ARC_RETURN_IF_ERROR(AwaitWorker());
  WorkerMessage type;
  std::string payload;
  Status st = ReadWorkerMessage(lease_.fd(), &type, &payload, max_piece_bytes_);
  if (!st.ok()) {
    lease_.MarkBroken();
    done_ = true;
    return st;
  }
  if (type == WorkerMessage::kEnd) {
    done_ = true;
    return std::optional<std::string>();
  }
  if ((type == WorkerMessage::kError || type == WorkerMessage::kFatal) && format_ == ResultFormat::kArrow) {
    done_ = true;  // the stream failed part way; after kError the worker is in step again
    if (type == WorkerMessage::kFatal) lease_.MarkBroken();
    return Status::InvalidArgument(payload);
  }
  if (type != WorkerMessage::kData) {
    lease_.MarkBroken();
    done_ = true;
    return Status::IOError("query worker out of step");
  }
  return std::optional<std::string>(std::move(payload));
}

Result<std::unique_ptr<QueryEngine>> QueryEngine::Open(const Config& config, IngestEngine* ingest,
                                                       Storage* storage,
                                                       const std::string& binary) {
  auto engine = std::make_unique<QueryEngine>(config, ingest, storage);
  ARC_RETURN_IF_ERROR(engine->OpenDatabase());
  QueryWorkerSetup setup;
  setup.binary = binary;
  setup.root = engine->root_;
  setup.spill_dir = JoinPath(DirName(engine->root_), "query-spill");
  setup.memory_limit = config.query.memory_limit;
  setup.threads = config.query.threads;
  const Result<uint64_t> limit = ParseByteSize(config.query.memory_limit);
  // DuckDB's memory_limit covers its buffer manager, not every allocation (a 2 GB string from
  // repeat() escapes it): the address space cap is what holds. It leaves room for the
  // engine's code and heap (~170 MB mapped when idle, ~230 MB at its peak for SELECT 1, what
  // the buffer manager keeps mapped after a big sort), threads' stacks and the JSON result
  // being encoded (a string that may double while it grows).
  setup.address_space_bytes =
      config.query.max_process_memory > 0
          ? config.query.max_process_memory
          : (limit.ok() ? *limit : (1ull << 30)) + (512ull << 20) +
                (16ull << 20) * static_cast<uint64_t>(std::max(1, config.query.threads)) +
                2 * config.query.max_result_bytes;
  setup.max_rows = config.query.max_rows;
  setup.max_result_bytes = config.query.max_result_bytes;
  setup.max_arrow_rows = config.query.max_arrow_rows;
  engine->workers_ = std::make_unique<QueryWorkerPool>(setup, config.query.max_concurrent);
  ARC_RETURN_IF_ERROR(engine->workers_->Start());
  return engine;
}

QueryEngine::QueryEngine(const Config& config, IngestEngine* ingest, Storage* storage)
    : config_(config),
      ingest_(ingest),
      storage_(storage),
      root_(AbsolutePath(config.storage.local_path)) {}

QueryEngine::~QueryEngine() = default;

// The server's own DuckDB only parses and rewrites user SQL (json_serialize_sql never runs
// it) and reads Parquet footers for the catalogue: one thread, files only below the data
// directory, configuration frozen.
Status QueryEngine::OpenDatabase() {
  ARC_ASSIGN_OR_RETURN(db_, DuckDatabase::OpenInMemory({{"threads", "1"},
                                                        {"memory_limit", "256MB"},
                                                        {"autoinstall_known_extensions", "false"},
                                                        {"autoload_known_extensions", "false"},
                                                        {"allow_community_extensions", "false"}}));
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db_));
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL TimeZone = 'UTC'"));
  ARC_RETURN_IF_ERROR(
      conn->Execute("SET allowed_directories = [" + QuoteLiteral(root_ + "/") + "]"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET enable_external_access = false"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL lock_configuration = true"));
  return Status::OK();
}

bool QueryEngine::IsMeasurement(const std::string& db, const std::string& m) {
  if (!ValidateDatabaseName(db).ok() || !ValidateMeasurementName(m).ok()) return false;
  if (MeasurementFolderExists(DefaultFileSystem(), root_, db, m) || ingest_->HasBuffered(db, m))
    return true;
  if (storage_ == nullptr) return false;
  // Object storage: the measurement may exist only in the bucket.
  Status st = storage_->EnsureLocal(db, m, std::nullopt, std::nullopt);
  return st.ok() && MeasurementFolderExists(DefaultFileSystem(), root_, db, m);
}

Result<std::unique_ptr<QueryResult>> QueryEngine::Run(const std::string& sql,
                                                      const std::string& default_db,
                                                      const DatabaseScope* scope,
                                                      ResultFormat format) {
  const auto start = Clock::now();
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db_, false));
  const auto [explain, body] = SplitExplain(sql);
  // The rewrite asks about every db.m the SQL names: a name outside the scope is refused
  // whether or not it exists (its existence is not the caller's business either).
  Status denied = Status::OK();
  Result<RewrittenQuery> rewritten = RewriteQuery(
      conn.get(), body, default_db, [&](const std::string& d, const std::string& m) {
        if (scope != nullptr && !scope->Allows(d)) {
          if (denied.ok()) denied = scope->Check(d);
          return false;
        }
        return IsMeasurement(d, m);
      });
  if (!denied.ok()) return denied;
  if (!rewritten.ok()) {
    const std::string msg = rewritten.status().message();
    if (msg.find("Only SELECT statements") != std::string::npos) {
      return Status::InvalidArgument("only read-only SELECT queries are allowed");
    }
    return Status::InvalidArgument(SanitizeQueryError(msg, root_));
  }
  // With object storage, fetch what the local read cache lacks first.
  if (storage_ != nullptr) {
    for (const TableRef& t : rewritten->tables) {
      Status st = storage_->EnsureLocal(t.database, t.measurement, t.min_hour, t.max_hour);
      if (!st.ok())
        return Status::Unavailable("cannot fetch " + t.database + "." + t.measurement +
                                   " from storage: " + st.message());
    }
  }
  // One consistent view: the hour files and every row still in memory.
  std::vector<std::pair<std::string, std::string>> names;
  for (const TableRef& t : rewritten->tables) names.emplace_back(t.database, t.measurement);
  std::vector<HourFiles> files(names.size());
  std::vector<std::vector<Batch>> memory;
  // The pin keeps the listed files in place (a compaction retiring them waits to delete them)
  // until the worker has read them, which it has once Execute returns.
  LiveFileSet* live = ingest_->live_files();
  LiveFileSet::Pin pin;
  ingest_->Snapshot(
      names,
      [&] {
        pin = live->PinNow();
        for (size_t i = 0; i < names.size(); ++i) {
          const TableRef& t = rewritten->tables[i];
          files[i] = ListHourFiles(DefaultFileSystem(), root_, t.database, t.measurement,
                                   t.min_hour, t.max_hour, live);
        }
      },
      &memory);
  // A column whose type changed between requests still in memory gives several groups, each
  // scanned with its own types; UNION ALL BY NAME then widens them as it widens Parquet files
  // of different schemas (never one vector holding two types). Each group travels to the
  // worker as one table, read there by arc_buffered(i).
  std::vector<std::string> tables;
  std::vector<std::string> sources;
  std::vector<std::vector<std::string>> file_lists;  // $arc_files_<k>, bound in the worker
  std::vector<std::vector<uint64_t>> file_sizes;     // their sizes (the worker's footer cache)
  int files_read = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string memory_source;
    std::vector<std::vector<Batch>> split = SplitBySchema(std::move(memory[i]));
    if (split.empty()) split.emplace_back();  // no rows: a table of just "time", for the shape
    for (std::vector<Batch>& rows : split) {
      BatchSet set(names[i].first);
      set.batches() = std::move(rows);
      memory_source += (memory_source.empty() ? "" : " UNION ALL BY NAME ") +
                       std::string("SELECT * FROM arc_buffered(") + std::to_string(tables.size()) +
                       ")";
      tables.push_back(set.batches().empty() ? std::string() : EncodeBatchSet(set));
    }
    const bool buffered = !(split.size() == 1 && tables.back().empty());
    files_read += static_cast<int>(files[i].files.size());
    std::string source = memory_source;
    // The file list travels beside the SQL as a parameter (query/streaming_select.h: one bind
    // instead of two, and no literal of thousands of paths to parse, splice and print).
    const std::string files_param = "$" + QueryFilesParameter(file_lists.size());
    const std::string union_param = "$" + QueryUnionParameter(file_lists.size());
    if (!files[i].files.empty()) {
      // Exactly the snapshot's files, never hour-folder patterns: a file published later holds
      // rows the snapshot has in memory, and a compaction's output, exposed while the query
      // runs, holds rows of inputs the query reads (regression: counts came out doubled).
      source = "SELECT * FROM read_parquet(" + files_param + ", union_by_name = " + union_param + ")" +
               (buffered ? " UNION ALL BY NAME " + memory_source : "");
      file_lists.push_back(std::move(files[i].files));
      file_sizes.push_back(std::move(files[i].sizes));
    } else if (!files[i].any_file.empty()) {  // pruned to nothing: keep the columns, no rows
      source = "SELECT * FROM read_parquet(" + files_param + ", union_by_name = " + union_param + ") WHERE false" +
               (buffered ? " UNION ALL BY NAME " + memory_source : "");
      file_lists.push_back({files[i].any_file});
      file_sizes.push_back({0});  // only its footer is read
    }
    sources.push_back(std::move(source));
  }
  ARC_ASSIGN_OR_RETURN(const std::string spliced, SpliceSources(conn.get(), *rewritten, sources));
  // Only a single SELECT survives json_serialize_sql, and the SQL sent is what
  // json_deserialize_sql made of it (or the original when it names no measurement); the
  // worker still refuses any statement that is not a SELECT or an EXPLAIN.
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<QueryResult> result,
                       Execute(explain + spliced, tables, file_lists, file_sizes, format));
  result->files_read = files_read;
  result->execution_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

Result<std::unique_ptr<QueryResult>> QueryEngine::Execute(
    const std::string& sql, const std::vector<std::string>& tables,
    const std::vector<std::vector<std::string>>& file_lists,
    const std::vector<std::vector<uint64_t>>& file_sizes, ResultFormat format) {
  ARC_ASSIGN_OR_RETURN(QueryWorkerPool::Lease lease, workers_->Acquire());
  const auto deadline = Clock::now() + std::chrono::seconds(config_.query.timeout_seconds);
  const bool arrow = format == ResultFormat::kArrow;
  const nlohmann::json header = {{"sql", sql},
                                 {"tables", tables.size()},
                                 {"format", arrow ? "arrow" : "json"},
                                 {"files", file_lists},
                                 {"file_sizes", file_sizes}};
  // A file name that is not UTF-8 (copied in by hand) becomes a name that does not exist: the
  // query fails with DuckDB's "no such file" instead of the dump throwing.
  const std::string h = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string payload(4, '\0');
  const uint32_t hlen = static_cast<uint32_t>(h.size());
  std::memcpy(payload.data(), &hlen, 4);
  payload += h;
  for (const std::string& t : tables) {
    const uint64_t len = t.size();
    payload.append(reinterpret_cast<const char*>(&len), 8);
    payload += t;
  }
  // The deadline: past it the worker is killed, whatever it is doing.
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false, fired = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(config_.query.timeout_seconds),
                     [&] { return answered; })) {
      fired = true;
      lease.Kill();
    }
  });
  WorkerMessage type = WorkerMessage::kError;
  std::string answer;
  Status st = WriteWorkerMessage(lease.fd(), WorkerMessage::kQuery, payload);
  if (st.ok()) st = ReadWorkerMessage(lease.fd(), &type, &answer, 16 << 20);
  {
    std::lock_guard<std::mutex> lock(mu);
    answered = true;
  }
  cv.notify_all();
  watchdog.join();
  if (fired) {
    return Status::InvalidArgument("query exceeded query.timeout_seconds (" +
                                   std::to_string(config_.query.timeout_seconds) +
                                   " s) and was stopped");
  }
  if (!st.ok()) {
    lease.MarkBroken();
    return Status::InvalidArgument(
        "the query used more memory than query.memory_limit allows "
        "(or crashed its worker) and was stopped");
  }
  if (type == WorkerMessage::kFatal) lease.MarkBroken();  // it exits after answering
  if (type == WorkerMessage::kError || type == WorkerMessage::kFatal) return Status::InvalidArgument(answer);
  if (type != WorkerMessage::kHeader) {
    lease.MarkBroken();
    return Status::Internal("query worker out of step");
  }
  const nlohmann::json parsed = nlohmann::json::parse(answer, nullptr, false);
  if (parsed.is_discarded()) {
    lease.MarkBroken();
    return Status::Internal("query worker sent an unreadable header");
  }
  // The worker's pieces: JSON 256 KiB, Arrow at most 1 MiB (a large batch in several).
  const uint64_t max_piece = arrow ? 2u << 20 : 64ull << 20;  // the worker sends ≤ 1 MiB
  return std::make_unique<QueryResult>(std::move(lease),
                                       parsed.value("columns", std::vector<std::string>{}),
                                       parsed.value("rows", int64_t{0}), format, deadline, max_piece);
}

std::vector<std::string> QueryEngine::Databases() {
  std::set<std::string> names;
  Result<std::vector<DirEntry>> entries = DefaultFileSystem()->ListDir(root_);
  // A database is one CREATE DATABASE recorded, or one with a measurement that has data (a
  // dropped database keeps its empty folders and is no longer listed).
  for (const DirEntry& e : entries.ok() ? *entries : std::vector<DirEntry>{}) {
    if (e.is_dir && !e.is_symlink && HasDatabase(e.name)) names.insert(e.name);
  }
  for (const auto& [db, m] : ingest_->BufferedTables()) names.insert(db);
  return {names.begin(), names.end()};
}

bool QueryEngine::HasDatabase(const std::string& db) {
  if (!ValidateDatabaseName(db).ok()) return false;
  if (DefaultFileSystem()->Exists(JoinPath(root_, DatabaseCreatedMarker(db)))) return true;
  for (const auto& [d, m] : ingest_->BufferedTables()) {
    if (d == db) return true;
  }
  Result<std::vector<DirEntry>> entries = DefaultFileSystem()->ListDir(JoinPath(root_, db));
  for (const DirEntry& e : entries.ok() ? *entries : std::vector<DirEntry>{}) {
    if (e.is_dir && !e.is_symlink && ValidateMeasurementName(e.name).ok() &&
        HasDataFile(DefaultFileSystem(), root_, db, e.name, ingest_->live_files()))
      return true;
  }
  return false;
}

std::vector<std::string> QueryEngine::MeasurementNames(const std::string& db) {
  std::set<std::string> names;
  if (!ValidateDatabaseName(db).ok()) return {};
  Result<std::vector<DirEntry>> entries = DefaultFileSystem()->ListDir(JoinPath(root_, db));
  // A folder whose files were all deleted (DROP MEASUREMENT) is no longer a measurement.
  for (const DirEntry& e : entries.ok() ? *entries : std::vector<DirEntry>{}) {
    if (e.is_dir && !e.is_symlink && ValidateMeasurementName(e.name).ok() &&
        HasDataFile(DefaultFileSystem(), root_, db, e.name, ingest_->live_files()))
      names.insert(e.name);
  }
  for (const auto& [d, m] : ingest_->BufferedTables()) {
    if (d == db) names.insert(m);
  }
  return {names.begin(), names.end()};
}

Result<std::vector<QueryEngine::Column>> QueryEngine::Describe(const std::string& db,
                                                               const std::string& m) {
  if (!IsMeasurement(db, m)) return std::vector<Column>{};
  std::vector<SchemaColumn> memory;  // the columns of rows in memory, no rows copied
  HourFiles files;
  LiveFileSet* live = ingest_->live_files();
  LiveFileSet::Pin pin;
  ingest_->SnapshotColumns(db, m, [&] {
    pin = live->PinNow();
    files = ListHourFiles(DefaultFileSystem(), root_, db, m, std::nullopt, std::nullopt, live);
  }, &memory);
  std::map<std::string, Column> columns;
  std::set<std::string> tags;
  if (!files.files.empty()) {
    // Footers are read for files not described before and for one file per distinct schema
    // (InfluxQL describes the measurement of every SELECT).
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db_, false));
    ARC_ASSIGN_OR_RETURN(FileSchemas described, schemas_.Describe(conn.get(), files.files, files.sizes));
    for (const auto& [name, type] : described.columns) columns[name] = Column{name, type, false};
    tags = std::move(described.tags);
  }
  for (const SchemaColumn& c : memory) {
    static const char* const kTypes[] = {"BIGINT", "DOUBLE", "VARCHAR", "BOOLEAN"};
    auto [it, added] = columns.emplace(c.name, Column{c.name, kTypes[static_cast<int>(c.type)], false});
    // A column that is an integer somewhere and a float elsewhere reads as DOUBLE.
    if (!added && it->second.type == "BIGINT" && c.type == ColumnType::kDouble) it->second.type = "DOUBLE";
    if (c.is_tag) tags.insert(c.name);
  }
  std::vector<Column> out;
  for (auto& [name, c] : columns) {
    if (name == "time") continue;
    c.is_tag = tags.count(name) > 0;
    out.push_back(c);
  }
  return out;
}

Status QueryEngine::CreateDatabase(const std::string& db) {
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(db));
  FileSystem* fs = DefaultFileSystem();
  ARC_RETURN_IF_ERROR(fs->CreateDirs(JoinPath(root_, db)));
  const std::string marker = JoinPath(root_, DatabaseCreatedMarker(db));
  if (fs->Exists(marker)) return Status::OK();
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, fs->NewWritableFile(marker, false));
  ARC_RETURN_IF_ERROR(f->Sync(SyncKind::kData));
  ARC_RETURN_IF_ERROR(f->Close());
  return fs->SyncDir(JoinPath(root_, db));  // the record survives a crash once answered
}

Status QueryEngine::ForgetDatabase(const std::string& db) {
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(db));
  const std::string marker = JoinPath(root_, DatabaseCreatedMarker(db));
  if (!DefaultFileSystem()->Exists(marker)) return Status::OK();
  ARC_RETURN_IF_ERROR(DefaultFileSystem()->Remove(marker));
  return DefaultFileSystem()->SyncDir(JoinPath(root_, db));
}

Result<std::string> QueryEngine::Measurements() {
  using nlohmann::json;
  json dbs = json::array();
  Result<std::vector<DirEntry>> entries = DefaultFileSystem()->ListDir(root_);
  std::set<std::string> names;
  if (entries.ok()) {
    for (const DirEntry& e : *entries) {
      if (e.is_dir && !e.is_symlink && ValidateDatabaseName(e.name).ok()) names.insert(e.name);
    }
  }
  // Rows not flushed yet are listed too (a database may have no folder before its first flush).
  const std::set<std::pair<std::string, std::string>> in_memory = ingest_->BufferedTables();
  for (const auto& [db, m] : in_memory) names.insert(db);
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db_, false));
  for (const std::string& db : names) {
    json measurements = json::array();
    Result<std::vector<DirEntry>> ms = DefaultFileSystem()->ListDir(JoinPath(root_, db));
    std::set<std::string> mnames;
    for (const DirEntry& e : ms.ok() ? *ms : std::vector<DirEntry>{}) {
      if (e.is_dir && !e.is_symlink && ValidateMeasurementName(e.name).ok())
        mnames.insert(e.name);
    }
    for (const auto& [d, m] : in_memory) {
      if (d == db) mnames.insert(m);
    }
    for (const std::string& m : mnames) {
      // Pinned like a query, so a compaction cannot delete the files while their footers are read.
      LiveFileSet::Pin pin = ingest_->live_files()->PinNow();
      const HourFiles files = ListHourFiles(DefaultFileSystem(), root_, db, m, std::nullopt,
                                            std::nullopt, ingest_->live_files());
      const bool buffered = in_memory.count({db, m}) > 0;
      json entry = {{"name", m},         {"files", files.files.size()}, {"rows", 0},
                    {"columns", json::array()}, {"in_memory", buffered}};
      if (files.files.empty() && buffered) {
        // Only in memory: the columns of those rows ("rows" counts Parquet rows only).
        entry["columns"].push_back({{"name", "time"}, {"type", "TIMESTAMP WITH TIME ZONE"}});
        Result<std::vector<Column>> described = Describe(db, m);
        for (const Column& c : described.ok() ? *described : std::vector<Column>{})
          entry["columns"].push_back({{"name", c.name}, {"type", c.type}});
      }
      if (!files.files.empty()) {
        const std::string list = QuoteList(files.files);
        duckdb_result r;
        if (duckdb_query(
                conn->handle(),
                ("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" +
                 list + ", union_by_name = true))")
                    .c_str(),
                &r) == DuckDBSuccess) {
          for (idx_t i = 0; i < duckdb_row_count(&r); ++i) {
            char* n = duckdb_value_varchar(&r, 0, i);
            char* t = duckdb_value_varchar(&r, 1, i);
            entry["columns"].push_back({{"name", n}, {"type", t}});
            duckdb_free(n);
            duckdb_free(t);
          }
        }
        duckdb_destroy_result(&r);
        if (duckdb_query(conn->handle(),
                         ("SELECT sum(num_rows) FROM parquet_file_metadata(" + list + ")").c_str(),
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
