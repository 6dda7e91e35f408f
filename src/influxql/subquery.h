// Subqueries: `SELECT ... FROM (SELECT ...)`. The inner statement runs first (its own plan,
// fill and transformations, exactly as a statement of its own); its series become a table of
// literal rows — time, its GROUP BY tags, its columns — that the outer statement reads as it
// reads a measurement. Bounded: an inner answer of more than kMaxSubqueryRows rows is refused.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "influxql/catalog.h"
#include "influxql/result.h"

namespace arc::influxql {

// The inner answer travels as SQL text that the server parses (json_serialize_sql): kept
// small so a subquery cannot grow the server's own memory much.
inline constexpr size_t kMaxSubqueryRows = 10000;

// One measurement's part of an inner answer, as the outer statement's source.
struct SubqueryTable {
  std::string name;          // the inner series' measurement
  MeasurementSchema schema;  // its tags (the inner GROUP BY tags) and columns (as fields)
  std::string relation;      // SQL: (SELECT * FROM (VALUES ...) AS t("time", ...))
};

// Turns the inner answer into tables, one per measurement name, in name order.
// InvalidArgument past kMaxSubqueryRows rows. Pure.
Result<std::vector<SubqueryTable>> MaterializeSubquery(const std::vector<Series>& inner);

}  // namespace arc::influxql
