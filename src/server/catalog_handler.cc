#include "server/catalog_handler.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "ingest/names.h"
#include "query/catalog_listing.h"

namespace arc {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr double kMiB = 1024.0 * 1024.0;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

HttpResponse Failure(int status, const std::string& message) {
  return Json(status, {{"success", false}, {"error", message}});
}

// The body /api/v1/query answers for a SELECT, for rows computed here.
HttpResponse Rows(const std::vector<std::string>& columns, json data, Clock::time_point start) {
  const size_t rows = data.size();
  return Json(200, {{"success", true},
                    {"columns", columns},
                    {"data", std::move(data)},
                    {"row_count", rows},
                    {"execution_time_ms", MillisSince(start)},
                    {"files_read", 0},
                    {"timestamp", UtcNowRfc3339()}});
}

// Arc's SHOW TABLES row: database, table_name, storage_path, file_count, total_size_mb.
void AppendTables(const CatalogListing& listing, const std::string& db, json* data) {
  for (const MeasurementEntry& e : listing.Measurements(db)) {
    data->push_back({e.database, e.measurement, e.storage_path, e.file_count,
                     static_cast<double>(e.total_bytes) / kMiB});
  }
}

HttpResponse Describe(const std::string& db, const std::string& m, QueryEngine* engine,
                      Clock::time_point start) {
  Result<std::vector<QueryEngine::Column>> columns = engine->Describe(db, m);
  if (!columns.ok()) return Failure(HttpStatusFor(columns.status()), columns.status().message());
  if (columns->empty()) return Failure(404, "measurement " + db + "." + m + " does not exist");
  json data = json::array();
  data.push_back({"time", "TIMESTAMP WITH TIME ZONE", false});
  for (const QueryEngine::Column& c : *columns) data.push_back({c.name, c.type, c.is_tag});
  return Rows({"column_name", "column_type", "is_tag"}, std::move(data), start);
}

// The databases of `listing` the caller may see.
std::vector<std::string> VisibleDatabases(const CatalogListing& listing, const DatabaseScope& scope) {
  std::vector<std::string> out;
  for (std::string& name : listing.Databases()) {
    if (scope.Allows(name)) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace

HttpResponse AnswerCatalogStatement(const CatalogStatement& statement,
                                    const std::string& current_db, QueryEngine* engine,
                                    const DatabaseScope& scope) {
  const Clock::time_point start = Clock::now();
  const CatalogListing listing(engine);
  const std::string db = statement.database.empty() ? current_db : statement.database;
  const bool lists_all = statement.kind == CatalogStatement::Kind::kShowDatabases ||
                         (statement.kind == CatalogStatement::Kind::kShowTables && statement.all_databases);
  if (!lists_all) {
    if (Status st = scope.Check(db); !st.ok()) return Failure(403, st.message());
  }
  switch (statement.kind) {
    case CatalogStatement::Kind::kShowDatabases: {
      json data = json::array();
      for (const std::string& name : VisibleDatabases(listing, scope)) data.push_back({name});
      return Rows({"database"}, std::move(data), start);
    }
    case CatalogStatement::Kind::kShowTables: {
      json data = json::array();
      if (statement.all_databases) {
        for (const std::string& name : VisibleDatabases(listing, scope)) AppendTables(listing, name, &data);
      } else {
        AppendTables(listing, db, &data);
      }
      return Rows({"database", "table_name", "storage_path", "file_count", "total_size_mb"},
                  std::move(data), start);
    }
    case CatalogStatement::Kind::kDescribe:
      return Describe(db, statement.measurement, engine, start);
  }
  return Failure(400, "unsupported catalogue statement");
}

HttpResponse ListMeasurements(const HttpRequest& request, QueryEngine* engine,
                              const DatabaseScope& scope) {
  const Clock::time_point start = Clock::now();
  const std::optional<std::string> filter = request.Query("database");
  if (filter) {
    if (Status st = ValidateDatabaseName(*filter); !st.ok())
      return Failure(400, "invalid database parameter: " + st.message());
    if (Status st = scope.Check(*filter); !st.ok()) return Failure(403, st.message());
  }
  Result<std::string> nested_text = engine->Measurements();
  if (!nested_text.ok()) return ErrorResponse(nested_text.status());
  json nested = json::parse(*nested_text, nullptr, false);
  if (nested.is_discarded()) return Failure(500, "the measurement listing could not be built");
  json kept = json::array();
  for (json& d : nested["databases"]) {
    const std::string name = d.value("name", "");
    if ((!filter || name == *filter) && scope.Allows(name)) kept.push_back(std::move(d));
  }
  nested["databases"] = std::move(kept);
  const CatalogListing listing(engine);
  json flat = json::array();
  for (const std::string& db : filter ? std::vector<std::string>{*filter} : VisibleDatabases(listing, scope)) {
    for (const MeasurementEntry& e : listing.Measurements(db)) {
      flat.push_back({{"database", e.database},
                      {"measurement", e.measurement},
                      {"file_count", e.file_count},
                      {"total_size_mb", static_cast<double>(e.total_bytes) / kMiB},
                      {"storage_path", e.storage_path},
                      {"in_memory", e.in_memory}});
    }
  }
  const size_t count = flat.size();
  return Json(200, {{"success", true},
                    {"databases", std::move(nested["databases"])},
                    {"measurements", std::move(flat)},
                    {"count", count},
                    {"execution_time_ms", MillisSince(start)}});
}

HttpResponse ListDatabases(QueryEngine* engine, const DatabaseScope& scope) {
  json dbs = json::array();
  for (const std::string& db : engine->Databases()) {
    if (!scope.Allows(db)) continue;
    dbs.push_back({{"name", db}, {"measurement_count", engine->MeasurementNames(db).size()}});
  }
  const size_t count = dbs.size();
  return Json(200, {{"databases", std::move(dbs)}, {"count", count}});
}

HttpResponse GetDatabase(const std::string& name, QueryEngine* engine, const DatabaseScope& scope) {
  if (Status st = ValidateDatabaseName(name); !st.ok()) return JsonError(400, st.message());
  if (Status st = scope.Check(name); !st.ok()) return JsonError(403, st.message());
  if (!engine->HasDatabase(name)) return JsonError(404, "Database '" + name + "' not found");
  return Json(200, {{"name", name}, {"measurement_count", engine->MeasurementNames(name).size()}});
}

HttpResponse ListDatabaseMeasurements(const std::string& name, QueryEngine* engine,
                                      const DatabaseScope& scope) {
  if (Status st = ValidateDatabaseName(name); !st.ok()) return JsonError(400, st.message());
  if (Status st = scope.Check(name); !st.ok()) return JsonError(403, st.message());
  if (!engine->HasDatabase(name)) return JsonError(404, "Database '" + name + "' not found");
  json ms = json::array();
  for (const MeasurementEntry& e : CatalogListing(engine).Measurements(name)) {
    json m = {{"name", e.measurement}};
    if (e.file_count > 0) m["file_count"] = e.file_count;  // Arc omits a zero count
    ms.push_back(std::move(m));
  }
  const size_t count = ms.size();
  return Json(200, {{"database", name}, {"measurements", std::move(ms)}, {"count", count}});
}

}  // namespace arc
