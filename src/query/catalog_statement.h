// Catalogue statements of POST /api/v1/query: SHOW DATABASES, SHOW TABLES / MEASUREMENTS
// [FROM db], SHOW ALL TABLES, DESCRIBE [db.]measurement. Arc answers them from its own
// catalogue (files and rows in memory), never from DuckDB's, which knows only the query
// worker's scratch database. The other statements that would read DuckDB's catalogue (any
// other SHOW, PRAGMA) are refused here with a message naming what is supported; DESCRIBE of
// a query and SUMMARIZE read only measurements and go to the SQL path (which refuses SHOW
// inside a query). Grammar in docs/protocol.md ("Catalogue statements").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace arc {

struct CatalogStatement {
  enum class Kind { kShowDatabases, kShowTables, kDescribe };
  Kind kind = Kind::kShowDatabases;
  // kShowTables and kDescribe: the database named, or empty for the request's current one.
  std::string database;
  // kShowTables: every database (SHOW ALL TABLES).
  bool all_databases = false;
  // kDescribe: the measurement.
  std::string measurement;
};

// Classifies one statement. nullopt: not a catalogue statement (its first word is not SHOW,
// DESCRIBE, DESC or PRAGMA, or it is DESCRIBE of a query): run it as SQL. InvalidArgument naming the problem
// for a refused statement, a bad database or measurement name, an unterminated quote or
// trailing words. Keywords are case-insensitive; comments (-- and /* */), whitespace and one
// trailing semicolon are allowed; names may be quoted with ", ' or `. Pure function.
Result<std::optional<CatalogStatement>> ParseCatalogStatement(std::string_view sql);

}  // namespace arc
