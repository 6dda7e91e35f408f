// WHERE clauses: the time range InfluxQL takes from the top-level AND terms on `time`, and
// the rest translated to a DuckDB condition over one measurement's columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "influxql/ast.h"
#include "influxql/catalog.h"

namespace arc::influxql {

// Inclusive bounds in nanoseconds (time > x becomes min = x + 1).
struct TimeRange {
  std::optional<int64_t> min_ns, max_ns;
  bool empty() const { return min_ns && max_ns && *min_ns > *max_ns; }
};

// Splits `where` (may be null) into the time range and the other terms (null when none).
// `now_ns` is now(). InvalidArgument for a time term under OR or a time literal it cannot
// read.
Status SplitTimeRange(const Expr* where, int64_t now_ns, TimeRange* range, ExprPtr* rest);

// Evaluates a time expression (string literal, integer nanoseconds, duration, now(), + and -)
// to nanoseconds.
Result<int64_t> EvalTime(const Expr& e, int64_t now_ns);

// `cond` as DuckDB SQL over the columns of `schema`: tags compare as '' when absent (as
// InfluxDB's missing tags do), unknown names are absent tags, =~ uses RE2 (InfluxDB's syntax).
// InvalidArgument naming an expression it cannot translate.
Result<std::string> ConditionSql(const Expr& cond, const MeasurementSchema& schema);

// SQL for a literal InfluxQL value ('text' quoted, numbers, booleans).
std::string LiteralSql(const Expr& e);

// DuckDB's µs bounds for a range: time >= TO_TIMESTAMP... as SQL ("" when unbounded).
std::string TimeRangeSql(const TimeRange& range);

}  // namespace arc::influxql
