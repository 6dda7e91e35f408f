// libFuzzer target: the SQL rewrite of /api/v1/query (RewriteQuery, then SpliceSources), over
// one in-memory DuckDB connection that only parses (json_serialize_sql /
// json_deserialize_sql); the fuzzed SQL is never executed.
// Input: the SQL text (as after the EXPLAIN split).
// Measurements that exist: cpu, mem and disk in databases "default" and "other".
// Invariants: no crash and no exception escaping (the query path does not catch them); errors
// are InvalidArgument; every rewritten table is a known measurement; a rewrite that names
// tables splices trivial sources, and the spliced SQL no longer calls the placeholders
// unless the query itself spelled "__arc_view_".
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "query/sql_rewrite.h"
#include "storage/duckdb_util.h"

namespace {

using namespace arc;

DuckConnection* Connection() {
  static std::unique_ptr<DuckDatabase> db = [] {
    Result<std::unique_ptr<DuckDatabase>> d = DuckDatabase::OpenInMemory(
        {{"threads", "1"}, {"enable_external_access", "false"}, {"autoinstall_known_extensions", "false"},
         {"autoload_known_extensions", "false"}});
    FUZZ_CHECK(d.ok(), d.status().ToString());
    return std::move(*d);
  }();
  static std::unique_ptr<DuckConnection> conn = [] {
    Result<std::unique_ptr<DuckConnection>> c = DuckConnection::Open(*db);
    FUZZ_CHECK(c.ok(), c.status().ToString());
    return std::move(*c);
  }();
  return conn.get();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsMeasurement(const std::string& db, const std::string& m) {
  return (db == "default" || db == "other") && (m == "cpu" || m == "mem" || m == "disk");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sql(reinterpret_cast<const char*>(data), size);
  DuckConnection* conn = Connection();
  Result<RewrittenQuery> r = RewriteQuery(conn, sql, "default", IsMeasurement);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == StatusCode::kInvalidArgument, r.status().ToString());
    return 0;
  }
  FUZZ_CHECK(r->sql == sql, "the original SQL is not kept");
  FUZZ_CHECK(r->tables.empty() == r->ast.empty(), "tables and tree disagree");
  for (size_t i = 0; i < r->tables.size(); ++i) {
    const TableRef& t = r->tables[i];
    FUZZ_CHECK(IsMeasurement(t.database, t.measurement), t.database + "." + t.measurement + " is no measurement");
    FUZZ_CHECK(t.view == "__arc_view_" + std::to_string(i), t.view);
  }
  std::vector<std::string> sources;
  for (size_t i = 0; i < r->tables.size(); ++i) {
    sources.push_back("SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS time, 'a' AS host, " + std::to_string(i) +
                      ".5 AS usage");
  }
  Result<std::string> spliced = SpliceSources(conn, *r, sources);
  if (!spliced.ok()) {
    // json_deserialize_sql may refuse a tree it produced (a DuckDB limitation): an
    // InvalidArgument for the client. Our own sources always parse (Internal would say not).
    FUZZ_CHECK(spliced.status().code() == StatusCode::kInvalidArgument, spliced.status().ToString());
    return 0;
  }
  if (r->tables.empty()) {
    FUZZ_CHECK(*spliced == sql, "a query naming no measurement was changed");
  } else if (Lower(sql).find("__arc_view_") == std::string::npos) {
    FUZZ_CHECK(spliced->find("__arc_view_") == std::string::npos, "a placeholder survived: " + *spliced);
  }
  return 0;
}
