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
  // Runs a statement and discards its result. On failure the Status carries DuckDB's message
  // (see StatusFromDuckError for the codes).
  Status Execute(const std::string& sql);
  // True when the last failed Execute was an internal or fatal engine error, after which
  // DuckDB may refuse every statement of this database ("database has been invalidated").
  bool last_error_invalidates() const { return last_error_invalidates_; }

 private:
  duckdb_connection conn_ = nullptr;
  bool last_error_invalidates_ = false;
};

// Maps a DuckDB error to a Status: IO, network and HTTP errors → IOError; out of memory,
// interrupts and fatal errors → Unavailable (transient); internal errors → Internal; every
// other error (binder, conversion, invalid input, ...) → InvalidArgument (it comes from the
// statement or its data and repeats). `message` is DuckDB's text without a stack trace.
Status StatusFromDuckError(duckdb_error_type type, const std::string& message);
// True for the error types after which DuckDB invalidates the database.
bool DuckErrorInvalidates(duckdb_error_type type);
// DuckDB's message without the stack trace that internal errors carry.
std::string StripStackTrace(std::string message);

// Runs a query and returns every row as text (NULL as ""). Errors as StatusFromDuckError.
using DuckRows = std::vector<std::vector<std::string>>;
Result<DuckRows> QueryRows(DuckConnection* conn, const std::string& sql);

// "name" with embedded quotes doubled.
std::string QuoteIdentifier(std::string_view name);
// 'text' with embedded quotes doubled.
std::string QuoteLiteral(std::string_view text);
// ['a', 'b']: a DuckDB list literal of quoted strings (file lists for read_parquet and the like).
std::string QuoteList(const std::vector<std::string>& texts);

}  // namespace arc
