// The catalogue endpoints in Arc's shapes (docs/protocol.md, "Catalogue"): SHOW / DESCRIBE
// statements of POST /api/v1/query, GET /api/v1/measurements and GET /api/v1/databases[...].
// Each function lists the stored files and the rows in memory afresh; they block on
// directory reads, so callers run them on the query executor, never on an io thread. A
// caller's `scope` (its token's databases) filters every list, and naming a database outside
// it is a 403.
// Thread-safe; `engine` must be valid for the call.
#pragma once

#include <string>

#include "common/database_scope.h"
#include "query/catalog_statement.h"
#include "query/query_engine.h"
#include "server/http_types.h"

namespace arc {

// Answers `statement` in /api/v1/query's shape {"success", "columns", "data", "row_count",
// "execution_time_ms", "files_read", "timestamp"}. `current_db` (x-arc-database, already
// validated) is the database of SHOW TABLES and DESCRIBE without one. An unknown database
// lists no rows; DESCRIBE of an unknown measurement is a 404.
HttpResponse AnswerCatalogStatement(const CatalogStatement& statement,
                                    const std::string& current_db, QueryEngine* engine,
                                    const DatabaseScope& scope);

// GET /api/v1/measurements[?database=db]: {"success", "databases" (nested: columns, rows,
// files, in_memory), "measurements" (Arc's flat list), "count", "execution_time_ms"}; 400
// naming a bad ?database=.
HttpResponse ListMeasurements(const HttpRequest& request, QueryEngine* engine,
                              const DatabaseScope& scope);

// GET /api/v1/databases: {"databases": [{"name", "measurement_count"}], "count"}.
HttpResponse ListDatabases(QueryEngine* engine, const DatabaseScope& scope);
// GET /api/v1/databases/{name}: {"name", "measurement_count"}; 404 for an unknown one.
HttpResponse GetDatabase(const std::string& name, QueryEngine* engine, const DatabaseScope& scope);
// GET /api/v1/databases/{name}/measurements: {"database", "measurements": [{"name",
// "file_count"}], "count"}; 404 for an unknown database.
HttpResponse ListDatabaseMeasurements(const std::string& name, QueryEngine* engine,
                                      const DatabaseScope& scope);

}  // namespace arc
