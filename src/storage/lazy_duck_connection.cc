#include "storage/lazy_duck_connection.h"

namespace arc {

Result<DuckConnection*> LazyDuckConnection::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn_ != nullptr) return conn_.get();
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckDatabase> db, DuckDatabase::OpenInMemory(options_));
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(*db));
  db_ = std::move(db);
  conn_ = std::move(conn);
  return conn_.get();
}

void LazyDuckConnection::Interrupt() {
  // Under the lock: an open in progress finishes first, and its connection has nothing to stop.
  std::lock_guard<std::mutex> lock(mu_);
  if (conn_ != nullptr) duckdb_interrupt(conn_->handle());
}

bool LazyDuckConnection::opened() const {
  std::lock_guard<std::mutex> lock(mu_);
  return conn_ != nullptr;
}

}  // namespace arc
