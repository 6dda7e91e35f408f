#include "influxql/scoped_catalog.h"

namespace arc::influxql {

Status ScopedCatalog::Check(const std::string& db) {
  Status st = scope_.Check(db);
  if (!st.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (denied_.ok()) denied_ = st;
  }
  return st;
}

Status ScopedCatalog::denied() const {
  std::lock_guard<std::mutex> lock(mu_);
  return denied_;
}

std::vector<std::string> ScopedCatalog::Databases() {
  std::vector<std::string> out;
  for (std::string& db : inner_->Databases()) {
    if (scope_.Allows(db)) out.push_back(std::move(db));
  }
  return out;
}

bool ScopedCatalog::HasDatabase(const std::string& db) {
  return Check(db).ok() && inner_->HasDatabase(db);
}

std::vector<std::string> ScopedCatalog::Measurements(const std::string& db) {
  if (!Check(db).ok()) return {};
  return inner_->Measurements(db);
}

Result<MeasurementSchema> ScopedCatalog::Schema(const std::string& db, const std::string& m) {
  ARC_RETURN_IF_ERROR(Check(db));
  return inner_->Schema(db, m);
}

// The planner names only databases it resolved through Schema/Measurements; `db` is the one
// the statement reads.
Result<std::vector<Row>> ScopedCatalog::Select(const std::string& sql, const std::string& db) {
  ARC_RETURN_IF_ERROR(Check(db));
  return inner_->SelectWithin(sql, db, scope_);
}

Status ScopedCatalog::CreateDatabase(const std::string& db) {
  ARC_RETURN_IF_ERROR(Check(db));
  return inner_->CreateDatabase(db);
}

Status ScopedCatalog::DropMeasurement(const std::string& db, const std::string& m) {
  ARC_RETURN_IF_ERROR(Check(db));
  return inner_->DropMeasurement(db, m);
}

Status ScopedCatalog::DropDatabase(const std::string& db) {
  ARC_RETURN_IF_ERROR(Check(db));
  return inner_->DropDatabase(db);
}

}  // namespace arc::influxql
