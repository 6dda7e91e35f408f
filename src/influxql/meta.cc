// SHOW statements: the catalogue in InfluxDB's shapes.
#include <algorithm>
#include <functional>
#include <set>

#include "influxql/condition.h"
#include "influxql/executor.h"
#include "influxql/name_regex.h"
#include "storage/duckdb_util.h"

namespace arc::influxql {
namespace {

bool Matches(const std::string& text, BinaryOp op, const std::vector<std::string>& values) {
  switch (op) {
    case BinaryOp::kEq:
      return std::find(values.begin(), values.end(), text) != values.end();
    case BinaryOp::kNeq:
      return std::find(values.begin(), values.end(), text) == values.end();
    case BinaryOp::kEqRegex: case BinaryOp::kNeqRegex: {
      // RE2: linear time (ExecuteShow checked the pattern compiles).
      const bool found = MatchesName(text, values[0]);
      return op == BinaryOp::kEqRegex ? found : !found;
    }
    default:
      return false;
  }
}

// ON db, else a FROM source's "db"..m, else the request's db.
std::string Database(const ShowStatement& s, const ExecOptions& o) {
  if (!s.database.empty()) return s.database;
  for (const Source& src : s.sources) {
    if (!src.database.empty()) return src.database;
  }
  return o.database;
}

Status NeedDatabase(const std::string& db, Catalog* catalog) {
  if (db.empty()) return Status::InvalidArgument("database name required");
  if (!catalog->HasDatabase(db)) return Status::InvalidArgument("database not found: " + db);
  return Status::OK();
}

// The measurements a SHOW ... FROM names (all of the database's without FROM), sorted.
std::vector<std::string> FromMeasurements(const ShowStatement& s, const std::string& db, Catalog* catalog) {
  const std::vector<std::string> all = catalog->Measurements(db);
  if (s.sources.empty()) return all;
  std::set<std::string> out;
  for (const Source& src : s.sources) {
    for (const std::string& m : all) {
      if (src.regex ? Matches(m, BinaryOp::kEqRegex, {*src.regex}) : m == src.measurement) out.insert(m);
    }
  }
  return {out.begin(), out.end()};
}

// The WHERE condition of a SHOW as SQL for one measurement ("" when none).
Result<std::string> WhereSql(const ShowStatement& s, const MeasurementSchema& schema, const ExecOptions& o) {
  if (!s.where) return std::string();
  TimeRange range;
  ExprPtr rest;
  ARC_RETURN_IF_ERROR(SplitTimeRange(s.where.get(), o.now_ns, &range, &rest));
  std::string sql = TimeRangeSql(range);
  if (rest) {
    ARC_ASSIGN_OR_RETURN(const std::string c, ConditionSql(*rest, schema));
    sql += (sql.empty() ? "" : " AND ") + c;
  }
  return sql;
}

void ApplyLimit(std::vector<Row>* rows, int64_t limit, int64_t offset) {
  const size_t off = std::min(rows->size(), static_cast<size_t>(offset));
  rows->erase(rows->begin(), rows->begin() + static_cast<long>(off));
  if (limit > 0 && rows->size() > static_cast<size_t>(limit)) rows->resize(static_cast<size_t>(limit));
}

Series OneColumn(std::string name, std::string column, std::vector<Row> values) {
  Series s;
  s.name = std::move(name);
  s.columns = {std::move(column)};
  s.values = std::move(values);
  return s;
}

std::string Escape(const std::string& s, bool measurement) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == ' ' || (!measurement && c == '=')) out += '\\';
    out += c;
  }
  return out;
}

Result<std::vector<Series>> ShowMeasurements(const ShowStatement& s, const ExecOptions& o, Catalog* catalog) {
  const std::string db = Database(s, o);
  if (db.empty()) return Status::InvalidArgument("database name required");
  std::vector<Row> rows;
  for (const std::string& m : catalog->Measurements(db)) {
    if (s.measurement_op && !Matches(m, *s.measurement_op, {s.measurement_value})) continue;
    if (s.where) {
      ARC_ASSIGN_OR_RETURN(const MeasurementSchema schema, catalog->Schema(db, m));
      ARC_ASSIGN_OR_RETURN(const std::string where, WhereSql(s, schema, o));
      ARC_ASSIGN_OR_RETURN(const std::vector<Row> any,
                           catalog->Select("SELECT 1 FROM " + QuoteIdentifier(db) + "." + QuoteIdentifier(m) +
                                               " WHERE " + where + " LIMIT 1", db));
      if (any.empty()) continue;
    }
    rows.push_back({Value(m)});
  }
  ApplyLimit(&rows, s.limit, s.offset);
  if (rows.empty()) return std::vector<Series>{};
  return std::vector<Series>{OneColumn("measurements", "name", std::move(rows))};
}

using RowsOf = std::function<Result<std::vector<Row>>(const std::string& db, const std::string& m,
                                                     const MeasurementSchema& schema)>;

// One series per measurement of the SHOW's database (FROM's, or all), named after it, with
// `columns` and the rows `rows_of` gives (LIMIT/OFFSET per series; no rows, no series).
Result<std::vector<Series>> PerMeasurement(const ShowStatement& s, const ExecOptions& o, Catalog* catalog,
                                           const std::vector<std::string>& columns, const RowsOf& rows_of) {
  const std::string db = Database(s, o);
  ARC_RETURN_IF_ERROR(NeedDatabase(db, catalog));
  std::vector<Series> out;
  for (const std::string& m : FromMeasurements(s, db, catalog)) {
    ARC_ASSIGN_OR_RETURN(const MeasurementSchema schema, catalog->Schema(db, m));
    ARC_ASSIGN_OR_RETURN(std::vector<Row> rows, rows_of(db, m, schema));
    ApplyLimit(&rows, s.limit, s.offset);
    if (rows.empty()) continue;
    Series series = OneColumn(m, columns[0], std::move(rows));
    series.columns = columns;
    out.push_back(std::move(series));
  }
  return out;
}

Result<std::vector<Series>> ShowTagKeys(const ShowStatement& s, const ExecOptions& o, Catalog* catalog) {
  return PerMeasurement(
      s, o, catalog, {"tagKey"},
      [&](const std::string& db, const std::string& m, const MeasurementSchema& schema) -> Result<std::vector<Row>> {
        std::vector<Row> rows;
        if (!s.where) {
          for (const std::string& t : schema.tags) rows.push_back({Value(t)});
          return rows;
        }
        // With WHERE: the keys that some matching point has.
        if (schema.tags.empty()) return rows;
        ARC_ASSIGN_OR_RETURN(const std::string where, WhereSql(s, schema, o));
        std::string counts;
        for (const std::string& t : schema.tags) counts += (counts.empty() ? "" : ", ") + ("count(" + QuoteIdentifier(t) + ")");
        ARC_ASSIGN_OR_RETURN(const std::vector<Row> seen,
                             catalog->Select("SELECT " + counts + " FROM " + QuoteIdentifier(db) + "." +
                                                 QuoteIdentifier(m) + " WHERE " + where, db));
        for (size_t i = 0; i < schema.tags.size(); ++i) {
          if (!seen.empty() && seen[0].size() > i && seen[0][i].is_number() && seen[0][i].get<int64_t>() > 0)
            rows.push_back({Value(schema.tags[i])});
        }
        return rows;
      });
}

Result<std::vector<Series>> ShowFieldKeys(const ShowStatement& s, const ExecOptions& o, Catalog* catalog) {
  if (s.where) return Status::InvalidArgument("SHOW FIELD KEYS does not take a WHERE clause");
  return PerMeasurement(s, o, catalog, {"fieldKey", "fieldType"},
                        [](const std::string&, const std::string&, const MeasurementSchema& schema) {
                          std::vector<Row> rows;
                          for (const FieldInfo& f : schema.fields)
                            rows.push_back({Value(f.name), Value(FieldTypeName(f.type))});
                          return Result<std::vector<Row>>(std::move(rows));
                        });
}

Result<std::vector<Series>> ShowTagValues(const ShowStatement& s, const ExecOptions& o, Catalog* catalog) {
  return PerMeasurement(
      s, o, catalog, {"key", "value"},
      [&](const std::string& db, const std::string& m, const MeasurementSchema& schema) -> Result<std::vector<Row>> {
        std::string sql;
        ARC_ASSIGN_OR_RETURN(const std::string where, WhereSql(s, schema, o));
        for (const std::string& k : schema.tags) {
          if (!Matches(k, *s.key_op, s.keys)) continue;
          sql += std::string(sql.empty() ? "" : " UNION ") + "SELECT DISTINCT " + QuoteLiteral(k) +
                 " AS key, " + QuoteIdentifier(k) + " AS value FROM " + QuoteIdentifier(db) + "." +
                 QuoteIdentifier(m) + " WHERE " + QuoteIdentifier(k) + " IS NOT NULL" +
                 (where.empty() ? "" : " AND " + where);
        }
        if (sql.empty()) return std::vector<Row>{};
        return catalog->Select(sql + " ORDER BY key, value", db);
      });
}

Result<std::vector<Series>> ShowSeries(const ShowStatement& s, const ExecOptions& o, Catalog* catalog) {
  const std::string db = Database(s, o);
  ARC_RETURN_IF_ERROR(NeedDatabase(db, catalog));
  std::vector<std::string> keys;
  for (const std::string& m : FromMeasurements(s, db, catalog)) {
    ARC_ASSIGN_OR_RETURN(const MeasurementSchema schema, catalog->Schema(db, m));
    if (schema.empty()) continue;
    ARC_ASSIGN_OR_RETURN(const std::string where, WhereSql(s, schema, o));
    if (schema.tags.empty()) {
      ARC_ASSIGN_OR_RETURN(const std::vector<Row> any,
                           catalog->Select("SELECT 1 FROM " + QuoteIdentifier(db) + "." + QuoteIdentifier(m) +
                                               (where.empty() ? "" : " WHERE " + where) + " LIMIT 1", db));
      if (!any.empty()) keys.push_back(Escape(m, true));
      continue;
    }
    std::string cols;
    for (const std::string& t : schema.tags) cols += (cols.empty() ? "" : ", ") + QuoteIdentifier(t);
    ARC_ASSIGN_OR_RETURN(const std::vector<Row> rows,
                         catalog->Select("SELECT DISTINCT " + cols + " FROM " + QuoteIdentifier(db) + "." +
                                             QuoteIdentifier(m) + (where.empty() ? "" : " WHERE " + where), db));
    for (const Row& r : rows) {
      std::string key = Escape(m, true);
      for (size_t i = 0; i < schema.tags.size(); ++i) {
        if (r[i].is_string()) key += "," + Escape(schema.tags[i], false) + "=" + Escape(r[i].get<std::string>(), false);
      }
      keys.push_back(std::move(key));
    }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<Row> rows;
  for (std::string& k : keys) rows.push_back({Value(std::move(k))});
  ApplyLimit(&rows, s.limit, s.offset);
  if (rows.empty()) return std::vector<Series>{};
  return std::vector<Series>{OneColumn("", "key", std::move(rows))};
}

}  // namespace

Result<std::vector<Series>> ExecuteShow(const ShowStatement& s, const ExecOptions& o, Catalog* catalog) {
  // A pattern RE2 refuses is the statement's error, not a silent "matches nothing".
  for (const Source& src : s.sources) {
    if (src.regex) ARC_RETURN_IF_ERROR(NameRegex::Compile(*src.regex).status());
  }
  if (s.measurement_op == BinaryOp::kEqRegex || s.measurement_op == BinaryOp::kNeqRegex)
    ARC_RETURN_IF_ERROR(NameRegex::Compile(s.measurement_value).status());
  if ((s.key_op == BinaryOp::kEqRegex || s.key_op == BinaryOp::kNeqRegex) && !s.keys.empty())
    ARC_RETURN_IF_ERROR(NameRegex::Compile(s.keys[0]).status());
  switch (s.kind) {
    case ShowKind::kDatabases: {
      std::vector<Row> rows;
      for (const std::string& db : catalog->Databases()) rows.push_back({Value(db)});
      return std::vector<Series>{OneColumn("databases", "name", std::move(rows))};
    }
    case ShowKind::kMeasurements:
      return ShowMeasurements(s, o, catalog);
    case ShowKind::kTagKeys:
      return ShowTagKeys(s, o, catalog);
    case ShowKind::kTagValues:
      return ShowTagValues(s, o, catalog);
    case ShowKind::kFieldKeys:
      return ShowFieldKeys(s, o, catalog);
    case ShowKind::kSeries:
      return ShowSeries(s, o, catalog);
    case ShowKind::kRetentionPolicies: {
      const std::string db = Database(s, o);
      ARC_RETURN_IF_ERROR(NeedDatabase(db, catalog));
      Series series;
      series.columns = {"name", "duration", "shardGroupDuration", "replicaN", "default"};
      series.values.push_back({Value("autogen"), Value("0s"), Value("168h0m0s"), Value(1), Value(true)});
      return std::vector<Series>{std::move(series)};
    }
    default:
      return Status::InvalidArgument("this SHOW statement is not supported by Arc");
  }
}

}  // namespace arc::influxql
