// LazyDuckConnection: an in-memory DuckDB database and one connection, opened on first use.
// The lifecycle jobs (compaction, retention, delete) each keep one; opening three engines at
// start-up cost ~80 ms of every restart for work that may not run for an hour.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/duckdb_util.h"

namespace arc {

class LazyDuckConnection {
 public:
  using Options = std::vector<std::pair<std::string, std::string>>;
  // `options` are applied when the database opens (as DuckDatabase::OpenInMemory's).
  explicit LazyDuckConnection(Options options) : options_(std::move(options)) {}

  // The connection, opened on the first call. Thread-safe; the connection itself is used by
  // one thread at a time, as before. An open that fails returns its error and is tried again
  // on the next call. The pointer stays valid for this object's lifetime.
  Result<DuckConnection*> Get();
  // Interrupts the connection's running statement, if the connection was ever opened.
  // Any thread, at any time.
  void Interrupt();
  // True once Get opened the database (for tests).
  bool opened() const;

 private:
  const Options options_;
  mutable std::mutex mu_;
  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
};

}  // namespace arc
