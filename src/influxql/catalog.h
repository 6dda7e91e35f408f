// Catalog: what the InfluxQL executor needs from the engine below it — names, schemas, rows
// from SQL and the few writes InfluxQL statements make. An interface so the planner and
// executor are tested without a server (influxql/engine_catalog.h is the real one).
#pragma once

#include <string>
#include <vector>

#include "common/database_scope.h"
#include "common/result.h"
#include "influxql/result.h"

namespace arc::influxql {

enum class FieldType { kFloat, kInteger, kString, kBoolean };

// InfluxDB's name of a field type: "float", "integer", "string", "boolean".
const char* FieldTypeName(FieldType t);

struct FieldInfo {
  std::string name;
  FieldType type = FieldType::kFloat;
};

struct MeasurementSchema {
  std::vector<std::string> tags;    // sorted
  std::vector<FieldInfo> fields;    // sorted by name
  bool empty() const { return tags.empty() && fields.empty(); }
  bool IsTag(const std::string& name) const;
  const FieldInfo* Field(const std::string& name) const;
};

class Catalog {
 public:
  virtual ~Catalog() = default;
  // Sorted names. Thread-safe in implementations.
  virtual std::vector<std::string> Databases() = 0;
  virtual std::vector<std::string> Measurements(const std::string& db) = 0;
  // Whether db is one of Databases(); implementations may answer it more cheaply.
  virtual bool HasDatabase(const std::string& db);
  // Empty schema when the measurement does not exist.
  virtual Result<MeasurementSchema> Schema(const std::string& db, const std::string& m) = 0;
  // Runs read-only SQL naming measurements as "db"."m" (read-your-writes, hour pruning and
  // the query sandbox as /api/v1/query). InvalidArgument with the engine's message.
  virtual Result<std::vector<Row>> Select(const std::string& sql, const std::string& db) = 0;
  // Select for a caller limited to `scope`: an implementation that runs SQL also refuses any
  // database outside it that the SQL names (defence in depth behind ScopedCatalog's checks).
  // The default runs Select.
  virtual Result<std::vector<Row>> SelectWithin(const std::string& sql, const std::string& db,
                                                const DatabaseScope& scope) {
    (void)scope;
    return Select(sql, db);
  }
  virtual Status CreateDatabase(const std::string& db) = 0;
  // Deletes every row of db.m through the delete API's exactly-once mechanism.
  virtual Status DropMeasurement(const std::string& db, const std::string& m) = 0;
  // Drops every measurement of db, then forgets that it was created: it is no longer listed.
  virtual Status DropDatabase(const std::string& db) = 0;
};

}  // namespace arc::influxql
