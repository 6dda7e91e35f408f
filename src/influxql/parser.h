// InfluxQL parser: query text → statements (influxql/ast.h). Covers SELECT (fields, FROM
// with db.rp.m, /regex/ and subqueries, WHERE, GROUP BY time()/tags/*, fill, ORDER BY time,
// LIMIT/OFFSET/SLIMIT/SOFFSET, tz), SHOW (databases, measurements, tag keys/values, field
// keys, series, retention policies), CREATE DATABASE and DROP; other InfluxQL statements
// parse as UnsupportedStatement.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "influxql/ast.h"

namespace arc::influxql {

// Parses every ';'-separated statement. InvalidArgument "error parsing query: ..." (InfluxDB's
// wording) naming what was found and where. Pure; thread-safe.
Result<std::vector<Statement>> ParseQuery(std::string_view text);

}  // namespace arc::influxql
