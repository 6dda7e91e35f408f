#include "query/worker_pool.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "query/worker_protocol.h"

extern char** environ;

namespace arc {

QueryWorkerPool::Lease::~Lease() {
  if (worker_ != nullptr) pool_->Return(std::move(worker_));
}

void QueryWorkerPool::Lease::Kill() {
  if (worker_->pid > 0) ::kill(worker_->pid, SIGKILL);
  worker_->broken = true;
}

QueryWorkerPool::QueryWorkerPool(QueryWorkerSetup setup, int size)
    : setup_(std::move(setup)), size_(std::max(1, size)) {}

QueryWorkerPool::~QueryWorkerPool() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& w : idle_) {
    w->broken = true;
    Reap(w.get());
  }
}

Status QueryWorkerPool::Start() {
  std::vector<std::unique_ptr<Worker>> started;
  for (int i = 0; i < size_; ++i) {
    ARC_ASSIGN_OR_RETURN(std::unique_ptr<Worker> w, Spawn());
    started.push_back(std::move(w));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& w : started) idle_.push_back(std::move(w));
  return Status::OK();
}

// The worker is the same executable in another role; a socket pair is its only channel, on
// its descriptor 3. Its spill folder is emptied first (a killed worker leaves files there).
Result<std::unique_ptr<QueryWorkerPool::Worker>> QueryWorkerPool::Spawn() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::FromErrno(errno, "socketpair for a query worker");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);  // dup2 clears CLOEXEC on fd 3
  const char* argv[] = {setup_.binary.c_str(), "--query-worker", "3", nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, setup_.binary.c_str(), &actions, nullptr,
                               const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::FromErrno(rc, "start a query worker (" + setup_.binary + ")");
  }
  auto w = std::make_unique<Worker>();
  w->pid = pid;
  w->fd = fds[0];
  std::string spill;
  {
    std::lock_guard<std::mutex> lock(mu_);
    spill = setup_.spill_dir + "/w" + std::to_string(spawned_++ % (2 * size_ + 2));
  }
  std::error_code ec;
  std::filesystem::remove_all(spill, ec);
  std::filesystem::create_directories(spill, ec);
  const nlohmann::json cfg = {{"root", setup_.root},
                              {"spill_dir", spill},
                              {"memory_limit", setup_.memory_limit},
                              {"threads", setup_.threads},
                              {"address_space_bytes", setup_.address_space_bytes},
                              {"max_rows", setup_.max_rows},
                              {"max_result_bytes", setup_.max_result_bytes},
                              {"max_arrow_rows", setup_.max_arrow_rows}};
  Status st = WriteWorkerMessage(w->fd, WorkerMessage::kSetup, cfg.dump());
  if (!st.ok()) {
    w->broken = true;
    Reap(w.get());
    return st.WithContext("query worker setup");
  }
  return w;
}

Result<QueryWorkerPool::Lease> QueryWorkerPool::Acquire() {
  std::unique_ptr<Worker> w;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return leased_ < size_; });
    ++leased_;
    if (!idle_.empty()) {
      w = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (w == nullptr) {
    Result<std::unique_ptr<Worker>> spawned = Spawn();
    if (!spawned.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      --leased_;
      cv_.notify_one();
      return spawned.status();
    }
    w = std::move(*spawned);
  }
  return Lease(this, std::move(w));
}

void QueryWorkerPool::Return(std::unique_ptr<Worker> worker) {
  if (worker->broken) {
    Reap(worker.get());  // replaced lazily by the next Acquire
    worker.reset();
  }
  std::lock_guard<std::mutex> lock(mu_);
  --leased_;
  if (worker != nullptr) idle_.push_back(std::move(worker));
  cv_.notify_one();
}

void QueryWorkerPool::Reap(Worker* worker) {
  if (worker->fd >= 0) ::close(worker->fd);  // a healthy worker exits on EOF
  worker->fd = -1;
  if (worker->pid <= 0) return;
  if (worker->broken) ::kill(worker->pid, SIGKILL);
  int status = 0;
  ::waitpid(worker->pid, &status, 0);
  worker->pid = -1;
}

}  // namespace arc
