#include "lifecycle/delete_predicate.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "lifecycle/partition_merge.h"

namespace arc {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 128;

// Scalar functions (and operators, which DuckDB's tree names as functions) a predicate may
// call: comparisons, arithmetic, text matching and time arithmetic. Nothing that reads files,
// settings, the catalog or the environment, nothing aggregate or random.
const std::set<std::string>& AllowedFunctions() {
  static const std::set<std::string> allowed = {"+",
                                                "-",
                                                "*",
                                                "/",
                                                "//",
                                                "%",
                                                "||",
                                                "~~",
                                                "!~~",
                                                "~~*",
                                                "!~~*",
                                                "~~~",
                                                "!~~~",
                                                "regexp_full_match",
                                                "regexp_matches",
                                                "like_escape",
                                                "not_like_escape",
                                                "ilike_escape",
                                                "not_ilike_escape",
                                                "lower",
                                                "upper",
                                                "length",
                                                "prefix",
                                                "suffix",
                                                "starts_with",
                                                "ends_with",
                                                "contains",
                                                "strpos",
                                                "concat",
                                                "abs",
                                                "round",
                                                "floor",
                                                "ceil",
                                                "trunc",
                                                "isnan",
                                                "isinf",
                                                "isfinite",
                                                "now",
                                                "get_current_timestamp",
                                                "current_timestamp",
                                                "current_date",
                                                "today",
                                                "epoch",
                                                "epoch_ms",
                                                "epoch_us",
                                                "epoch_ns",
                                                "make_timestamp",
                                                "to_timestamp",
                                                "date_trunc",
                                                "date_part",
                                                "strptime",
                                                "to_years",
                                                "to_months",
                                                "to_weeks",
                                                "to_days",
                                                "to_hours",
                                                "to_minutes",
                                                "to_seconds",
                                                "to_milliseconds",
                                                "to_microseconds"};
  return allowed;
}

const std::set<std::string>& AllowedOperators() {
  static const std::set<std::string> allowed = {"OPERATOR_NOT",         "OPERATOR_IS_NULL",
                                                "OPERATOR_IS_NOT_NULL", "COMPARE_IN",
                                                "COMPARE_NOT_IN",       "OPERATOR_COALESCE"};
  return allowed;
}

class Checker {
 public:
  explicit Checker(std::vector<std::string>* columns) : columns_(columns) {}

  Status Check(const json& node, int depth) {
    if (depth > kMaxDepth) return Invalid("is nested too deeply");
    if (!node.is_object() || !node.contains("class")) return Invalid("has an unexpected node");
    const std::string cls = node.value("class", "");
    if (node.contains("alias") && !node["alias"].get<std::string>().empty())
      return Invalid("may not use AS");
    if (cls == "CONSTANT") return Status::OK();
    if (cls == "COLUMN_REF") return Column(node);
    if (cls == "CONJUNCTION") return Children(node, "children", depth);
    if (cls == "COMPARISON") {
      ARC_RETURN_IF_ERROR(Check(node["left"], depth + 1));
      return Check(node["right"], depth + 1);
    }
    if (cls == "BETWEEN") {
      for (const char* k : {"input", "lower", "upper"})
        ARC_RETURN_IF_ERROR(Check(node[k], depth + 1));
      return Status::OK();
    }
    if (cls == "CAST") {
      // Built-in types only ("ATTACH 'x'" parses as a cast to a type named ATTACH).
      if (node["cast_type"].value("id", "") == "USER") return Invalid("casts to an unknown type");
      return Check(node["child"], depth + 1);
    }
    if (cls == "CASE") {
      for (const json& c : node["case_checks"]) {
        ARC_RETURN_IF_ERROR(Check(c["when_expr"], depth + 1));
        ARC_RETURN_IF_ERROR(Check(c["then_expr"], depth + 1));
      }
      return Check(node["else_expr"], depth + 1);
    }
    if (cls == "OPERATOR") {
      if (AllowedOperators().count(node.value("type", "")) == 0)
        return Invalid("may not use " + node.value("type", "this operator"));
      return Children(node, "children", depth);
    }
    if (cls == "FUNCTION") return Function(node, depth);
    if (cls == "SUBQUERY") return Invalid("may not contain a subquery");
    if (cls == "WINDOW") return Invalid("may not contain a window function");
    if (cls == "STAR") return Invalid("may not contain *");
    return Invalid("may not contain " + cls);
  }

 private:
  static Status Invalid(const std::string& what) {
    return Status::InvalidArgument("\"where\" " + what +
                                   ": it must be one SQL condition over the measurement's "
                                   "tags, fields and time");
  }

  Status Children(const json& node, const char* key, int depth) {
    for (const json& c : node[key]) ARC_RETURN_IF_ERROR(Check(c, depth + 1));
    return Status::OK();
  }

  Status Column(const json& node) {
    const json& names = node["column_names"];
    if (!names.is_array() || names.size() != 1)
      return Invalid("names a column with a qualifier; use the bare column name");
    const std::string name = names[0].get<std::string>();
    if (std::find(columns_->begin(), columns_->end(), name) == columns_->end())
      columns_->push_back(name);
    return Status::OK();
  }

  Status Function(const json& node, int depth) {
    const std::string name = node.value("function_name", "");
    if (!node.value("schema", "").empty() || !node.value("catalog", "").empty())
      return Invalid("calls a qualified function");
    if (AllowedFunctions().count(name) == 0) return Invalid("may not call " + name + "()");
    if (node.value("distinct", false) || !node["filter"].is_null() ||
        (node.contains("order_bys") && !node["order_bys"]["orders"].empty()))
      return Invalid("may not use DISTINCT, FILTER or ORDER BY in a function");
    return Children(node, "children", depth);
  }

  std::vector<std::string>* columns_;
};

bool IsTimeColumn(const json& node) {
  if (node.value("class", "") != "COLUMN_REF") return false;
  const json& names = node["column_names"];
  if (names.size() != 1) return false;
  std::string n = names[0].get<std::string>();
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n == "time";
}

bool NamesNoColumn(const json& node) {
  if (node.is_object()) {
    if (node.value("class", "") == "COLUMN_REF") return false;
    for (const auto& [k, v] : node.items()) {
      if (!NamesNoColumn(v)) return false;
    }
  } else if (node.is_array()) {
    for (const json& v : node) {
      if (!NamesNoColumn(v)) return false;
    }
  }
  return true;
}

// True when a term of the top-level AND chain bounds `time` by a constant expression.
bool HasTimeBound(const json& node) {
  const std::string cls = node.value("class", "");
  if (cls == "CONJUNCTION" && node.value("type", "") == "CONJUNCTION_AND") {
    for (const json& c : node["children"]) {
      if (HasTimeBound(c)) return true;
    }
    return false;
  }
  if (cls == "COMPARISON") {
    return (IsTimeColumn(node["left"]) && NamesNoColumn(node["right"])) ||
           (IsTimeColumn(node["right"]) && NamesNoColumn(node["left"]));
  }
  if (cls == "BETWEEN")
    return IsTimeColumn(node["input"]) && NamesNoColumn(node["lower"]) &&
           NamesNoColumn(node["upper"]);
  return false;
}

Status NotOneCondition() {
  return Status::InvalidArgument(
      "\"where\" must be one SQL condition (e.g. \"host = 'a' AND time < "
      "'2026-01-01'\"), not a statement or a list");
}

// The statement must be exactly "SELECT <expression>": no FROM, clause or modifier.
Status CheckBareSelect(const json& tree) {
  auto invalid = [] { return NotOneCondition(); };
  if (!tree.contains("statements") || tree["statements"].size() != 1) return invalid();
  const json& node = tree["statements"][0]["node"];
  if (node.value("type", "") != "SELECT_NODE" || !node["modifiers"].empty() ||
      !node["cte_map"]["map"].empty() || node["select_list"].size() != 1 ||
      node["from_table"].value("type", "") != "EMPTY" || !node["group_expressions"].empty() ||
      !node["group_sets"].empty() || !node["having"].is_null() || !node["sample"].is_null() ||
      !node["qualify"].is_null() || !node["where_clause"].is_null() ||
      node.value("aggregate_handling", "") != "STANDARD_HANDLING") {
    return invalid();
  }
  return Status::OK();
}

}  // namespace

Result<DeletePredicate> ParseDeletePredicate(DuckConnection* conn, std::string_view where) {
  if (where.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Status::InvalidArgument("\"where\" is required (e.g. \"host = 'a'\")");
  if (where.size() > kMaxDeletePredicateBytes)
    return Status::InvalidArgument("\"where\" is longer than " +
                                   std::to_string(kMaxDeletePredicateBytes) + " bytes");
  if (where.find('\0') != std::string_view::npos)
    return Status::InvalidArgument("\"where\" contains a NUL byte");
  const std::string statement = "SELECT " + std::string(where);
  ARC_ASSIGN_OR_RETURN(
      const std::vector<std::string> serialized,
      QueryFirstColumn(conn, "SELECT json_serialize_sql(" + QuoteLiteral(statement) + ")"));
  json tree = json::parse(serialized.empty() ? "" : serialized[0], nullptr, false);
  if (tree.is_discarded() || !tree.is_object())
    return Status::Internal("the SQL parser's answer could not be read");
  if (tree.value("error", false)) {
    const std::string message = tree.value("error_message", std::string("parse error"));
    // The serializer takes SELECT statements only: anything else is a statement smuggled in.
    if (message.find("Only SELECT") != std::string::npos) return NotOneCondition();
    return Status::InvalidArgument("\"where\" is not a valid SQL condition: " + message);
  }
  ARC_RETURN_IF_ERROR(CheckBareSelect(tree));
  DeletePredicate p;
  const json& expr = tree["statements"][0]["node"]["select_list"][0];
  ARC_RETURN_IF_ERROR(Checker(&p.columns).Check(expr, 0));
  p.has_time_bound = HasTimeBound(expr);
  // Run DuckDB's rendering of the checked tree, not the text: comments and anything the
  // parser skipped are gone.
  ARC_ASSIGN_OR_RETURN(
      const std::vector<std::string> rendered,
      QueryFirstColumn(conn, "SELECT json_deserialize_sql(" + QuoteLiteral(tree.dump()) + ")"));
  const std::string prefix = "SELECT ";
  if (rendered.empty() || rendered[0].compare(0, prefix.size(), prefix) != 0)
    return Status::Internal("the SQL parser rendered the condition unexpectedly");
  p.sql = "(" + rendered[0].substr(prefix.size()) + ")";
  return p;
}

}  // namespace arc
