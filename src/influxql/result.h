// An InfluxQL answer before it is written out (influxql/result_writer.h): per statement, a
// list of series or an error. Values are JSON scalars (null, integer, float, string, bool);
// a series whose first column is "time" holds times as integer nanoseconds there.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace arc::influxql {

using Value = nlohmann::json;
using Row = std::vector<Value>;

struct Series {
  std::string name;
  std::vector<std::pair<std::string, std::string>> tags;  // sorted by key; omitted when empty
  bool has_tags = false;     // grouped by tags (so "tags" is written, even with values "")
  std::vector<std::string> columns;
  std::vector<Row> values;
  bool has_time() const { return !columns.empty() && columns[0] == "time"; }
};

struct StatementResult {
  int statement_id = 0;
  std::vector<Series> series;
  std::string error;  // set: the statement failed (and the ones after it did not run)
};

}  // namespace arc::influxql
