// FaultFileSystem: an in-memory FileSystem for crash and fault tests. It remembers what is
// durable — file bytes up to the last sync, directory entries as of the last directory sync —
// and Crash() throws the rest away, as a power loss would. It can also fail syncs with EIO,
// run out of space at an exact byte, and make every sync slow.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "common/file_system.h"

namespace arc::test {

class FaultFileSystem final : public FileSystem {
 public:
  struct Node {
    std::string data;      // what the process sees
    std::string durable;   // what survives a crash
  };

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, bool truncate,
                                                        int mode = 0644) override;
  // Like DirectLogFile: appends are staged until a Sync writes them (then as AppendTo would),
  // and a failed Sync is sticky.
  Result<std::unique_ptr<WritableFile>> NewLogFile(const std::string& path) override;
  // The same contract over an existing file, written from offset 0: synced bytes overwrite
  // the old ones in place, the rest of the old bytes stay (durable as they were).
  Result<std::unique_ptr<WritableFile>> ReuseLogFile(const std::string& path) override;
  Status SetPermissions(const std::string&, int) override { return Status::OK(); }
  Result<std::string> ReadFile(const std::string& path) override;
  Status SyncFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status CreateDirs(const std::string& path, bool sync = true) override;
  // Its Sync makes everything durable: file contents and names.
  Result<std::unique_ptr<FileSystemSync>> OpenFileSystemSync(const std::string& path) override;
  Status SyncEverything();
  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override;
  bool Exists(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  // An in-process lock table (a crashed process's locks would vanish with it; Crash keeps them
  // because the test's lock objects outlive it).
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  // Power loss: unsynced bytes and unsynced directory changes vanish. With `rng`, each file
  // keeps a random prefix of its unsynced appended bytes instead (the disk wrote some).
  void Crash(std::mt19937* rng = nullptr);
  // The next `count` file syncs fail with EIO (-1: all of them).
  void FailSyncs(int count) { fail_syncs_ = count; }
  // Appends beyond `bytes` in total (all files) write what fits, then fail with ENOSPC.
  void SetSpaceLimit(uint64_t bytes) { space_limit_ = bytes; }
  uint64_t UsedBytes();
  void SetSyncDelay(std::chrono::microseconds d) { sync_delay_ = d; }
  // From HoldSyncs until ReleaseSyncs every file sync waits at a gate (syncs_waiting counts
  // them), so a test can line up writes behind a sync in flight without timing.
  void HoldSyncs();
  void ReleaseSyncs();
  int syncs_waiting();
  // Every mutating operation after the next `ops` fails with EIO (a crashed process).
  void FreezeAfter(int ops) { ops_until_freeze_ = ops; }
  void Unfreeze() { ops_until_freeze_ = -1; }
  void Corrupt(const std::string& path, size_t offset, char xor_mask);
  void Truncate(const std::string& path, size_t size);
  void WriteRaw(const std::string& path, const std::string& data);  // durable at once
  // What of `path` would survive a crash now ("" when its name is not durable).
  std::string DurableContent(const std::string& path);

  std::atomic<int> data_syncs{0}, full_syncs{0}, dir_syncs{0}, appends{0};

  // Used by the file objects.
  Status CheckFrozen();
  Status AppendTo(const std::shared_ptr<Node>& node, std::string_view data);
  Status WriteAt(const std::shared_ptr<Node>& node, uint64_t offset, std::string_view data);
  Status SyncNode(const std::shared_ptr<Node>& node, SyncKind kind);

 private:
  uint64_t UsedLocked() const;  // bytes of every live file; mu_ held
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> live_;
  std::map<std::string, std::shared_ptr<Node>> durable_;
  std::set<std::string> dirs_;
  std::set<std::string> locked_;
  int fail_syncs_ = 0;
  uint64_t space_limit_ = UINT64_MAX;
  std::chrono::microseconds sync_delay_{0};
  int ops_until_freeze_ = -1;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool hold_syncs_ = false;
  int syncs_waiting_ = 0;
};

}  // namespace arc::test
