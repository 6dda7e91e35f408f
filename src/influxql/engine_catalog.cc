#include "influxql/engine_catalog.h"

#include <algorithm>

#include "ingest/names.h"

namespace arc::influxql {

std::vector<std::string> EngineCatalog::Measurements(const std::string& db) {
  return engine_->MeasurementNames(db);
}

Result<MeasurementSchema> EngineCatalog::Schema(const std::string& db, const std::string& m) {
  MeasurementSchema schema;
  if (!ValidateDatabaseName(db).ok() || !ValidateMeasurementName(m).ok()) return schema;
  ARC_ASSIGN_OR_RETURN(const std::vector<QueryEngine::Column> columns, engine_->Describe(db, m));
  for (const QueryEngine::Column& c : columns) {
    if (c.is_tag) {
      schema.tags.push_back(c.name);
      continue;
    }
    FieldType t = FieldType::kFloat;
    if (c.type == "BIGINT" || c.type == "INTEGER" || c.type == "HUGEINT") t = FieldType::kInteger;
    else if (c.type == "VARCHAR") t = FieldType::kString;
    else if (c.type == "BOOLEAN") t = FieldType::kBoolean;
    schema.fields.push_back({c.name, t});
  }
  std::sort(schema.tags.begin(), schema.tags.end());
  std::sort(schema.fields.begin(), schema.fields.end(),
            [](const FieldInfo& a, const FieldInfo& b) { return a.name < b.name; });
  return schema;
}

Result<std::vector<Row>> EngineCatalog::Select(const std::string& sql, const std::string& db) {
  return SelectWithin(sql, db, DatabaseScope());
}

Result<std::vector<Row>> EngineCatalog::SelectWithin(const std::string& sql, const std::string& db,
                                                     const DatabaseScope& scope) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<QueryResult> result, engine_->Run(sql, db, &scope));
  std::string text;
  for (;;) {
    ARC_ASSIGN_OR_RETURN(std::optional<std::string> piece, result->NextPiece());
    if (!piece) break;
    text += *piece;
  }
  Value parsed = Value::parse(text, nullptr, false);
  if (!parsed.is_array()) return Status::Internal("query worker sent an unreadable result");
  std::vector<Row> rows;
  rows.reserve(parsed.size());
  for (Value& r : parsed) rows.push_back(r.get<Row>());
  return rows;
}

Status EngineCatalog::CreateDatabase(const std::string& db) { return engine_->CreateDatabase(db); }

Status EngineCatalog::DropMeasurement(const std::string& db, const std::string& m) {
  if (deleter_ == nullptr)
    return Status::InvalidArgument("DROP MEASUREMENT needs deletes enabled ([delete] enabled = true)");
  ARC_RETURN_IF_ERROR(ValidateMeasurementName(m));
  const std::vector<std::string> names = engine_->MeasurementNames(db);
  if (std::find(names.begin(), names.end(), m) == names.end())
    return Status::NotFound("measurement not found: " + m);
  DeleteRequest request;
  request.database = db;
  request.measurement = m;
  request.where = "true";
  request.confirm = true;
  ARC_ASSIGN_OR_RETURN(const DeleteResult deleted, deleter_->Execute(request));
  (void)deleted;
  return Status::OK();
}

Status EngineCatalog::DropDatabase(const std::string& db) {
  if (deleter_ == nullptr)
    return Status::InvalidArgument("DROP DATABASE needs deletes enabled ([delete] enabled = true)");
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(db));
  if (!engine_->HasDatabase(db)) return Status::OK();  // as InfluxDB: no error
  for (const std::string& m : engine_->MeasurementNames(db)) {
    Status st = DropMeasurement(db, m);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  }
  return engine_->ForgetDatabase(db);
}

}  // namespace arc::influxql
