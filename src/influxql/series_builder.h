// SeriesBuilder: the rows of a SelectPlan's queries → InfluxDB series. Groups rows by tag set,
// finishes the list aggregates (percentile, mode, top, bottom, distinct), fills empty
// buckets (fill(null|none|previous|linear|value), count() is 0 in an empty bucket), applies
// transformations, then ORDER BY time DESC, LIMIT/OFFSET per series and SLIMIT/SOFFSET over
// all series.
#pragma once

#include <vector>

#include "common/result.h"
#include "influxql/result.h"
#include "influxql/select_planner.h"

namespace arc::influxql {

// `rows[i]` holds the rows of plan.queries[i]. InvalidArgument when the answer would hold
// more than `max_points` points (empty buckets included). Pure.
Result<std::vector<Series>> BuildSeries(const SelectPlan& plan,
                                        const std::vector<std::vector<Row>>& rows,
                                        int64_t max_points);

}  // namespace arc::influxql
