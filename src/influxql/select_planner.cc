#include "influxql/select_planner.h"

#include <algorithm>
#include <map>
#include <set>

#include "influxql/name_regex.h"
#include "influxql/time_literal.h"
#include "storage/duckdb_util.h"

namespace arc::influxql {
namespace {

enum class CallKind { kNone, kSqlAggregate, kListAggregate, kTransform, kOther };

CallKind KindOf(const std::string& name) {
  static const std::set<std::string> kSql = {"count", "sum",   "mean",   "median", "spread",
                                             "stddev", "min",  "max",    "first",  "last"};
  static const std::set<std::string> kList = {"percentile", "mode", "top", "bottom", "distinct", "integral"};
  static const std::set<std::string> kTransforms = {
      "derivative", "non_negative_derivative", "difference", "non_negative_difference",
      "moving_average", "cumulative_sum", "elapsed"};
  if (kSql.count(name)) return CallKind::kSqlAggregate;
  if (kList.count(name)) return CallKind::kListAggregate;
  if (kTransforms.count(name)) return CallKind::kTransform;
  return CallKind::kOther;
}

bool HasAggregate(const Expr& e) {
  if (e.kind == ExprKind::kCall) {
    const CallKind k = KindOf(e.text);
    if (k == CallKind::kSqlAggregate || k == CallKind::kListAggregate) return true;
  }
  for (const ExprPtr& a : e.args) {
    if (HasAggregate(*a)) return true;
  }
  return false;
}

void CollectNames(const Expr& e, std::vector<std::string>* out) {
  if (e.kind == ExprKind::kIdent) out->push_back(e.text);
  if (e.kind == ExprKind::kCall) {
    out->push_back(e.text);
    return;
  }
  for (const ExprPtr& a : e.args) CollectNames(*a, out);
}

// InfluxDB's column name of a field: its alias, a call's name, a variable's name, or the
// names in a binary expression joined by '_'.
std::string FieldName(const Expr& e, const std::string& alias) {
  if (!alias.empty()) return alias;
  if (e.kind == ExprKind::kCall || e.kind == ExprKind::kIdent) return e.text;
  std::vector<std::string> names;
  CollectNames(e, &names);
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "_") + n;
  return out;
}

std::string Quote(const std::string& name) { return QuoteIdentifier(name); }

struct ColumnContext {
  const MeasurementSchema* schema;
  std::set<std::string>* referenced_fields;  // fields the rows must have one of
};

Result<std::string> FieldRefSql(const Expr& e, const ColumnContext& ctx, bool allow_tags) {
  if (e.kind != ExprKind::kIdent)
    return Status::InvalidArgument("expected a field name, found " + e.ToString());
  if (e.cast != IdentCast::kTag && ctx.schema->Field(e.text) != nullptr) {
    ctx.referenced_fields->insert(e.text);
    return Quote(e.text);
  }
  if (allow_tags && ctx.schema->IsTag(e.text)) return Quote(e.text);
  return std::string("NULL");
}

Result<std::string> SqlAggregate(const Expr& call, const ColumnContext& ctx) {
  const std::string& f = call.text;
  const size_t want = 1;
  if (call.args.size() != want)
    return Status::InvalidArgument("invalid number of arguments for " + f + ", expected " +
                                   std::to_string(want) + ", got " + std::to_string(call.args.size()));
  const Expr& arg = *call.args[0];
  if (f == "count" && arg.kind == ExprKind::kCall && arg.text == "distinct") {
    if (arg.args.size() != 1) return Status::InvalidArgument("distinct function requires exactly one argument");
    ARC_ASSIGN_OR_RETURN(const std::string x, FieldRefSql(*arg.args[0], ctx, false));
    return "count(DISTINCT " + x + ")";
  }
  ARC_ASSIGN_OR_RETURN(const std::string x, FieldRefSql(arg, ctx, false));
  const FieldInfo* info = arg.kind == ExprKind::kIdent ? ctx.schema->Field(arg.text) : nullptr;
  const bool is_int = info != nullptr && info->type == FieldType::kInteger;
  const bool numeric = info == nullptr || info->type == FieldType::kInteger || info->type == FieldType::kFloat;
  if (!numeric && f != "count" && f != "first" && f != "last" && f != "min" && f != "max")
    return Status::InvalidArgument("unsupported " + f + " iterator type for " + std::string(FieldTypeName(info->type)) + " field " + arg.text);
  if (f == "count") return "count(" + x + ")";
  if (f == "sum") return is_int ? "CAST(sum(" + x + ") AS BIGINT)" : "sum(" + x + ")";
  if (f == "mean") return "avg(" + x + ")";
  if (f == "median") return "quantile_cont(CAST(" + x + " AS DOUBLE), 0.5)";
  if (f == "spread") return "(max(" + x + ") - min(" + x + "))";
  if (f == "stddev") return "stddev_samp(" + x + ")";
  if (f == "min" || f == "max") {
    if (info != nullptr && (info->type == FieldType::kString || info->type == FieldType::kBoolean))
      return Status::InvalidArgument("unsupported " + f + " iterator type for " + FieldTypeName(info->type) + " field " + arg.text);
    return f + "(" + x + ")";
  }
  // first/last: the value at the earliest/latest time the field has a value; at equal times
  // InfluxDB keeps the greater value (false for first() of booleans).
  const bool boolean = info != nullptr && info->type == FieldType::kBoolean;
  const std::string tie = (f == "first" && boolean) ? " ASC" : " DESC";
  return "first(" + x + " ORDER BY time" + (f == "first" ? " ASC" : " DESC") + ", " + x + tie +
         ") FILTER (WHERE " + x + " IS NOT NULL)";
}

bool IsSelector(const std::string& f) {
  return f == "first" || f == "last" || f == "min" || f == "max" || f == "percentile" ||
         f == "top" || f == "bottom";
}

// The order that picks a SQL selector's point: arg_min over this key. Ties go where
// InfluxDB's reducers send them: min/max to the earliest point, first/last at one time to
// the greater value (false for first() of booleans).
std::string SelectorKeySql(const Expr& call, const std::string& x, const FieldInfo* info) {
  const std::string t = "CAST(epoch_us(time) AS DOUBLE)";
  const bool numeric = info == nullptr || info->type != FieldType::kString;
  const std::string v = "CAST(" + x + " AS DOUBLE)";
  if (call.text == "min") return "[" + v + ", " + t + "]";
  if (call.text == "max") return "[-" + v + ", " + t + "]";
  const bool boolean_first = info != nullptr && info->type == FieldType::kBoolean && call.text == "first";
  const std::string time_key = call.text == "first" ? t : "-" + t;
  if (!numeric) return "[" + time_key + "]";
  return "[" + time_key + ", " + (boolean_first ? v : "-" + v) + "]";
}

Result<std::string> AggregateExprSql(const Expr& e, const ColumnContext& ctx) {
  switch (e.kind) {
    case ExprKind::kCall: {
      const CallKind k = KindOf(e.text);
      if (k == CallKind::kSqlAggregate) return SqlAggregate(e, ctx);
      if (k == CallKind::kListAggregate || k == CallKind::kTransform)
        return Status::InvalidArgument(e.text + "() cannot be combined with math or other functions in one field");
      return Status::InvalidArgument("undefined function " + e.text + "()");
    }
    case ExprKind::kBinary: {
      if (e.op > BinaryOp::kBitXor)
        return Status::InvalidArgument("invalid operator " + std::string(BinaryOpText(e.op)) + " in a field");
      ARC_ASSIGN_OR_RETURN(const std::string l, AggregateExprSql(*e.args[0], ctx));
      ARC_ASSIGN_OR_RETURN(const std::string r, AggregateExprSql(*e.args[1], ctx));
      const char* op = BinaryOpText(e.op);
      if (e.op == BinaryOp::kDiv) return "(CAST(" + l + " AS DOUBLE) / " + r + ")";
      if (e.op == BinaryOp::kBitXor) op = "xor";
      if (e.op == BinaryOp::kBitXor) return "xor(" + l + ", " + r + ")";
      return "(" + l + " " + op + " " + r + ")";
    }
    case ExprKind::kUnaryMinus: {
      ARC_ASSIGN_OR_RETURN(const std::string x, AggregateExprSql(*e.args[0], ctx));
      return "(-" + x + ")";
    }
    case ExprKind::kInteger: case ExprKind::kNumber: case ExprKind::kBool: case ExprKind::kString:
      return LiteralSql(e);
    case ExprKind::kIdent:
      return Status::InvalidArgument("mixing aggregate and non-aggregate queries is not supported");
    default:
      return Status::InvalidArgument("unsupported expression in a field: " + e.ToString());
  }
}

Result<std::string> RawExprSql(const Expr& e, const ColumnContext& ctx) {
  switch (e.kind) {
    case ExprKind::kIdent:
      return FieldRefSql(e, ctx, true);
    case ExprKind::kBinary: {
      if (e.op > BinaryOp::kBitXor)
        return Status::InvalidArgument("invalid operator " + std::string(BinaryOpText(e.op)) + " in a field");
      ARC_ASSIGN_OR_RETURN(const std::string l, RawExprSql(*e.args[0], ctx));
      ARC_ASSIGN_OR_RETURN(const std::string r, RawExprSql(*e.args[1], ctx));
      if (e.op == BinaryOp::kDiv) return "(CAST(" + l + " AS DOUBLE) / " + r + ")";
      if (e.op == BinaryOp::kBitXor) return "xor(" + l + ", " + r + ")";
      return "(" + l + " " + BinaryOpText(e.op) + " " + r + ")";
    }
    case ExprKind::kUnaryMinus: {
      ARC_ASSIGN_OR_RETURN(const std::string x, RawExprSql(*e.args[0], ctx));
      return "(-" + x + ")";
    }
    case ExprKind::kInteger: case ExprKind::kNumber: case ExprKind::kBool: case ExprKind::kString:
      return LiteralSql(e);
    case ExprKind::kCall:
      return Status::InvalidArgument("undefined function " + e.text + "() in this position");
    default:
      return Status::InvalidArgument("unsupported expression in a field: " + e.ToString());
  }
}

// top(x, tag..., N) / bottom(...): the tags become columns after the selector and pick the
// best point of each tag set first. Returns their SQL (the list's first aux members).
std::vector<std::string> TagArgs(const Expr& call, const ColumnContext& ctx, MeasurementQuery* q,
                                 size_t selector) {
  std::vector<std::string> sql;
  if (call.text != "top" && call.text != "bottom") return sql;
  std::vector<size_t> targets;
  for (size_t i = 1; i + 1 < call.args.size(); ++i) {
    const Expr& tag = *call.args[i];
    PlannedColumn c;
    c.name = tag.text;
    c.sql = "NULL";
    targets.push_back(q->columns.size());
    q->columns.push_back(std::move(c));
    sql.push_back(ctx.schema->IsTag(tag.text) ? Quote(tag.text) : "NULL");
  }
  // Indexes, not references: the pushes above may have moved the columns.
  PlannedColumn& sel = q->columns[selector];
  sel.unique_aux = targets.size();
  sel.aux_columns.insert(sel.aux_columns.begin(), targets.begin(), targets.end());
  return sql;
}

Transform TransformOf(const std::string& name) {
  if (name == "derivative") return Transform::kDerivative;
  if (name == "non_negative_derivative") return Transform::kNonNegativeDerivative;
  if (name == "difference") return Transform::kDifference;
  if (name == "non_negative_difference") return Transform::kNonNegativeDifference;
  if (name == "moving_average") return Transform::kMovingAverage;
  if (name == "cumulative_sum") return Transform::kCumulativeSum;
  if (name == "elapsed") return Transform::kElapsed;
  return Transform::kNone;
}

std::string ListSql(const std::string& x, const std::vector<std::string>& aux);

// A list aggregate: its points as JSON [{"t": µs, "v": value}, ...] in time order.
Result<PlannedColumn> ListColumn(const Expr& call, const ColumnContext& ctx) {
  PlannedColumn c;
  const std::string& f = call.text;
  const bool ranked = f == "top" || f == "bottom";
  const size_t want = (f == "percentile" || ranked) ? 2 : (f == "integral" ? call.args.size() : 1);
  if (f == "integral" && (call.args.empty() || call.args.size() > 2))
    return Status::InvalidArgument("invalid number of arguments for integral, expected 1 or 2, got " + std::to_string(call.args.size()));
  if (ranked ? call.args.size() < 2 : call.args.size() != want)
    return Status::InvalidArgument("invalid number of arguments for " + f + ", expected " +
                                   std::to_string(want) + ", got " + std::to_string(call.args.size()));
  ARC_ASSIGN_OR_RETURN(const std::string x, FieldRefSql(*call.args[0], ctx, false));
  if (f == "percentile") c.list = ListAggregate::kPercentile;
  if (f == "mode") c.list = ListAggregate::kMode;
  if (f == "top") c.list = ListAggregate::kTop;
  if (f == "bottom") c.list = ListAggregate::kBottom;
  if (f == "distinct") c.list = ListAggregate::kDistinct;
  if (f == "integral") {
    c.list = ListAggregate::kIntegral;
    c.list_arg = 1e9;
    if (call.args.size() == 2) {
      if (call.args[1]->kind != ExprKind::kDuration || call.args[1]->integer <= 0)
        return Status::InvalidArgument("second argument to integral must be a duration");
      c.list_arg = static_cast<double>(call.args[1]->integer);
    }
  } else if (want == 2) {
    const Expr& n = *call.args.back();
    if (n.kind == ExprKind::kInteger) c.list_arg = static_cast<double>(n.integer);
    else if (n.kind == ExprKind::kNumber && f == "percentile") c.list_arg = n.number;
    else return Status::InvalidArgument("expected a number as " + f + "()'s last argument, got " + n.ToString());
    if ((f == "top" || f == "bottom") && c.list_arg < 1)
      return Status::InvalidArgument("limit (" + n.ToString() + ") in " + f + " function must be at least 1");
  }
  const FieldInfo* info = call.args[0]->kind == ExprKind::kIdent ? ctx.schema->Field(call.args[0]->text) : nullptr;
  if (info != nullptr && (f == "percentile" || f == "top" || f == "bottom" || f == "integral") &&
      (info->type == FieldType::kString || info->type == FieldType::kBoolean))
    return Status::InvalidArgument("unsupported " + f + " iterator type for " + FieldTypeName(info->type) + " field");
  c.sql = ListSql(x, {});
  return c;
}

// The list aggregate's points with the values of `aux` (SQL expressions) as a0, a1, ...
std::string ListSql(const std::string& x, const std::vector<std::string>& aux) {
  std::string members = "'t': epoch_us(time), 'v': " + x;
  for (size_t i = 0; i < aux.size(); ++i) members += ", 'a" + std::to_string(i) + "': " + aux[i];
  return "CAST(to_json(list({" + members + "} ORDER BY time) FILTER (WHERE " + x +
         " IS NOT NULL)) AS VARCHAR)";
}

struct ExpandedField {
  const Expr* expr;
  ExprPtr owned;  // when the field was expanded from a wildcard
  std::string name;
};


// InvalidArgument for the first /regex/ of the statement RE2 cannot compile.
Status CheckRegexes(const SelectStatement& s) {
  std::vector<std::string> patterns = s.group_tag_regexes;
  for (const Source& src : s.sources) {
    if (src.regex) patterns.push_back(*src.regex);
  }
  for (const Field& f : s.fields) {
    if (f.expr->kind == ExprKind::kRegex) patterns.push_back(f.expr->text);
    for (const ExprPtr& a : f.expr->args) {
      if (a->kind == ExprKind::kRegex) patterns.push_back(a->text);
    }
  }
  for (const std::string& p : patterns) ARC_RETURN_IF_ERROR(NameRegex::Compile(p).status());
  return Status::OK();
}

// Expands `*`, `*::field`, `*::tag` (raw) and f(*) / f(/re/) (aggregates) for one measurement.
Result<std::vector<ExpandedField>> ExpandFields(const SelectStatement& s, const MeasurementSchema& schema,
                                                const std::vector<std::string>& group_tags) {
  std::vector<ExpandedField> out;
  for (const Field& f : s.fields) {
    const Expr& e = *f.expr;
    if (e.kind == ExprKind::kWildcard || e.kind == ExprKind::kRegex) {
      const bool regex = e.kind == ExprKind::kRegex;
      std::vector<std::string> names;
      if (e.cast != IdentCast::kTag) {
        for (const FieldInfo& fi : schema.fields) {
          if (!regex || MatchesName(fi.name, e.text)) names.push_back(fi.name);
        }
      }
      if (e.cast != IdentCast::kField) {
        for (const std::string& t : schema.tags) {
          if (regex && !MatchesName(t, e.text)) continue;
          if (std::find(group_tags.begin(), group_tags.end(), t) == group_tags.end()) names.push_back(t);
        }
      }
      std::sort(names.begin(), names.end());
      for (const std::string& n : names) {
        ExpandedField x;
        x.owned = MakeIdent(n);
        if (schema.IsTag(n) && schema.Field(n) == nullptr) x.owned->cast = IdentCast::kTag;
        x.expr = x.owned.get();
        x.name = n;
        out.push_back(std::move(x));
      }
      continue;
    }
    if (e.kind == ExprKind::kCall && !e.args.empty() &&
        (e.args[0]->kind == ExprKind::kWildcard || e.args[0]->kind == ExprKind::kRegex)) {
      const bool numeric_only = e.text != "count" && e.text != "first" && e.text != "last" &&
                                e.text != "distinct" && e.text != "mode";
      for (const FieldInfo& fi : schema.fields) {
        if (e.args[0]->kind == ExprKind::kRegex && !MatchesName(fi.name, e.args[0]->text)) continue;
        if (numeric_only && fi.type != FieldType::kFloat && fi.type != FieldType::kInteger) continue;
        ExpandedField x;
        x.owned = e.Clone();
        x.owned->args[0] = MakeIdent(fi.name);
        x.expr = x.owned.get();
        x.name = (f.alias.empty() ? e.text : f.alias) + "_" + fi.name;
        out.push_back(std::move(x));
      }
      continue;
    }
    ExpandedField x;
    x.expr = f.expr.get();
    x.name = FieldName(e, f.alias);
    out.push_back(std::move(x));
  }
  // Duplicate names get _1, _2, ... as InfluxDB does.
  std::map<std::string, int> seen;
  for (ExpandedField& x : out) {
    int& n = seen[x.name];
    if (n++ > 0) x.name += "_" + std::to_string(n - 1);
  }
  return out;
}

Result<PlannedColumn> PlanColumn(const Expr& e, bool aggregate, const ColumnContext& ctx,
                                 std::optional<int64_t> interval_ns) {
  PlannedColumn c;
  if (e.kind == ExprKind::kCall && KindOf(e.text) == CallKind::kTransform) {
    c.transform = TransformOf(e.text);
    const bool takes_unit = c.transform == Transform::kDerivative ||
                            c.transform == Transform::kNonNegativeDerivative ||
                            c.transform == Transform::kElapsed;
    const bool takes_window = c.transform == Transform::kMovingAverage;
    const size_t max_args = (takes_unit || takes_window) ? 2 : 1;
    if (e.args.empty() || e.args.size() > max_args || (takes_window && e.args.size() != 2))
      return Status::InvalidArgument("invalid number of arguments for " + e.text);
    c.transform_arg = c.transform == Transform::kElapsed ? 1 : (interval_ns && aggregate ? *interval_ns : 1000000000);
    if (c.transform == Transform::kElapsed) c.transform_arg = 1;
    if (e.args.size() == 2) {
      const Expr& a = *e.args[1];
      if (takes_unit && a.kind == ExprKind::kDuration && a.integer > 0) c.transform_arg = a.integer;
      else if (takes_window && a.kind == ExprKind::kInteger && a.integer > 1) c.transform_arg = a.integer;
      else return Status::InvalidArgument("invalid second argument for " + e.text + ": " + a.ToString());
    }
    const Expr& inner = *e.args[0];
    if (aggregate) {
      if (inner.kind != ExprKind::kCall || KindOf(inner.text) != CallKind::kSqlAggregate)
        return Status::InvalidArgument(e.text + " aggregate requires a GROUP BY interval and an aggregate argument");
      ARC_ASSIGN_OR_RETURN(c.sql, SqlAggregate(inner, ctx));
    } else {
      if (inner.kind != ExprKind::kIdent)
        return Status::InvalidArgument(e.text + "() expects a field or an aggregate as its argument");
      ARC_ASSIGN_OR_RETURN(c.sql, FieldRefSql(inner, ctx, false));
    }
    return c;
  }
  if (aggregate && e.kind == ExprKind::kCall && KindOf(e.text) == CallKind::kListAggregate)
    return ListColumn(e, ctx);
  if (aggregate) {
    ARC_ASSIGN_OR_RETURN(c.sql, AggregateExprSql(e, ctx));
    c.zero_when_empty = e.kind == ExprKind::kCall && e.text == "count";
  } else {
    ARC_ASSIGN_OR_RETURN(c.sql, RawExprSql(e, ctx));
  }
  return c;
}

Result<std::vector<std::string>> ResolveSources(const SelectStatement& s, const std::string& db,
                                                Catalog* catalog, std::string* database) {
  std::set<std::string> names;
  for (const Source& src : s.sources) {
    if (src.subquery) return Status::InvalidArgument("subqueries are not supported");
    const std::string d = src.database.empty() ? db : src.database;
    if (d.empty()) return Status::InvalidArgument("database name required");
    if (!database->empty() && *database != d)
      return Status::InvalidArgument("selecting from several databases in one statement is not supported");
    *database = d;
    if (src.regex) {
      for (const std::string& m : catalog->Measurements(d)) {
        if (MatchesName(m, *src.regex)) names.insert(m);
      }
    } else {
      names.insert(src.measurement);
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

std::string BucketSql(int64_t interval_us, int64_t offset_us) {
  const std::string t = "epoch_us(time)";
  const std::string iv = std::to_string(interval_us);
  const std::string shifted = "(" + t + " - " + std::to_string(offset_us) + ")";
  return "(" + t + " - ((" + shifted + " % " + iv + ") + " + iv + ") % " + iv + ")";
}

// The one selector of an aggregate query whose other fields are plain names (max(x), host),
// or nullopt. InvalidArgument when plain names come without exactly one selector.
Result<std::optional<size_t>> FindSelector(const std::vector<ExpandedField>& fields, bool aggregate) {
  if (!aggregate) return std::optional<size_t>();
  std::optional<size_t> selector;
  size_t plain = 0, calls = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Expr& e = *fields[i].expr;
    if (e.kind == ExprKind::kIdent) {
      ++plain;
    } else if (e.kind == ExprKind::kCall && IsSelector(e.text)) {
      selector = i;
      ++calls;
    } else {
      ++calls;
    }
  }
  const bool tagged_rank = selector && fields.size() == 1 && fields[*selector].expr->args.size() > 2 &&
                          (fields[*selector].expr->text == "top" || fields[*selector].expr->text == "bottom");
  if (tagged_rank) return selector;  // top(x, tag, N): the tags become columns
  if (plain == 0) return std::optional<size_t>();
  if (calls != 1 || !selector)
    return Status::InvalidArgument("mixing aggregate and non-aggregate queries is not supported");
  return selector;
}

// Fills the columns beside a selector with the selected point's values: arg_min over the
// selector's key in SQL, or members of the list for percentile/top/bottom.
Status PlanSelectorColumns(const std::vector<ExpandedField>& fields, size_t selector,
                           const ColumnContext& ctx, MeasurementQuery* q) {
  const Expr& call = *fields[selector].expr;
  PlannedColumn& sel = q->columns[selector];
  std::vector<std::string> aux_sql;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i == selector) continue;
    ARC_ASSIGN_OR_RETURN(const std::string v, FieldRefSql(*fields[i].expr, ctx, true));
    aux_sql.push_back(v);
    sel.aux_columns.push_back(i);
  }
  const Expr& arg = *call.args[0];
  if (arg.kind != ExprKind::kIdent) return Status::InvalidArgument("expected a field in " + call.text + "()");
  const std::string x = ctx.schema->Field(arg.text) ? Quote(arg.text) : "NULL";
  if (sel.list == ListAggregate::kNone) {
    const std::string key = SelectorKeySql(call, x, ctx.schema->Field(arg.text));
    // arg_min_null: the selected point's value even when it is null (plain arg_min would skip
    // that point and take another's); only points that have the selector's field compete.
    for (size_t k = 0; k < sel.aux_columns.size(); ++k)
      q->columns[sel.aux_columns[k]].sql =
          "arg_min_null(" + aux_sql[k] + ", " + key + ") FILTER (WHERE " + x + " IS NOT NULL)";
    return Status::OK();
  }
  for (size_t k = 0; k < sel.aux_columns.size(); ++k) q->columns[sel.aux_columns[k]].sql = "NULL";
  std::vector<std::string> all = TagArgs(call, ctx, q, selector);
  all.insert(all.end(), aux_sql.begin(), aux_sql.end());
  q->columns[selector].sql = ListSql(x, all);
  return Status::OK();
}

Result<MeasurementQuery> PlanMeasurement(const SelectStatement& s, const SelectPlan& plan,
                                         const std::string& db, const std::string& m,
                                         const MeasurementSchema& schema, const Expr* cond,
                                         const std::string& relation) {
  MeasurementQuery q;
  q.name = m;
  if (s.group_all_tags) q.group_tags = schema.tags;
  for (const std::string& t : s.group_tags) q.group_tags.push_back(t);
  for (const std::string& re : s.group_tag_regexes) {
    for (const std::string& t : schema.tags) {
      if (MatchesName(t, re)) q.group_tags.push_back(t);
    }
  }
  std::sort(q.group_tags.begin(), q.group_tags.end());
  q.group_tags.erase(std::unique(q.group_tags.begin(), q.group_tags.end()), q.group_tags.end());
  ARC_ASSIGN_OR_RETURN(std::vector<ExpandedField> fields, ExpandFields(s, schema, q.group_tags));
  std::set<std::string> referenced;
  ColumnContext ctx{&schema, &referenced};
  ARC_ASSIGN_OR_RETURN(const std::optional<size_t> selector, FindSelector(fields, plan.aggregate));
  for (const ExpandedField& f : fields) {
    if (selector && f.expr != fields[*selector].expr) {
      // A column of the selected point: planned once the selector's key is known.
      PlannedColumn aux;
      aux.name = f.name;
      q.columns.push_back(std::move(aux));
      continue;
    }
    ARC_ASSIGN_OR_RETURN(PlannedColumn c, PlanColumn(*f.expr, plan.aggregate, ctx, plan.interval_ns));
    c.name = f.name;
    q.columns.push_back(std::move(c));
  }
  if (selector) ARC_RETURN_IF_ERROR(PlanSelectorColumns(fields, *selector, ctx, &q));
  const bool has_transform = std::any_of(q.columns.begin(), q.columns.end(),
                                         [](const PlannedColumn& c) { return c.transform != Transform::kNone; });
  const bool has_list = std::any_of(q.columns.begin(), q.columns.end(),
                                    [](const PlannedColumn& c) { return c.list != ListAggregate::kNone; });
  size_t aux = 0;
  for (const PlannedColumn& c : q.columns) aux += c.aux_columns.size();
  if ((has_transform || has_list) && q.columns.size() - aux > 1) {
    const bool multi_row = std::any_of(q.columns.begin(), q.columns.end(), [](const PlannedColumn& c) {
      return c.list == ListAggregate::kTop || c.list == ListAggregate::kBottom || c.list == ListAggregate::kDistinct;
    });
    if (multi_row || has_transform)
      return Status::InvalidArgument("top(), bottom(), distinct() and transformations must be the only field of a query");
  }
  // A lone selector answers with its point's time (without GROUP BY time).
  const Expr* lone = fields.size() == 1 ? fields[0].expr : (selector ? fields[*selector].expr : nullptr);
  std::string selector_time;
  if (plan.aggregate && !plan.interval_ns && lone != nullptr && lone->kind == ExprKind::kCall &&
      (lone->text == "first" || lone->text == "last" || lone->text == "min" || lone->text == "max") &&
      lone->args.size() == 1 && lone->args[0]->kind == ExprKind::kIdent && schema.Field(lone->args[0]->text)) {
    const Expr& arg = *lone->args[0];
    selector_time = "arg_min(epoch_us(time), " +
                    SelectorKeySql(*lone, Quote(arg.text), schema.Field(arg.text)) +
                    ") FILTER (WHERE " + Quote(arg.text) + " IS NOT NULL)";
    q.selector_time = true;
  }
  // --- SQL ---
  std::string select = plan.aggregate
                           ? (plan.interval_ns ? BucketSql(*plan.interval_ns / 1000, plan.offset_ns / 1000) : "0")
                           : "epoch_us(time)";
  select += " AS __b";
  std::vector<std::string> keys = {"__b"};
  for (size_t i = 0; i < q.group_tags.size(); ++i) {
    const std::string alias = "__g" + std::to_string(i);
    select += ", " + (schema.IsTag(q.group_tags[i]) ? "coalesce(" + Quote(q.group_tags[i]) + ", '')" : std::string("''")) + " AS " + alias;
    keys.push_back(alias);
  }
  for (size_t i = 0; i < q.columns.size(); ++i) select += ", " + q.columns[i].sql + " AS __c" + std::to_string(i);
  if (q.selector_time) select += ", " + selector_time + " AS __st";
  std::vector<std::string> where;
  const std::string range = TimeRangeSql(plan.range);
  if (!range.empty()) where.push_back(range);
  if (cond != nullptr) {
    ARC_ASSIGN_OR_RETURN(std::string c, ConditionSql(*cond, schema));
    where.push_back(c);
  }
  // Rows with none of the selected fields are no points (InfluxDB iterates fields).
  std::string any;
  for (const std::string& f : referenced) any += (any.empty() ? "" : " OR ") + Quote(f) + " IS NOT NULL";
  where.push_back(any.empty() ? "false" : "(" + any + ")");
  const std::string from = relation.empty() ? Quote(db) + "." + Quote(m) : relation;
  std::string sql = "SELECT " + select + " FROM " + from + " WHERE ";
  for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : "") + where[i];
  std::string order;
  for (size_t i = 1; i < keys.size(); ++i) order += keys[i] + ", ";
  if (plan.aggregate) {
    std::string group;
    for (const std::string& k : keys) {
      if (k == "__b" && !plan.interval_ns) continue;
      group += (group.empty() ? "" : ", ") + k;
    }
    if (!group.empty()) sql += " GROUP BY " + group;
    sql += " HAVING count(*) > 0";
    sql += " ORDER BY " + order + "__b";
  } else {
    const bool limited = plan.limit_in_sql && (plan.limit > 0 || plan.offset > 0);
    if (limited && !q.group_tags.empty()) {
      // LIMIT and OFFSET count per series.
      std::string part;
      for (size_t i = 1; i < keys.size(); ++i) part += (i > 1 ? ", " : "") + keys[i];
      const std::string rn = "row_number() OVER (PARTITION BY " + part + " ORDER BY time" +
                             (plan.descending ? " DESC" : "") + ")";
      sql += " QUALIFY " + rn + " > " + std::to_string(plan.offset);
      int64_t last = 0;
      if (__builtin_add_overflow(plan.offset, plan.limit, &last)) last = INT64_MAX;
      if (plan.limit > 0) sql += " AND " + rn + " <= " + std::to_string(last);
    }
    sql += " ORDER BY " + order + "__b" + (plan.descending ? " DESC" : "");
    if (limited && q.group_tags.empty()) {
      if (plan.limit > 0) sql += " LIMIT " + std::to_string(plan.limit);
      if (plan.offset > 0) sql += " OFFSET " + std::to_string(plan.offset);
    }
  }
  q.sql = std::move(sql);
  return q;
}

int64_t LookBackBuckets(const SelectStatement& s) {
  int64_t back = 0;
  for (const Field& f : s.fields) {
    const Expr& e = *f.expr;
    if (e.kind != ExprKind::kCall || KindOf(e.text) != CallKind::kTransform) continue;
    if (e.text == "moving_average" && e.args.size() == 2 && e.args[1]->kind == ExprKind::kInteger)
      back = std::max(back, e.args[1]->integer - 1);
    else if (e.text != "cumulative_sum")
      back = std::max<int64_t>(back, 1);
  }
  return back;
}

bool HasTransform(const SelectStatement& s) {
  return std::any_of(s.fields.begin(), s.fields.end(), [](const Field& f) {
    return f.expr->kind == ExprKind::kCall && KindOf(f.expr->text) == CallKind::kTransform;
  });
}

}  // namespace

Result<SelectPlan> PlanSelect(const SelectStatement& s, const std::string& db, int64_t now_ns,
                              Catalog* catalog, const std::vector<SubqueryTable>* subquery) {
  if (!s.into.empty()) return Status::InvalidArgument("SELECT INTO is not supported");
  if (s.tz && *s.tz != "UTC" && *s.tz != "Etc/UTC")
    return Status::InvalidArgument("tz('" + *s.tz + "') is not supported (only UTC)");
  ARC_RETURN_IF_ERROR(CheckRegexes(s));
  SelectPlan plan;
  plan.now_ns = now_ns;
  ExprPtr cond;
  ARC_RETURN_IF_ERROR(SplitTimeRange(s.where.get(), now_ns, &plan.range, &cond));
  for (const Field& f : s.fields) {
    if (HasAggregate(*f.expr)) plan.aggregate = true;
  }
  if (plan.aggregate) {
    for (const Field& f : s.fields) {
      // Plain names beside one selector show the selected point's values (checked per
      // measurement by FindSelector).
      if (!HasAggregate(*f.expr) && f.expr->kind != ExprKind::kInteger &&
          f.expr->kind != ExprKind::kNumber && f.expr->kind != ExprKind::kIdent)
        return Status::InvalidArgument("mixing aggregate and non-aggregate queries is not supported");
    }
  }
  if (s.interval_ns) {
    if (!plan.aggregate) return Status::InvalidArgument("GROUP BY requires at least one aggregate function");
    if (*s.interval_ns < 1000) return Status::InvalidArgument("GROUP BY time() interval must be at least 1u");
    // Times are stored in µs: a bucket edge between two µs would put points in no bucket.
    if (*s.interval_ns % 1000 != 0 || s.offset_ns % 1000 != 0)
      return Status::InvalidArgument("GROUP BY time() interval and offset must be whole microseconds");
    plan.interval_ns = *s.interval_ns;
    // The offset, normalised to [0, interval) and whole microseconds.
    const __int128 iv = *s.interval_ns;
    plan.offset_ns = static_cast<int64_t>(((s.offset_ns % iv) + iv) % iv);
  }
  plan.fill = s.fill;
  if (s.fill_value) {
    plan.fill_value = s.fill_value->kind == ExprKind::kInteger ? Value(s.fill_value->integer)
                                                                : Value(s.fill_value->number);
  }
  plan.descending = s.descending;
  plan.limit = s.limit;
  plan.offset = s.offset;
  plan.slimit = s.slimit;
  plan.soffset = s.soffset;
  plan.limit_in_sql = !plan.aggregate && !HasTransform(s);
  if (plan.interval_ns && !plan.range.max_ns) plan.range.max_ns = now_ns;
  // derivative/difference/elapsed over buckets need the bucket before the first one (in
  // output order: after the last one under DESC), a moving average its window: InfluxDB reads
  // them and answers from the first bucket of the range on.
  const int64_t back = plan.interval_ns ? LookBackBuckets(s) : 0;
  std::optional<int64_t>& edge = plan.descending ? plan.range.max_ns : plan.range.min_ns;
  if (back > 0 && edge) {
    int64_t span = 0, moved = 0;
    if (__builtin_mul_overflow(back, *plan.interval_ns, &span) ||
        (plan.descending ? __builtin_add_overflow(*edge, span, &moved)
                         : __builtin_sub_overflow(*edge, span, &moved)))
      return Status::InvalidArgument("the transformation's window reaches past the time range");
    (plan.descending ? plan.answer_until_ns : plan.answer_from_ns) = edge;
    edge = moved;
  }
  if (plan.range.empty()) return plan;
  if (subquery != nullptr) {
    for (const SubqueryTable& t : *subquery) {
      ARC_ASSIGN_OR_RETURN(MeasurementQuery q,
                           PlanMeasurement(s, plan, db, t.name, t.schema, cond.get(), t.relation));
      plan.queries.push_back(std::move(q));
    }
  } else {
    std::string database;
    ARC_ASSIGN_OR_RETURN(const std::vector<std::string> names, ResolveSources(s, db, catalog, &database));
    for (const std::string& m : names) {
      ARC_ASSIGN_OR_RETURN(const MeasurementSchema schema, catalog->Schema(database, m));
      if (schema.empty()) continue;
      ARC_ASSIGN_OR_RETURN(MeasurementQuery q,
                           PlanMeasurement(s, plan, database, m, schema, cond.get(), ""));
      plan.queries.push_back(std::move(q));
    }
  }
  // SELECT * over several measurements answers with the union of the columns of those
  // that have points (the builder aligns them).
  plan.union_columns = !plan.aggregate && s.fields.size() == 1 &&
                       (s.fields[0].expr->kind == ExprKind::kWildcard || s.fields[0].expr->kind == ExprKind::kRegex);
  return plan;
}

}  // namespace arc::influxql
