#include "influxql/executor.h"

#include <algorithm>

#include "influxql/select_planner.h"
#include "influxql/series_builder.h"
#include "influxql/subquery.h"

namespace arc::influxql {
namespace {


Result<std::vector<Series>> RunSelect(const SelectStatement& s, const ExecOptions& o, Catalog* catalog,
                                      int depth = 0) {
  if (depth > 8) return Status::InvalidArgument("subqueries nest deeper than 8 levels");
  std::string db = o.database;
  for (const Source& src : s.sources) {
    if (!src.database.empty()) db = src.database;
  }
  if (db.empty()) return Status::InvalidArgument("database name required");
  if (!catalog->HasDatabase(db)) return Status::InvalidArgument("database not found: " + db);
  for (const Source& src : s.sources) {
    const std::string& rp = src.retention_policy.empty() ? o.retention_policy : src.retention_policy;
    if (!rp.empty() && rp != "autogen") return Status::InvalidArgument("retention policy not found: " + rp);
  }
  // FROM (SELECT ...): the inner statement runs first; its answer is the outer's source.
  std::optional<std::vector<SubqueryTable>> tables;
  if (s.sources.size() == 1 && s.sources[0].subquery) {
    ARC_ASSIGN_OR_RETURN(const std::vector<Series> inner,
                         RunSelect(*s.sources[0].subquery, o, catalog, depth + 1));
    ARC_ASSIGN_OR_RETURN(tables, MaterializeSubquery(inner));
  } else {
    for (const Source& src : s.sources) {
      if (src.subquery) return Status::InvalidArgument("a subquery must be the only source of FROM");
    }
  }
  ARC_ASSIGN_OR_RETURN(const SelectPlan plan,
                       PlanSelect(s, db, o.now_ns, catalog, tables ? &*tables : nullptr));
  std::vector<std::vector<Row>> rows;
  for (const MeasurementQuery& q : plan.queries) {
    ARC_ASSIGN_OR_RETURN(std::vector<Row> r, catalog->Select(q.sql, db));
    rows.push_back(std::move(r));
  }
  return BuildSeries(plan, rows, o.max_points);
}

Status RunCreate(const CreateDatabaseStatement& s, const ExecOptions& o, Catalog* catalog) {
  if (!o.may_write) return Status::PermissionDenied("CREATE DATABASE needs a POST with an admin token");
  return catalog->CreateDatabase(s.name);
}

Status RunDrop(const DropStatement& s, const ExecOptions& o, Catalog* catalog) {
  if (!o.may_write) return Status::PermissionDenied("DROP needs a POST with an admin token");
  if (s.kind == DropKind::kMeasurement) {
    if (o.database.empty()) return Status::InvalidArgument("database name required");
    return catalog->DropMeasurement(o.database, s.name);
  }
  if (s.kind == DropKind::kDatabase) return catalog->DropDatabase(s.name);
  return Status::InvalidArgument("DROP " + s.what + " is not supported");
}

}  // namespace

std::vector<StatementResult> Execute(const std::vector<Statement>& statements,
                                     const ExecOptions& options, Catalog* catalog) {
  std::vector<StatementResult> out;
  for (size_t i = 0; i < statements.size(); ++i) {
    StatementResult r;
    r.statement_id = static_cast<int>(i);
    Status st = Status::OK();
    const Statement& s = statements[i];
    if (const auto* sel = std::get_if<SelectStatement>(&s)) {
      Result<std::vector<Series>> series = RunSelect(*sel, options, catalog);
      if (series.ok()) r.series = std::move(*series);
      else st = series.status();
    } else if (const auto* show = std::get_if<ShowStatement>(&s)) {
      Result<std::vector<Series>> series = ExecuteShow(*show, options, catalog);
      if (series.ok()) r.series = std::move(*series);
      else st = series.status();
    } else if (const auto* create = std::get_if<CreateDatabaseStatement>(&s)) {
      st = RunCreate(*create, options, catalog);
    } else if (const auto* drop = std::get_if<DropStatement>(&s)) {
      st = RunDrop(*drop, options, catalog);
    } else if (const auto* other = std::get_if<UnsupportedStatement>(&s)) {
      st = Status::InvalidArgument(other->what + " is not supported by Arc");
    }
    if (!st.ok()) r.error = st.message();
    out.push_back(std::move(r));
    // InfluxDB stops at the first failed statement: the ones after it get no result.
    if (!st.ok()) break;
  }
  return out;
}

}  // namespace arc::influxql
