// SelectPlanner: one InfluxQL SELECT → a plan: per measurement one DuckDB query, and how its
// rows become InfluxDB series (influxql/series_builder.h). Aggregates that DuckDB computes
// exactly as InfluxDB does run in SQL; the ones whose tie and rank rules differ (percentile,
// mode, top, bottom, distinct) get their points as a JSON list and are finished in C++, as are
// fill() and the transformations (derivative, difference, moving_average, cumulative_sum,
// elapsed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "influxql/ast.h"
#include "influxql/catalog.h"
#include "influxql/condition.h"
#include "influxql/result.h"
#include "influxql/subquery.h"

namespace arc::influxql {

// An aggregate finished in C++ from the list of (time, value) points of its group.
enum class ListAggregate { kNone, kPercentile, kMode, kTop, kBottom, kDistinct, kIntegral };

enum class Transform { kNone, kDerivative, kNonNegativeDerivative, kDifference,
                       kNonNegativeDifference, kMovingAverage, kCumulativeSum, kElapsed };

struct PlannedColumn {
  std::string name;        // the answer's column name
  std::string sql;         // per group (aggregate query) or per row (raw query)
  ListAggregate list = ListAggregate::kNone;
  double list_arg = 0;     // percentile's p, top/bottom's N, integral's unit (ns)
  // Columns that show the selected point's other values (max(x), host; top(x, host, 2)):
  // indexes into the query's columns, filled from the list's "a0", "a1", ...
  std::vector<size_t> aux_columns;
  size_t unique_aux = 0;   // top/bottom(x, tag..., N): the first aux values pick one point each
  bool zero_when_empty = false;  // count(): 0, not null, in an empty bucket under fill(null)
  Transform transform = Transform::kNone;
  int64_t transform_arg = 0;  // unit (ns) of derivative/elapsed; window of moving_average
};

struct MeasurementQuery {
  std::string name;
  std::string sql;  // columns: __b (µs), the group tags, the planned columns[, __st (µs)]
  std::vector<std::string> group_tags;  // sorted (GROUP BY * expands per measurement)
  std::vector<PlannedColumn> columns;
  bool selector_time = false;           // rows end with the selected point's time
};

struct SelectPlan {
  bool aggregate = false;
  std::optional<int64_t> interval_ns;
  int64_t offset_ns = 0;
  TimeRange range;
  int64_t now_ns = 0;
  FillMode fill = FillMode::kNull;
  Value fill_value;
  bool descending = false;
  int64_t limit = 0, offset = 0, slimit = 0, soffset = 0;
  bool limit_in_sql = false;            // raw queries without transformations
  bool union_columns = false;           // SELECT * over measurements: one column set
  std::optional<int64_t> answer_from_ns;   // points before it were read only for a transform
  std::optional<int64_t> answer_until_ns;  // (DESC) points after its bucket likewise
  std::vector<MeasurementQuery> queries;
};

// Plans `select` against `catalog` for database `db`; `now_ns` is now(). InvalidArgument
// naming what is not supported (INTO, subqueries, tz(), mixed aggregates and fields...).
// `subquery`, when set, is the FROM (SELECT ...)'s materialised answer: the tables replace the
// measurements of `catalog`.
Result<SelectPlan> PlanSelect(const SelectStatement& select, const std::string& db,
                              int64_t now_ns, Catalog* catalog,
                              const std::vector<SubqueryTable>* subquery = nullptr);

}  // namespace arc::influxql
