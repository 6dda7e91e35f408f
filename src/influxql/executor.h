// Executor: runs parsed InfluxQL statements against a Catalog and collects InfluxDB-shaped
// results. Each statement gets its own result; the first failed statement carries its error
// and, as in InfluxDB, the ones after it are not run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "influxql/ast.h"
#include "influxql/catalog.h"
#include "influxql/result.h"

namespace arc::influxql {

struct ExecOptions {
  std::string database;       // the request's db (may be empty)
  std::string retention_policy;  // the request's rp: "" or "autogen" (Arc has one policy)
  int64_t now_ns = 0;         // now() for every statement of the request
  bool may_write = false;     // CREATE DATABASE / DROP: a POST with an admin token
  int64_t max_points = 1000000;
};

// Runs `statements` in order, up to and including the first that fails (as InfluxDB does).
// Thread-safe when `catalog` is.
std::vector<StatementResult> Execute(const std::vector<Statement>& statements,
                                     const ExecOptions& options, Catalog* catalog);

// One SHOW statement (influxql/meta.cc).
Result<std::vector<Series>> ExecuteShow(const ShowStatement& show, const ExecOptions& options,
                                        Catalog* catalog);

}  // namespace arc::influxql
