#include "lifecycle/partition_merge.h"

#include "storage/parquet_writer.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "common/config.h"

namespace arc {
namespace {

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

Result<std::vector<std::string>> QueryFirstColumn(DuckConnection* conn, const std::string& sql) {
  ARC_ASSIGN_OR_RETURN(const DuckRows rows, QueryRows(conn, sql));
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(row.empty() ? "" : row[0]);
  return out;
}

std::string FilesRelation(const std::vector<std::string>& inputs,
                          const std::vector<std::string>& null_columns,
                          const std::string& file_column) {
  std::string added;
  for (const std::string& c : null_columns) added += ", NULL AS " + QuoteIdentifier(c);
  std::string options = ", union_by_name = true";
  if (!file_column.empty()) options += ", filename = " + QuoteLiteral(file_column);
  return "(SELECT *" + added + " FROM read_parquet(" + QuoteList(inputs) + options + "))";
}

Result<uint64_t> WriteMergedFile(DuckConnection* conn, const std::vector<std::string>& inputs,
                                 const MergeFilter& filter, const std::string& output,
                                 int64_t row_group_size) {
  const std::string list = QuoteList(inputs);
  ARC_ASSIGN_OR_RETURN(const std::set<std::string> tags, ReadTagNames(conn, inputs));
  std::string order, tag_list;
  for (const std::string& t : tags) {
    order += QuoteIdentifier(t) + ", ";
    tag_list += (tag_list.empty() ? "" : ",") + t;
  }
  order += "time";
  std::string columns = "*";
  if (!filter.null_columns.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& c : filter.null_columns) quoted.push_back(QuoteIdentifier(c));
    columns += " EXCLUDE (" + Join(quoted, ", ") + ")";
  }
  const std::string where = filter.keep.empty() ? "" : " WHERE " + filter.keep;
  const std::string sql =
      "COPY (SELECT " + columns + " FROM " + FilesRelation(inputs, filter.null_columns) + where +
      " ORDER BY " + order + ") TO " + QuoteLiteral(output) +
      " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " + std::to_string(row_group_size) +
      ", KV_METADATA {'arc:tags': " + QuoteLiteral(tag_list) + "})";
  ARC_ASSIGN_OR_RETURN(const std::vector<std::string> count, QueryFirstColumn(conn, sql));
  if (count.empty()) return Status::Internal("COPY returned no row count");
  return static_cast<uint64_t>(std::stoull(count[0]));
}

Result<std::string> MergeMemoryLimit(const std::string& budget) {
  ARC_ASSIGN_OR_RETURN(const uint64_t bytes, ParseByteSize(budget));
  const uint64_t mb = std::max<uint64_t>(32, (bytes >> 20) / 2);
  return std::to_string(mb) + "MB";
}

bool IsOutOfMemory(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message().find("Out of Memory") != std::string::npos;
}

Result<uint64_t> CountFileRows(DuckConnection* conn, const std::vector<std::string>& inputs) {
  ARC_ASSIGN_OR_RETURN(
      const std::vector<std::string> sum,
      QueryFirstColumn(conn, "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(" +
                                 QuoteList(inputs) + ")"));
  if (sum.empty()) return Status::Internal("parquet_file_metadata returned no row");
  return static_cast<uint64_t>(std::stoull(sum[0]));
}

}  // namespace arc
