#include "query/query_worker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "ingest/batch_codec.h"
#include "query/arrow_result.h"
#include "query/footer_cache_budget.h"
#include "query/memory_watch.h"
#include "query/parquet_signatures.h"
#include "query/result_json.h"
#include "query/streaming_select.h"
#include "query/worker_protocol.h"
#include "storage/duckdb_util.h"
#include "storage/flush_scan.h"
#include "storage/flush_view.h"

namespace arc {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxRequestBytes = 4ull
                                      << 30;  // buffered rows of a query: bounded by the server
constexpr size_t kPieceBytes = 256 * 1024;    // result text per kData message
// The footer cache's bounds (query/footer_cache_budget.h). A footer holds per row group and
// column some 100 bytes on disk and a few times that parsed: a few KB for a flushed file, some
// hundreds of KB for a compacted 512 MB one. Either bound keeps the cache to tens of MB beside
// the 512 MB of headroom RLIMIT_AS leaves the engine. Past them the database is reopened (a
// few ms) and caches again.
constexpr size_t kMaxCachedFooters = 4096;
constexpr uint64_t kMaxCachedFileBytes = 32ull << 30;
// Arrow bytes per kData message: the server holds one message at a time, whatever the size
// of a record batch (a batch of wide rows may be hundreds of MB).
constexpr size_t kArrowPieceBytes = 1 << 20;

struct WorkerSetup {
  std::string root;
  std::string spill_dir;
  std::string memory_limit;
  int threads = 1;
  uint64_t address_space_bytes = 0;
  int64_t max_rows = 1000000;
  uint64_t max_result_bytes = 256ull << 20;
  int64_t max_arrow_rows = 0;
};

// One query: its SQL and the answer's format.
struct QueryRequest {
  std::string sql;
  bool arrow = false;  // an Arrow IPC stream (docs/arrow-ipc.md) instead of JSON
  std::vector<std::vector<std::string>> files;  // $arc_files_<k>: read_parquet source k's files
  std::vector<uint64_t> file_sizes;              // the sizes of all of them, in order
};

// The buffered rows of the query in progress, one table per arc_buffered(i) source.
struct Table {
  std::vector<Batch> batches;
  std::unique_ptr<FlushView> view;
};
std::vector<std::unique_ptr<Table>> g_tables;

struct BufferedBind {
  Table* table;
  HourSlice all;
};

void BufferedBindFn(duckdb_bind_info info) {
  duckdb_value v = duckdb_bind_get_parameter(info, 0);
  const int64_t index = duckdb_get_int64(v);
  duckdb_destroy_value(&v);
  if (index < 0 || index >= static_cast<int64_t>(g_tables.size())) {
    return duckdb_bind_set_error(info, "arc_buffered is internal to the query endpoint");
  }
  Table* t = g_tables[static_cast<size_t>(index)].get();
  AddScanColumns(info, *t->view);
  auto bind = std::make_unique<BufferedBind>(BufferedBind{t, WholeView(*t->view)});
  duckdb_bind_set_bind_data(info, bind.release(),
                            [](void* p) { delete static_cast<BufferedBind*>(p); });
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

Result<WorkerSetup> ParseSetup(const std::string& text) {
  try {
    const json j = json::parse(text);
    WorkerSetup s;
    s.root = j.at("root").get<std::string>();
    s.spill_dir = j.at("spill_dir").get<std::string>();
    s.memory_limit = j.at("memory_limit").get<std::string>();
    s.threads = j.at("threads").get<int>();
    s.address_space_bytes = j.at("address_space_bytes").get<uint64_t>();
    s.max_rows = j.at("max_rows").get<int64_t>();
    s.max_result_bytes = j.at("max_result_bytes").get<uint64_t>();
    s.max_arrow_rows = j.value("max_arrow_rows", int64_t{0});
    return s;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("query worker setup: ") + e.what());
  }
}

// The limits no query can lift: the address space (RLIMIT_AS) and a lower CPU priority than
// the ingest path's threads. Under AddressSanitizer only the MemoryWatch holds the memory cap.
void ConfineProcess(const WorkerSetup& s) {
  if (s.address_space_bytes > 0 && !UnderAddressSanitizer()) {
    struct rlimit rl {
      static_cast<rlim_t>(s.address_space_bytes), static_cast<rlim_t>(s.address_space_bytes)
    };
    ::setrlimit(RLIMIT_AS, &rl);
  }
  struct rlimit core {
    0, 0
  };
  ::setrlimit(RLIMIT_CORE, &core);
  (void)::nice(10);
}

// Opens the worker's database: arc_buffered registered, then locked down (files only below the
// data directory, no extensions, a private spill folder, configuration frozen).
Result<std::unique_ptr<DuckDatabase>> OpenDatabase(const WorkerSetup& s) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDatabase> db,
                       DuckDatabase::OpenInMemory({{"memory_limit", s.memory_limit},
                                                   {"threads", std::to_string(s.threads)},
                                                   {"temp_directory", s.spill_dir},
                                                   {"autoinstall_known_extensions", "false"},
                                                   {"autoload_known_extensions", "false"},
                                                   {"allow_community_extensions", "false"}}));
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db));
  duckdb_table_function f = duckdb_create_table_function();
  duckdb_table_function_set_name(f, "arc_buffered");
  duckdb_logical_type big = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_table_function_add_parameter(f, big);
  duckdb_destroy_logical_type(&big);
  duckdb_table_function_set_bind(f, BufferedBindFn);
  duckdb_table_function_set_init(f, BufferedInitFn);
  duckdb_table_function_set_function(f, BufferedScanFn);
  const duckdb_state st = duckdb_register_table_function(conn->handle(), f);
  duckdb_destroy_table_function(&f);
  if (st != DuckDBSuccess) return Status::Internal("cannot register arc_buffered");
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL TimeZone = 'UTC'"));
  // Footers stay parsed between queries (most queries read the same files again). DuckDB checks
  // a cached footer against its file (device, inode, size, mtime) at each open but never
  // evicts one: a FooterCacheBudget bounds the cache.
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL parquet_metadata_cache = true"));
  ARC_RETURN_IF_ERROR(
      conn->Execute("SET allowed_directories = [" + QuoteLiteral(s.root + "/") + "]"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET enable_external_access = false"));
  ARC_RETURN_IF_ERROR(conn->Execute("SET GLOBAL lock_configuration = true"));
  return db;
}

// Reads a kQuery payload: the SQL, the answer's format and the buffered tables.
Result<QueryRequest> DecodeQuery(const std::string& payload) {
  if (payload.size() < 4) return Status::InvalidArgument("short query message");
  uint32_t header_len = 0;
  std::memcpy(&header_len, payload.data(), 4);
  if (payload.size() < 4ull + header_len) return Status::InvalidArgument("short query message");
  const json header = json::parse(payload.substr(4, header_len), nullptr, false);
  if (header.is_discarded() || !header.contains("sql"))
    return Status::InvalidArgument("bad query header");
  const size_t tables = header.value("tables", size_t{0});
  QueryRequest request{header["sql"].get<std::string>(), header.value("format", "") == "arrow", {}, {}};
  if (header.contains("files")) {
    if (!header["files"].is_array()) return Status::InvalidArgument("bad query header");
    for (const json& list : header["files"]) {
      if (!list.is_array()) return Status::InvalidArgument("bad query header");
      std::vector<std::string>& files = request.files.emplace_back();
      for (const json& f : list) {
        if (!f.is_string()) return Status::InvalidArgument("bad query header");
        files.push_back(f.get<std::string>());
      }
    }
    for (const json& list : header.value("file_sizes", json::array())) {
      for (const json& n : list) request.file_sizes.push_back(n.is_number_unsigned() ? n.get<uint64_t>() : 0);
    }
  }
  size_t pos = 4ull + header_len;
  g_tables.clear();
  for (size_t i = 0; i < tables; ++i) {
    if (payload.size() < pos + 8) return Status::InvalidArgument("short query message");
    uint64_t len = 0;
    std::memcpy(&len, payload.data() + pos, 8);
    pos += 8;
    if (payload.size() < pos + len) return Status::InvalidArgument("short query message");
    auto t = std::make_unique<Table>();
    if (len > 0) {
      std::unique_ptr<BatchSet> set;
      ARC_RETURN_IF_ERROR(DecodeBatchSet(std::string_view(payload).substr(pos, len), &set));
      t->batches = std::move(set->batches());
    }
    pos += len;
    t->view = std::make_unique<FlushView>(t->batches);
    g_tables.push_back(std::move(t));
  }
  return request;
}

Status SendResult(int fd, const EncodedResult& r) {
  ARC_RETURN_IF_ERROR(WriteWorkerMessage(fd, WorkerMessage::kHeader,
                                         json{{"columns", r.columns}, {"rows", r.rows}}.dump()));
  for (size_t off = 0; off < r.data_json.size(); off += kPieceBytes) {
    ARC_RETURN_IF_ERROR(WriteWorkerMessage(fd, WorkerMessage::kData,
                                           std::string_view(r.data_json).substr(off, kPieceBytes)));
  }
  return WriteWorkerMessage(fd, WorkerMessage::kEnd, "");
}

// Streams a running query's result as Arrow IPC: kHeader once the first rows are there, then
// kData pieces as they are fetched and kEnd; an error part way is a kError after some kData.
Status ServeArrow(int fd, const WorkerSetup& setup, duckdb_result* result) {
  ArrowStreamLimits limits;
  limits.max_rows = setup.max_arrow_rows;
  limits.max_batch_bytes = setup.max_result_bytes;
  std::vector<std::string> columns;
  for (idx_t i = 0; i < duckdb_column_count(result); ++i) columns.emplace_back(duckdb_column_name(result, i));
  Status io = Status::OK();  // a failed write to the server: this worker is done
  const Status st = StreamArrowResult(
      result, limits,
      [&] {
        io = WriteWorkerMessage(fd, WorkerMessage::kHeader, json{{"columns", columns}, {"rows", -1}}.dump());
        return io;
      },
      [&](std::string_view piece) {
        for (size_t off = 0; off < piece.size() && io.ok(); off += kArrowPieceBytes) {
          io = WriteWorkerMessage(fd, WorkerMessage::kData, piece.substr(off, kArrowPieceBytes));
        }
        return io;
      });
  const bool fatal = !st.ok() && DuckErrorInvalidates(duckdb_result_error_type(result));
  duckdb_destroy_result(result);
  g_tables.clear();
  ARC_RETURN_IF_ERROR(io);
  if (st.ok()) return WriteWorkerMessage(fd, WorkerMessage::kEnd, "");
  ARC_RETURN_IF_ERROR(WriteWorkerMessage(fd, fatal ? WorkerMessage::kFatal : WorkerMessage::kError,
                                         SanitizeQueryError(st.message(), setup.root)));
  if (fatal) return Status::Internal("query database invalidated");
  return Status::OK();
}

// The worker's database and what its footer cache may hold.
struct WorkerDatabase {
  std::unique_ptr<DuckDatabase> db;
  FooterCacheBudget footers{kMaxCachedFooters, kMaxCachedFileBytes};
  ParquetSignatures signatures;  // of files whose footers the cache may hold
};

// Reopens the database when its footer cache must be emptied before `request` runs (DuckDB's
// cache has no eviction: a new database is an empty cache).
Status EmptyFooterCacheIfNeeded(const WorkerSetup& setup, const QueryRequest& request,
                                WorkerDatabase* state) {
  std::vector<std::string> paths;
  for (const auto& list : request.files) paths.insert(paths.end(), list.begin(), list.end());
  if (!state->footers.MustEmptyBefore(paths, request.file_sizes)) return Status::OK();
  state->signatures.Clear();
  state->db.reset();
  ARC_ASSIGN_OR_RETURN(state->db, OpenDatabase(setup));
  return Status::OK();
}

// $arc_files_<k> and $arc_union_<k> of each read_parquet source: a source whose files all share
// one schema reads them without union_by_name (query/parquet_signatures.h).
std::vector<SqlParameter> SourceParameters(const QueryRequest& request, duckdb_connection conn,
                                           WorkerDatabase* state) {
  std::vector<SqlParameter> params;
  size_t first = 0;  // request.file_sizes runs over every source's files in order
  for (size_t k = 0; k < request.files.size(); ++k) {
    const size_t n = request.files[k].size();
    const size_t begin = std::min(first, request.file_sizes.size());
    const std::vector<uint64_t> sizes(request.file_sizes.begin() + begin,
                                      request.file_sizes.begin() + std::min(first + n, request.file_sizes.size()));
    first += n;
    // A file that cannot be read stays unknown (a union): the query itself reports it.
    (void)state->signatures.Learn(conn, request.files[k], sizes);
    params.push_back({QueryUnionParameter(k), !state->signatures.OneSchema(request.files[k], sizes)});
    params.push_back({QueryFilesParameter(k), request.files[k]});
  }
  return params;
}

// Runs one query and answers it (a result or an error message).
Status Serve(int fd, const WorkerSetup& setup, WorkerDatabase* state, const std::string& payload) {
  // kFatal when the engine invalidated its database: this worker ends after answering.
  auto fail = [&](const std::string& msg, bool fatal_error = false) {
    return WriteWorkerMessage(fd, fatal_error ? WorkerMessage::kFatal : WorkerMessage::kError,
                              SanitizeQueryError(msg, setup.root));
  };
  Result<QueryRequest> request = DecodeQuery(payload);
  if (!request.ok()) return fail(request.status().message());
  if (Status st = EmptyFooterCacheIfNeeded(setup, *request, state); !st.ok()) {
    ARC_RETURN_IF_ERROR(fail("query worker: " + st.message(), true));
    return st;  // no database: this worker is done; the server starts another
  }
  Result<std::unique_ptr<DuckConnection>> conn = DuckConnection::Open(*state->db, false);
  if (!conn.ok()) return fail(conn.status().message());
  const std::vector<SqlParameter> params = SourceParameters(*request, (*conn)->handle(), state);
  const std::string sql =
      request->arrow ? ArrowCompatibleSql((*conn)->handle(), request->sql, params) : request->sql;
  duckdb_result result;
  bool fatal = false;
  if (Status st = RunStreamingSelect((*conn)->handle(), sql, &result, &fatal, params); !st.ok()) {
    g_tables.clear();
    ARC_RETURN_IF_ERROR(fail(st.message(), fatal));
    // The engine invalidated its database: this worker is done; the server starts another.
    if (fatal) return Status::Internal("query database invalidated");
    return Status::OK();
  }
  if (request->arrow) return ServeArrow(fd, setup, &result);
  Result<EncodedResult> encoded = EncodeResult(&result, setup.max_rows, setup.max_result_bytes);
  // An error part way through the stream can invalidate the database as well.
  fatal = !encoded.ok() && DuckErrorInvalidates(duckdb_result_error_type(&result));
  duckdb_destroy_result(&result);
  g_tables.clear();
  if (!encoded.ok()) {
    ARC_RETURN_IF_ERROR(fail(encoded.status().message(), fatal));
    if (fatal) return Status::Internal("query database invalidated");
    return Status::OK();
  }
  return SendResult(fd, *encoded);
}

}  // namespace

std::string SanitizeQueryError(std::string message, const std::string& root) {
  message = StripStackTrace(std::move(message));
  // "LINE 1: <sql>\n   ^" shows the statement DuckDB ran: the server's rewrite, not the user's.
  // DuckDB's "Possible solutions" suggest SET statements a client cannot run.
  for (const char* marker : {"\n\nLINE ", "\nLINE ", "\n\nPossible solutions:"}) {
    const size_t at = message.find(marker);
    if (at != std::string::npos) message.resize(at);
  }
  if (!root.empty()) {
    const std::string prefix = root + "/";
    for (size_t at = message.find(prefix); at != std::string::npos; at = message.find(prefix, at)) {
      message.erase(at, prefix.size());
    }
    for (size_t at = message.find(root); at != std::string::npos; at = message.find(root, at)) {
      message.replace(at, root.size(), ".");
    }
  }
  return message;
}

int RunQueryWorker(int fd) {
  WorkerMessage type;
  std::string payload;
  if (!ReadWorkerMessage(fd, &type, &payload, 1 << 20).ok() || type != WorkerMessage::kSetup)
    return 2;
  Result<WorkerSetup> setup = ParseSetup(payload);
  if (!setup.ok()) return 2;
  ConfineProcess(*setup);
  // Resident memory never exceeds the address space, so without sanitizers RLIMIT_AS acts
  // first; the watch catches what it cannot (sanitizer builds).
  const MemoryWatch watch(setup->address_space_bytes, std::chrono::milliseconds(10));
  Result<std::unique_ptr<DuckDatabase>> db = OpenDatabase(*setup);
  if (!db.ok()) {
    (void)WriteWorkerMessage(fd, WorkerMessage::kError, "query worker: " + db.status().message());
    return 3;
  }
  WorkerDatabase state;
  state.db = std::move(*db);
  for (;;) {
    if (!ReadWorkerMessage(fd, &type, &payload, kMaxRequestBytes).ok()) return 0;  // server gone
    if (type != WorkerMessage::kQuery) return 2;
    if (!Serve(fd, *setup, &state, payload).ok()) return 4;
  }
}

}  // namespace arc
