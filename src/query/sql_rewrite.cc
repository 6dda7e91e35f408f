#include "query/sql_rewrite.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "storage/flush_view.h"

namespace arc {
namespace {

using nlohmann::json;

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A string member of an AST node, or "" (some "type" members are objects, not strings).
std::string Get(const json& n, const char* key) {
  auto it = n.find(key);
  return it != n.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::string> QueryString(DuckConnection* conn, const std::string& sql) {
  duckdb_result result;
  if (duckdb_query(conn->handle(), sql.c_str(), &result) != DuckDBSuccess) {
    std::string err = StripStackTrace(duckdb_result_error(&result));
    duckdb_destroy_result(&result);
    return Status::InvalidArgument(err);
  }
  duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
  std::string out;
  if (chunk != nullptr && duckdb_data_chunk_get_size(chunk) > 0) {
    duckdb_vector v = duckdb_data_chunk_get_vector(chunk, 0);
    auto* s = static_cast<duckdb_string_t*>(duckdb_vector_get_data(v));
    out.assign(duckdb_string_t_data(&s[0]), duckdb_string_t_length(s[0]));
  }
  if (chunk != nullptr) duckdb_destroy_data_chunk(&chunk);
  duckdb_destroy_result(&result);
  return out;
}

// The constant a comparison compares `time` with, as µs; nullopt when it is not a literal.
std::optional<int64_t> ConstantMicros(const json& e) {
  const json* node = &e;
  if (node->value("class", "") == "CAST") node = &(*node)["child"];
  if (node->value("class", "") != "CONSTANT") return std::nullopt;
  const json& value = (*node)["value"];
  if (value.value("is_null", true)) return std::nullopt;
  const std::string type = value["type"].value("id", "");
  if (type == "VARCHAR" && value["value"].is_string()) return ParseTimestampLiteral(value["value"].get<std::string>());
  return std::nullopt;
}

bool IsTimeColumn(const json& e, const std::string& alias) {
  if (Get(e, "class") != "COLUMN_REF") return false;
  const json& names = e["column_names"];
  if (names.size() == 1) return names[0] == "time";
  return names.size() == 2 && names[1] == "time" && names[0] == alias;
}

struct Bounds {
  std::optional<int64_t> lo, hi;  // µs, inclusive enough for hour pruning
  void Lower(int64_t v) { lo = lo ? std::max(*lo, v) : v; }
  void Upper(int64_t v) { hi = hi ? std::min(*hi, v) : v; }
};

// Collects time bounds from an AND-chain (ORs and everything else contribute nothing).
void CollectBounds(const json& e, const std::string& alias, Bounds* b) {
  const std::string cls = Get(e, "class");
  const std::string type = Get(e, "type");
  if (cls == "CONJUNCTION" && type == "CONJUNCTION_AND") {
    for (const json& child : e["children"]) CollectBounds(child, alias, b);
    return;
  }
  if (cls == "BETWEEN" && IsTimeColumn(e["input"], alias)) {
    if (auto lo = ConstantMicros(e["lower"])) b->Lower(*lo);
    if (auto hi = ConstantMicros(e["upper"])) b->Upper(*hi);
    return;
  }
  if (cls != "COMPARISON") return;
  const json* col = &e["left"];
  const json* val = &e["right"];
  bool flipped = false;
  if (!IsTimeColumn(*col, alias)) {
    std::swap(col, val);
    flipped = true;
    if (!IsTimeColumn(*col, alias)) return;
  }
  const std::optional<int64_t> v = ConstantMicros(*val);
  if (!v) return;
  std::string op = type;
  if (flipped) {  // constant < time  ≡  time > constant
    if (op == "COMPARE_LESSTHAN") op = "COMPARE_GREATERTHAN";
    else if (op == "COMPARE_LESSTHANOREQUALTO") op = "COMPARE_GREATERTHANOREQUALTO";
    else if (op == "COMPARE_GREATERTHAN") op = "COMPARE_LESSTHAN";
    else if (op == "COMPARE_GREATERTHANOREQUALTO") op = "COMPARE_LESSTHANOREQUALTO";
  }
  if (op == "COMPARE_GREATERTHAN" || op == "COMPARE_GREATERTHANOREQUALTO") b->Lower(*v);
  else if (op == "COMPARE_LESSTHAN") b->Upper(*v - 1);  // time < 01:00:00 never reads hour 01
  else if (op == "COMPARE_LESSTHANOREQUALTO") b->Upper(*v);
  else if (op == "COMPARE_EQUAL") {
    b->Lower(*v);
    b->Upper(*v);
  }
}

// User SQL may only read measurements (and CTEs built on them). Table functions read files,
// settings or the catalogue (read_csv, read_text, glob, parquet_metadata, duckdb_settings, ...):
// only those that make rows out of nothing are allowed. Of the scalar functions, those that
// reveal the server's settings are refused.
bool AllowedTableFunction(const std::string& name) {
  static const char* const kAllowed[] = {"range", "generate_series", "unnest"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed);
}

bool RefusedScalarFunction(const std::string& name) {
  // current_query() would show the rewritten SQL (the data directory's paths); the others
  // name DuckDB's scratch catalogue ("memory", "main"), not Arc's (SHOW DATABASES answers).
  static const char* const kRefused[] = {"current_setting", "getenv",         "getvariable",
                                         "current_query",   "current_database", "current_schema",
                                         "current_schemas", "current_catalog"};
  return std::find(std::begin(kRefused), std::end(kRefused), name) != std::end(kRefused);
}

// Every CTE name the query declares (a BASE_TABLE of that name reads the CTE).
void CollectCteNames(const json& n, std::set<std::string>* out) {
  if (n.is_array()) {
    for (const json& c : n) CollectCteNames(c, out);
    return;
  }
  if (!n.is_object()) return;
  if (n.contains("cte_map") && n["cte_map"].is_object() && n["cte_map"].contains("map")) {
    for (const json& entry : n["cte_map"]["map"]) {
      if (entry.contains("key") && entry["key"].is_string()) out->insert(ToLower(entry["key"].get<std::string>()));
    }
  }
  for (auto it = n.begin(); it != n.end(); ++it) CollectCteNames(it.value(), out);
}

class Rewriter {
 public:
  Rewriter(const std::string& default_db,
           const std::function<bool(const std::string&, const std::string&)>& is_measurement,
           std::set<std::string> ctes)
      : default_db_(default_db), is_measurement_(is_measurement), ctes_(std::move(ctes)) {}

  // The first thing the query may not do, if any.
  const Status& error() const { return error_; }

  void Walk(json& n) {
    if (n.is_array()) {
      for (json& c : n) Walk(c);
      return;
    }
    if (!n.is_object() || !error_.ok()) return;
    Check(n);
    if (Get(n, "type") == "SELECT_NODE" && n.contains("from_table")) {
      // Tables read directly by this SELECT get the bounds of its WHERE.
      std::vector<json*> direct;
      Direct(n["from_table"], &direct);
      const bool single = direct.size() == 1;
      for (json* t : direct) {
        Bounds b;
        if (n.contains("where_clause") && !n["where_clause"].is_null()) {
          const std::string alias = Get((*t), "alias").empty() ? Get((*t), "table_name") : Get((*t), "alias");
          CollectBounds(n["where_clause"], single ? "" : alias, &b);
          if (!single) {  // in a join only qualified time columns count
            Bounds q;
            CollectBoundsQualified(n["where_clause"], alias, &q);
            b = q;
          }
        }
        Replace(*t, b);
      }
    }
    if (Get(n, "type") == "BASE_TABLE") Replace(n, Bounds());
    for (auto& [k, v] : n.items()) Walk(v);
  }

  // Refuses what user SQL may not name (see AllowedTableFunction, RefusedScalarFunction).
  void Check(const json& n) {
    const std::string type = Get(n, "type");
    if (type == "TABLE_FUNCTION" && !n.value("arc_done", false) && n.contains("function")) {
      const std::string fn = ToLower(Get(n["function"], "function_name"));
      if (!AllowedTableFunction(fn)) {
        error_ = Status::InvalidArgument("table function " + fn + "() is not allowed: queries read measurements");
      }
    } else if (Get(n, "class") == "FUNCTION" && RefusedScalarFunction(ToLower(Get(n, "function_name")))) {
      error_ = Status::InvalidArgument("function " + Get(n, "function_name") + "() is not allowed");
    } else if (Get(n, "class") == "PARAMETER") {
      // The engine binds its own parameters ($arc_files_<k>, the file lists); a client has no
      // way to bind any.
      error_ = Status::InvalidArgument("query parameters ($1, ?, $name) are not supported");
    } else if (type == "SHOW_REF" && (!n.contains("query") || n["query"].is_null())) {
      // SHOW DATABASES / TABLES inside a query would list DuckDB's scratch catalogue; a SHOW_REF
      // over a query (DESCRIBE SELECT, SUMMARIZE cpu) reads only the measurements it names.
      error_ = Status::InvalidArgument(
          "SHOW inside a query is not allowed: SHOW DATABASES and SHOW TABLES [FROM db] "
          "answer as whole statements");
    }
  }

  std::vector<TableRef> tables;

 private:
  static void CollectBoundsQualified(const json& e, const std::string& alias, Bounds* b) {
    // Same as CollectBounds but an unqualified "time" is ambiguous in a join: require alias.
    CollectBounds(e, alias, b);
  }

  // BASE_TABLE nodes directly in a FROM (through joins, not subqueries).
  static void Direct(json& from, std::vector<json*>* out) {
    if (!from.is_object()) return;
    const std::string type = Get(from, "type");
    if (type == "BASE_TABLE") out->push_back(&from);
    else if (type == "JOIN") {
      Direct(from["left"], out);
      Direct(from["right"], out);
    }
  }

  void Replace(json& t, const Bounds& b) {
    if (t.value("arc_done", false) || Get(t, "type") != "BASE_TABLE") return;
    const std::string schema = Get(t, "schema_name");
    const std::string db = schema.empty() ? default_db_ : schema;
    const std::string m = Get(t, "table_name");
    // A name that is neither a measurement nor a CTE is refused here rather than left to
    // DuckDB, whose replacement scans would read a quoted file path ('x.parquet') as a table.
    if (!Get(t, "catalog_name").empty() || !is_measurement_(db, m)) {
      if (schema.empty() && Get(t, "catalog_name").empty() && ctes_.count(ToLower(m))) return;
      if (error_.ok()) {
        error_ = Status::InvalidArgument("no measurement " + (schema.empty() ? m : db + "." + m) +
                                         (schema.empty() ? " in database " + db : std::string()));
      }
      return;
    }
    TableRef ref;
    ref.database = db;
    ref.measurement = m;
    ref.view = "__arc_view_" + std::to_string(tables.size());
    if (b.lo) ref.min_hour = HourOf(*b.lo);
    if (b.hi) ref.max_hour = HourOf(*b.hi);
    // BASE_TABLE db.m → TABLE_FUNCTION __arc_view_N() AS m: a table macro of the query's
    // connection, expanded (and bound) only where it is used.
    json fn = {{"type", "TABLE_FUNCTION"},
               {"alias", Get(t, "alias").empty() ? m : Get(t, "alias")},
               {"sample", t.contains("sample") ? t["sample"] : json(nullptr)},
               {"query_location", t.contains("query_location") ? t["query_location"] : json(0)},
               {"function", {{"class", "FUNCTION"}, {"type", "FUNCTION"}, {"alias", ""},
                             {"query_location", t.contains("query_location") ? t["query_location"] : json(0)},
                             {"function_name", ref.view}, {"schema", ""}, {"children", json::array()},
                             {"filter", nullptr}, {"order_bys", {{"type", "ORDER_MODIFIER"}, {"orders", json::array()}}},
                             {"distinct", false}, {"is_operator", false}, {"export_state", false}, {"catalog", ""}}},
               {"column_name_alias", t.contains("column_name_alias") ? t["column_name_alias"] : json::array()},
               {"with_ordinality", "WITHOUT_ORDINALITY"},
               {"arc_done", true}};
    t = std::move(fn);
    tables.push_back(ref);
  }

  const std::string default_db_;
  const std::function<bool(const std::string&, const std::string&)>& is_measurement_;
  const std::set<std::string> ctes_;
  Status error_;
};

void StripMarks(json& n) {
  if (n.is_array()) {
    for (json& c : n) StripMarks(c);
  } else if (n.is_object()) {
    n.erase("arc_done");
    for (auto& [k, v] : n.items()) StripMarks(v);
  }
}

}  // namespace

std::optional<int64_t> ParseTimestampLiteral(const std::string& text) {
  int y, mo, d, h = 0, mi = 0, consumed = 0;
  double sec = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  std::string rest = text.substr(static_cast<size_t>(consumed));
  int c2 = 0;
  if (!rest.empty() && (rest[0] == ' ' || rest[0] == 'T')) {
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d%n", &h, &mi, &c2) != 2) return std::nullopt;
    rest = rest.substr(1 + static_cast<size_t>(c2));
    if (!rest.empty() && rest[0] == ':') {
      int c3 = 0;
      if (std::sscanf(rest.c_str() + 1, "%lf%n", &sec, &c3) != 1) return std::nullopt;
      rest = rest.substr(1 + static_cast<size_t>(c3));
    }
  }
  int64_t offset_s = 0;
  if (rest == "Z" || rest == "z" || rest == "+00" || rest == "+00:00") rest.clear();
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) < 1) return std::nullopt;
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = (rest[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    rest.clear();
  }
  if (!rest.empty()) return std::nullopt;
  // Out-of-range fields (and a NaN or 1e300 second, which would overflow the conversion) are
  // not a timestamp this code can prune by: no pruning, DuckDB judges the literal.
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      !(sec >= 0 && sec < 61)) {
    return std::nullopt;
  }
  const int64_t secs = UtcSeconds(y, mo, d, h, mi) - offset_s;
  return secs * 1000000 + static_cast<int64_t>(sec * 1000000 + 0.5);
}

Result<RewrittenQuery> RewriteQuery(DuckConnection* conn, const std::string& sql,
                                    const std::string& default_db,
                                    const std::function<bool(const std::string&, const std::string&)>& is_measurement) {
  ARC_ASSIGN_OR_RETURN(std::string ast_text,
                       QueryString(conn, "SELECT json_serialize_sql(" + QuoteLiteral(sql) + ")"));
  json ast;
  try {
    ast = json::parse(ast_text);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot read the parsed query: ") + e.what());
  }
  if (ast.value("error", false)) {
    return Status::InvalidArgument("SQL error: " + ast.value("error_message", std::string("cannot parse")));
  }
  if (ast["statements"].size() != 1) {
    return Status::InvalidArgument("exactly one SQL statement is allowed, got " +
                                   std::to_string(ast["statements"].size()));
  }
  std::set<std::string> ctes;
  CollectCteNames(ast["statements"], &ctes);
  Rewriter rewriter(default_db, is_measurement, std::move(ctes));
  rewriter.Walk(ast["statements"]);
  ARC_RETURN_IF_ERROR(rewriter.error());
  StripMarks(ast);
  RewrittenQuery out;
  out.tables = std::move(rewriter.tables);
  out.sql = sql;
  if (!out.tables.empty()) out.ast = ast.dump();
  return out;
}

namespace {

// Replaces TABLE_FUNCTION __arc_view_i nodes by the matching subquery node.
void SpliceInto(json& n, const std::vector<json>& subqueries) {
  if (n.is_array()) {
    for (json& c : n) SpliceInto(c, subqueries);
    return;
  }
  if (!n.is_object()) return;
  if (Get(n, "type") == "TABLE_FUNCTION" && n.contains("function")) {
    const std::string name = Get(n["function"], "function_name");
    if (name.rfind("__arc_view_", 0) == 0) {
      const size_t i = std::stoul(name.substr(11));
      json sub = subqueries.at(i);
      sub["alias"] = n["alias"];
      sub["column_name_alias"] = n["column_name_alias"];
      n = std::move(sub);
      return;
    }
  }
  for (auto& [k, v] : n.items()) SpliceInto(v, subqueries);
}

}  // namespace

Result<std::string> SpliceSources(DuckConnection* conn, const RewrittenQuery& query,
                                  const std::vector<std::string>& sources) {
  if (query.tables.empty()) return query.sql;
  std::vector<json> subqueries;
  for (const std::string& source : sources) {
    ARC_ASSIGN_OR_RETURN(std::string text,
                         QueryString(conn, "SELECT json_serialize_sql(" +
                                               QuoteLiteral("SELECT * FROM (" + source + ") AS arc_source") + ")"));
    json parsed = json::parse(text);
    if (parsed.value("error", false)) {
      return Status::Internal("cannot parse a measurement source: " + parsed.value("error_message", std::string()));
    }
    subqueries.push_back(parsed["statements"][0]["node"]["from_table"]);
  }
  json ast = json::parse(query.ast);
  SpliceInto(ast["statements"], subqueries);
  return QueryString(conn, "SELECT json_deserialize_sql(" + QuoteLiteral(ast.dump()) + "::JSON)");
}

}  // namespace arc
