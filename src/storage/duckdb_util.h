// RAII owners for DuckDB C API handles, and SQL quoting helpers.
#pragma once

#include <duckdb.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace arc {

// An in-process DuckDB database. Thread-safe (DuckDB's own guarantee); connect per thread.
class DuckDatabase {
 public:
  // Opens an in-memory database.
  static Result<std::unique_ptr<DuckDatabase>> OpenInMemory();
  // Opens an in-memory database with configuration options applied at open.
  static Result<std::unique_ptr<DuckDatabase>> OpenInMemory(
      const std::vector<std::pair<std::string, std::string>>& options);
  DuckDatabase() = default;  // unopened; use OpenInMemory
  DuckDatabase(const DuckDatabase&) = delete;
  DuckDatabase& operator=(const DuckDatabase&) = delete;
  ~DuckDatabase();
  duckdb_database handle() const { return db_; }

 private:
  duckdb_database db_ = nullptr;
};

// One connection: use from one thread at a time.
class DuckConnection {
 public:
  // Connects and (when `set_utc`) sets TimeZone to UTC for this connection.
  static Result<std::unique_ptr<DuckConnection>> Open(const DuckDatabase& db, bool set_utc = true);
  DuckConnection() = default;  // unconnected; use Open
  DuckConnection(const DuckConnection&) = delete;
  DuckConnection& operator=(const DuckConnection&) = delete;
  ~DuckConnection();
  duckdb_connection handle() const { return conn_; }
  // Runs a statement and discards its result. Internal error with DuckDB's message on failure.
  Status Execute(const std::string& sql);

 private:
  duckdb_connection conn_ = nullptr;
};

// "name" with embedded quotes doubled.
std::string QuoteIdentifier(std::string_view name);
// 'text' with embedded quotes doubled.
std::string QuoteLiteral(std::string_view text);

}  // namespace arc
