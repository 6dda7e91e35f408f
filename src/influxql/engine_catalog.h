// EngineCatalog: the Catalog over the real engine — names and schemas from the QueryEngine's
// catalogue, rows through QueryEngine::Run (the /api/v1/query path: snapshot of files plus
// rows in memory, hour pruning, the worker sandbox and limits), DROP MEASUREMENT through the
// Deleter (the delete API's exactly-once rewrite).
#pragma once

#include "influxql/catalog.h"
#include "lifecycle/deleter.h"
#include "query/query_engine.h"

namespace arc::influxql {

class EngineCatalog final : public Catalog {
 public:
  // `engine` must outlive the catalog; `deleter` may be null (deletes disabled). Thread-safe.
  EngineCatalog(QueryEngine* engine, Deleter* deleter) : engine_(engine), deleter_(deleter) {}

  std::vector<std::string> Databases() override { return engine_->Databases(); }
  bool HasDatabase(const std::string& db) override { return engine_->HasDatabase(db); }
  std::vector<std::string> Measurements(const std::string& db) override;
  Result<MeasurementSchema> Schema(const std::string& db, const std::string& m) override;
  Result<std::vector<Row>> Select(const std::string& sql, const std::string& db) override;
  // QueryEngine::Run with `scope`: a database the generated SQL names outside it is refused.
  Result<std::vector<Row>> SelectWithin(const std::string& sql, const std::string& db,
                                        const DatabaseScope& scope) override;
  Status CreateDatabase(const std::string& db) override;
  Status DropMeasurement(const std::string& db, const std::string& m) override;
  // Rows written while the drop runs may survive it (a measurement dropped before they land).
  Status DropDatabase(const std::string& db) override;

 private:
  QueryEngine* const engine_;
  Deleter* const deleter_;
};

}  // namespace arc::influxql
