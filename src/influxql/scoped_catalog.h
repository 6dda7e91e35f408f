// ScopedCatalog: a Catalog seen through a token's database scope, for one request. Databases
// outside the scope are not listed; any other use of one is refused and remembered, so the
// caller can answer the whole request 403 (as InfluxDB answers an unauthorized query).
#pragma once

#include <mutex>

#include "common/database_scope.h"
#include "influxql/catalog.h"

namespace arc::influxql {

class ScopedCatalog final : public Catalog {
 public:
  // `inner` must outlive this object. Thread-safe when `inner` is.
  ScopedCatalog(Catalog* inner, DatabaseScope scope) : inner_(inner), scope_(std::move(scope)) {}

  std::vector<std::string> Databases() override;
  bool HasDatabase(const std::string& db) override;
  std::vector<std::string> Measurements(const std::string& db) override;
  Result<MeasurementSchema> Schema(const std::string& db, const std::string& m) override;
  Result<std::vector<Row>> Select(const std::string& sql, const std::string& db) override;
  Status CreateDatabase(const std::string& db) override;
  Status DropMeasurement(const std::string& db, const std::string& m) override;
  Status DropDatabase(const std::string& db) override;

  // The first refusal (PermissionDenied naming the database), or OK.
  Status denied() const;

 private:
  // OK, or the refusal (remembered).
  Status Check(const std::string& db);

  Catalog* const inner_;
  const DatabaseScope scope_;
  mutable std::mutex mu_;
  Status denied_;
};

}  // namespace arc::influxql
