#include "server/app.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "common/logging.h"
#include "server/tls_context.h"
#include "storage/partition_layout.h"

namespace arc {

namespace {

// TLS and CORS from [server], checked before anything else starts (a typo in a certificate
// path must not wait for a WAL replay to be reported).
Status ConfigureTransport(const ServerConfig& c, HttpServer::Options* opts) {
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument(c.tls_cert.empty()
                                       ? "server.tls_key is set but server.tls_cert is not: TLS needs both"
                                       : "server.tls_cert is set but server.tls_key is not: TLS needs both");
  }
  if (!c.tls_cert.empty()) {
    ARC_ASSIGN_OR_RETURN(opts->tls, LoadServerTls(DefaultFileSystem(), c.tls_cert, c.tls_key));
  }
  ARC_ASSIGN_OR_RETURN(opts->cors, CorsPolicy::Make(c.cors_origins));
  return Status::OK();
}

}  // namespace

App::App(Config config) : config_(std::move(config)) {}

App::~App() {
  // The flusher threads call into the compactor: stop them before the compactor goes.
  compactor_for_flushes_ = nullptr;
  if (engine_ != nullptr) engine_->Shutdown();
}

// Exactly-once needs one writer per data and WAL directory: a second server would replay,
// delete orphans and name files as if it were alone. The lock is taken before anything in
// those directories is read or changed. Its name starts with a dot, like every other file
// of ours that is no database (database names start with a letter).
Status App::LockDirectories() {
  FileSystem* fs = DefaultFileSystem();
  std::vector<std::pair<std::string, std::string>> dirs = {
      {"storage.local_path", config_.storage.local_path}};
  if (config_.wal.enabled) dirs.emplace_back("wal.dir", config_.wal.dir);
  std::vector<std::string> locked;  // canonical paths: one directory may be spelled two ways
  for (const auto& [key, dir] : dirs) {
    ARC_RETURN_IF_ERROR(fs->CreateDirs(dir).WithContext(key + " " + dir));
    char resolved[PATH_MAX];
    const std::string canonical = ::realpath(dir.c_str(), resolved) != nullptr ? resolved : dir;
    if (std::find(locked.begin(), locked.end(), canonical) != locked.end()) continue;
    Result<std::unique_ptr<FileLock>> lock = fs->LockFile(JoinPath(dir, ".lock"));
    if (!lock.ok()) {
      if (lock.status().code() != StatusCode::kUnavailable) {
        return lock.status().WithContext("cannot lock " + key + " " + dir);
      }
      return lock.status().WithContext(key + " " + dir +
                                       " is in use by another arc server (two "
                                       "servers must not share a data or WAL directory)");
    }
    locks_.push_back(std::move(*lock));
    locked.push_back(canonical);
  }
  return Status::OK();
}

namespace {

bool IsAdminToken(const TokenStore& tokens, const std::string& token) {
  Result<TokenInfo> info = tokens.Verify(token);
  return info.ok() && (info->permissions & static_cast<uint32_t>(Permission::kAdmin));
}

}  // namespace

Status App::OpenAuth() {
  if (!config_.auth.enabled) {
    LOG_WARN("authentication is disabled (auth.enabled = false): every client may read and write");
    return Status::OK();
  }
  const char* bootstrap = std::getenv("ARC_AUTH_BOOTSTRAP_TOKEN");
  const char* force = std::getenv("ARC_AUTH_FORCE_BOOTSTRAP");
  const bool forced = force != nullptr && (std::string(force) == "true" || std::string(force) == "1");
  const bool bootstrap_given = bootstrap != nullptr && *bootstrap != '\0';
  // Refused before the store opens: a first start would otherwise store a generated admin
  // token that nobody is ever shown.
  if (forced && !bootstrap_given) {
    return Status::InvalidArgument(
        "ARC_AUTH_FORCE_BOOTSTRAP=true needs ARC_AUTH_BOOTSTRAP_TOKEN=<the admin token to install>");
  }
  std::string new_admin;
  ARC_ASSIGN_OR_RETURN(tokens_, TokenStore::Open(DefaultFileSystem(), config_.auth.token_file,
                                                 bootstrap ? bootstrap : "", &new_admin));
  if (new_admin.empty()) {
    if (bootstrap_given && forced) {
      // Operator recovery: the admin token was lost. The bootstrap token becomes a working
      // admin token (the entry named "admin" gets its hash: the old admin secret stops working).
      ARC_RETURN_IF_ERROR(tokens_->InstallAdmin(bootstrap));
      LOG_WARN("ARC_AUTH_FORCE_BOOTSTRAP: ARC_AUTH_BOOTSTRAP_TOKEN installed as the admin token in "
               << config_.auth.token_file
               << "; unset ARC_AUTH_FORCE_BOOTSTRAP now so a restart does not do it again");
    } else if (bootstrap_given && !IsAdminToken(*tokens_, bootstrap)) {
      // Said only when it matters: the bootstrap token would answer 401 (or 403).
      LOG_WARN("ARC_AUTH_BOOTSTRAP_TOKEN is ignored: "
               << config_.auth.token_file
               << " already holds tokens (it applies on first start only). To install it as the "
                  "admin token anyway, e.g. after losing the admin token, restart with "
                  "ARC_AUTH_FORCE_BOOTSTRAP=true");
    }
    return Status::OK();
  }
  if (bootstrap_given) {
    LOG_INFO("admin token created from ARC_AUTH_BOOTSTRAP_TOKEN");
    return Status::OK();
  }
  return HandOverAdminToken(new_admin);
}

// A generated admin token never goes to the log (logs end up in journald, docker and log
// shippers): it is printed on the terminal when there is one, and written to a file only its
// owner can read.
Status App::HandOverAdminToken(const std::string& token) {
  const std::string path = JoinPath(DirName(config_.auth.token_file), "admin.token");
  ARC_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileSystem(), path, token + "\n", 0600)
                          .WithContext("cannot store the new admin token"));
  if (::isatty(STDERR_FILENO)) {
    std::fprintf(stderr, "\nadmin token (shown once; also in %s): %s\n\n", path.c_str(),
                 token.c_str());
  }
  LOG_WARN("admin token created and written to "
           << path << " (mode 0600): read it, store it safely, then delete the file");
  return Status::OK();
}

Status App::ResolveNodeId() {
  std::string& id = node_id_;
  id = config_.server.node_id;
  if (!id.empty()) {
    if (!IsValidNodeId(id))
      return Status::InvalidArgument("server.node_id \"" + id +
                                     "\" must be 1 to 32 lower-case letters and digits");
    return Status::OK();
  }
  FileSystem* fs = DefaultFileSystem();
  const std::string path = JoinPath(config_.storage.local_path, ".node_id");
  if (Result<std::string> kept = fs->ReadFile(path); kept.ok()) {
    id = kept->substr(0, kept->find('\n'));
    if (!IsValidNodeId(id))
      return Status::Corruption(path + " holds no valid node id; fix it or set server.node_id");
    return Status::OK();
  }
  // Random, so that servers started from copies of nothing never share one; kept, so that a
  // restart finds its own files (orphans, compaction) again.
  std::random_device random;
  char text[9];
  std::snprintf(text, sizeof(text), "%08x", random());
  id = text;
  ARC_RETURN_IF_ERROR(fs->CreateDirs(config_.storage.local_path));
  ARC_RETURN_IF_ERROR(WriteFileAtomically(fs, path, id + "\n"));
  LOG_INFO("node id " << id << " created in " << path);
  return Status::OK();
}

Status App::OpenStorage() {
  const StorageConfig& c = config_.storage;
  if (c.backend == StorageBackend::kLocal) {
    auto local = std::make_unique<LocalStorage>(DefaultFileSystem(), c.local_path);
    ARC_RETURN_IF_ERROR(local->Open().WithContext("storage " + c.local_path));
    storage_ = std::move(local);
    return Status::OK();
  }
  if (c.s3_bucket.empty()) {
    return Status::InvalidArgument("storage.s3_bucket is required for backend \"" +
                                   std::string(EnumToString(c.backend)) + "\"");
  }
  s3::S3Options o;
  o.endpoint = c.s3_endpoint;
  o.bucket = c.s3_bucket;
  o.region = c.s3_region;
  o.access_key = c.s3_access_key;
  o.secret_key = c.s3_secret_key;
  o.use_ssl = c.s3_use_ssl;
  o.path_style = c.s3_path_style || c.backend == StorageBackend::kMinio;
  std::string prefix = c.s3_prefix;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  auto s3 = std::make_unique<S3Storage>(DefaultFileSystem(), c.local_path, o, prefix);
  ARC_RETURN_IF_ERROR(s3->Open());
  storage_ = std::move(s3);
  return Status::OK();
}

Status App::Start() {
  HttpServer::Options opts;
  ARC_RETURN_IF_ERROR(ConfigureTransport(config_.server, &opts));
  ARC_RETURN_IF_ERROR(LockDirectories());
  ARC_RETURN_IF_ERROR(ResolveNodeId());
  ARC_RETURN_IF_ERROR(OpenStorage());
  storage_->set_node_id(node_id_);
  // Unfinished file-set switches first: WAL replay and queries must see the finished set.
  const uint64_t boot_id =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  file_switch_ = std::make_unique<FileSetSwitch>(DefaultFileSystem(), storage_.get(), &live_files_,
                                                 config_.storage.local_path, boot_id);
  SwitchRecoveryTotals switches;
  ARC_RETURN_IF_ERROR(file_switch_->Recover(&switches));
  if (switches.rolled_back + switches.rolled_forward > 0) {
    LOG_INFO("file-set switches recovered: " << switches.rolled_forward << " finished, "
                                             << switches.rolled_back << " rolled back");
  }
  IngestEngine::Options engine_options;
  engine_options.live_files = &live_files_;
  // The replayed rows flush once the port is open (below): the start-up after the replay
  // then has the cores to itself.
  engine_options.hold_replayed_flush = true;
  // Flushes tell the compactor which hours got files, so its timer cycles list only those.
  engine_options.on_files_written = [this](const std::vector<std::string>& paths) {
    if (Compactor* c = compactor_for_flushes_.load()) c->NoteWritten(paths);
  };
  ARC_ASSIGN_OR_RETURN(
      engine_, IngestEngine::Start(config_, storage_.get(), DefaultFileSystem(), engine_options));
  if (config_.compaction.enabled) {
    compactor_ =
        std::make_unique<Compactor>(config_.compaction, DefaultFileSystem(), storage_.get(),
                                    &live_files_, file_switch_.get(), config_.storage.local_path);
    ARC_RETURN_IF_ERROR(compactor_->Start());
    compactor_for_flushes_ = compactor_.get();
  }
  policies_ = std::make_unique<RetentionPolicies>(
      DefaultFileSystem(), JoinPath(config_.storage.local_path, ".retention/policies.json"));
  ARC_RETURN_IF_ERROR(policies_->Load());
  if (config_.retention.enabled) {
    retention_ = std::make_unique<Retention>(config_.retention.interval_seconds,
                                             DefaultFileSystem(), storage_.get(), &live_files_,
                                             file_switch_.get(),
                                             policies_.get(), config_.storage.local_path);
    ARC_RETURN_IF_ERROR(retention_->Start());
  }
  if (config_.delete_.enabled) {
    IngestEngine* engine = engine_.get();
    const auto flush_timeout = std::chrono::seconds(config_.delete_.flush_timeout_seconds);
    deleter_ = std::make_unique<Deleter>(
        config_.delete_, config_.compaction.row_group_size, config_.compaction.memory_limit,
        DefaultFileSystem(), storage_.get(), &live_files_, file_switch_.get(),
        config_.storage.local_path,
        [engine, flush_timeout](const std::string& db, const std::string& m) {
          return engine->FlushMeasurement(db, m, flush_timeout);
        });
    ARC_RETURN_IF_ERROR(deleter_->Start());
  }
  lifecycle_executor_ = std::make_unique<Executor>("lifecycle", 1, 4);
  ARC_RETURN_IF_ERROR(OpenAuth());
  decode_executor_ =
      std::make_unique<Executor>("decode", config_.server.workers, 4 * config_.server.workers);
  query_executor_ =
      std::make_unique<Executor>("query", config_.query.max_concurrent, config_.query.max_queued);
  writes_ = std::make_unique<WriteHandler>(engine_.get(), config_.server.max_payload_size,
                                           decode_executor_.get());
  wal_ = std::make_unique<WalHandler>(engine_.get(), DefaultFileSystem());
  char self[PATH_MAX] = {0};
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  const std::string binary =
      len > 0 ? std::string(self, static_cast<size_t>(len)) : "/proc/self/exe";
  ARC_ASSIGN_OR_RETURN(
      query_engine_,
      QueryEngine::Open(
          config_, engine_.get(),
          config_.storage.backend == StorageBackend::kLocal ? nullptr : storage_.get(), binary));
  queries_ =
      std::make_unique<QueryHandler>(query_engine_.get(), query_executor_.get(),
                                     std::chrono::seconds(config_.server.body_timeout_seconds));
  influx_catalog_ = std::make_unique<influxql::EngineCatalog>(query_engine_.get(), deleter_.get());
  influx_queries_ = std::make_unique<InfluxQueryHandler>(influx_catalog_.get(), query_executor_.get(),
                                                         tokens_.get(), config_.query.max_rows);
  quarantine_ = std::make_unique<QuarantineHandler>(engine_.get());
  compaction_ = std::make_unique<CompactionHandler>(compactor_.get());
  retention_handler_ = std::make_unique<RetentionHandler>(policies_.get(), retention_.get(),
                                                          lifecycle_executor_.get());
  delete_handler_ = std::make_unique<DeleteHandler>(deleter_.get(), lifecycle_executor_.get());
  Router::Limits limits;
  limits.max_payload_size = config_.server.max_payload_size;
  router_ = std::make_unique<Router>(writes_.get(), wal_.get(), queries_.get(), quarantine_.get(),
                                     compaction_.get(), retention_handler_.get(),
                                     delete_handler_.get(), influx_queries_.get(), tokens_.get(),
                                     engine_.get(), limits);
  opts.host = config_.server.host;
  opts.port = config_.server.port;
  opts.threads = config_.server.workers;
  opts.max_inflight_body_bytes = config_.server.max_inflight_bytes;
  opts.max_connections = config_.server.max_connections;
  opts.header_timeout = std::chrono::seconds(config_.server.header_timeout_seconds);
  opts.body_timeout = std::chrono::seconds(config_.server.body_timeout_seconds);
  server_ = std::make_unique<HttpServer>(
      opts, [r = router_.get()](HttpRequest& head) { return r->Head(head); },
      [r = router_.get()](HttpRequest&& req, HttpServer::Responder respond) {
        r->Handle(std::move(req), std::move(respond));
      });
  ARC_RETURN_IF_ERROR(server_->Start());
  server_->OnShutdownSignal([this] {
    LOG_INFO("shutdown signal received");
    Shutdown();
  });
  router_->SetReady(true);
  engine_->ReleaseReplayedFlush();
  if (opts.tls) {
    LOG_INFO("TLS on: HTTPS only (TLS 1.2+), certificate " << config_.server.tls_cert);
  } else {
    LOG_INFO("TLS off: plain HTTP (set server.tls_cert and server.tls_key for HTTPS)");
  }
  if (opts.cors.enabled()) {
    std::string origins;
    for (const std::string& o : config_.server.cors_origins) origins += (origins.empty() ? "" : ", ") + o;
    LOG_INFO("CORS on for " << origins);
  }
  LOG_INFO("arc listening on " << config_.server.host << ":" << server_->port() << " ("
                               << config_.server.workers << " workers, storage "
                               << storage_->Describe() << ", WAL "
                               << (config_.wal.enabled
                                       ? std::string(EnumToString(config_.wal.sync_mode)) + " in " +
                                             config_.wal.dir
                                       : std::string("off"))
                               << ", node " << node_id_ << ")");
  return Status::OK();
}

void App::Shutdown() {
  int64_t none = 0;
  shutdown_requested_ns_.compare_exchange_strong(
      none, std::chrono::steady_clock::now().time_since_epoch().count());
  if (router_) router_->SetReady(false);
  if (server_) server_->Stop(5000);
}

void App::Run() {
  server_->Wait();
  // Work already running (a decode feeding the engine, a query) finishes; queued work goes.
  query_executor_->Stop();
  decode_executor_->Stop();
  // The compactor first: a delete waiting for the jobs lock behind a long compaction run
  // would otherwise hold up the executor's Stop until that run ends.
  if (compactor_ != nullptr) compactor_->Stop();  // a job in progress is rolled back
  lifecycle_executor_->Stop();
  if (retention_ != nullptr) retention_->Stop();
  const int64_t since = shutdown_requested_ns_.load();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (since != 0) {
    deadline = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(since)) +
               std::chrono::seconds(config_.server.shutdown_timeout_seconds);
  }
  engine_->ShutdownBy(deadline);
  LOG_INFO("arc stopped");
}

}  // namespace arc
