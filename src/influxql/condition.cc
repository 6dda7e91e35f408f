#include "influxql/condition.h"

#include <algorithm>
#include <climits>
#include <cstdio>

#include "influxql/time_literal.h"
#include "storage/duckdb_util.h"

namespace arc::influxql {
namespace {

bool IsTimeRef(const Expr& e) {
  return e.kind == ExprKind::kIdent && (e.text == "time" || e.text == "TIME" || e.text == "Time");
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEq || op == BinaryOp::kNeq || op == BinaryOp::kLt ||
         op == BinaryOp::kLte || op == BinaryOp::kGt || op == BinaryOp::kGte;
}

bool MentionsTime(const Expr& e) {
  if (IsTimeRef(e)) return true;
  for (const ExprPtr& a : e.args) {
    if (MentionsTime(*a)) return true;
  }
  return false;
}

// Mirrors a comparison so `x < time` reads `time > x`.
BinaryOp Mirror(BinaryOp op) {
  switch (op) {
    case BinaryOp::kLt: return BinaryOp::kGt;
    case BinaryOp::kLte: return BinaryOp::kGte;
    case BinaryOp::kGt: return BinaryOp::kLt;
    case BinaryOp::kGte: return BinaryOp::kLte;
    default: return op;
  }
}

Status ApplyBound(BinaryOp op, int64_t v, TimeRange* r) {
  auto lower = [&](int64_t x) { r->min_ns = r->min_ns ? std::max(*r->min_ns, x) : x; };
  auto upper = [&](int64_t x) { r->max_ns = r->max_ns ? std::min(*r->max_ns, x) : x; };
  switch (op) {
    case BinaryOp::kGt: lower(v == INT64_MAX ? v : v + 1); break;
    case BinaryOp::kGte: lower(v); break;
    case BinaryOp::kLt: upper(v == INT64_MIN ? v : v - 1); break;
    case BinaryOp::kLte: upper(v); break;
    case BinaryOp::kEq: lower(v); upper(v); break;
    default: return Status::InvalidArgument("invalid time comparison operator: " + std::string(BinaryOpText(op)));
  }
  return Status::OK();
}

Status Split(const Expr* e, int64_t now_ns, TimeRange* range, ExprPtr* rest) {
  if (e->kind == ExprKind::kBinary && e->op == BinaryOp::kAnd) {
    ARC_RETURN_IF_ERROR(Split(e->args[0].get(), now_ns, range, rest));
    return Split(e->args[1].get(), now_ns, range, rest);
  }
  if (e->kind == ExprKind::kBinary && IsComparison(e->op) &&
      (IsTimeRef(*e->args[0]) || IsTimeRef(*e->args[1]))) {
    const bool left = IsTimeRef(*e->args[0]);
    ARC_ASSIGN_OR_RETURN(const int64_t v, EvalTime(*e->args[left ? 1 : 0], now_ns));
    return ApplyBound(left ? e->op : Mirror(e->op), v, range);
  }
  if (MentionsTime(*e)) {
    return Status::InvalidArgument("invalid time condition " + e->ToString() +
                                   ": time can only be compared with a time in AND terms");
  }
  *rest = *rest ? MakeBinary(BinaryOp::kAnd, std::move(*rest), e->Clone()) : e->Clone();
  return Status::OK();
}

std::string DoubleSql(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

struct Operand {
  std::string sql;
  bool is_tag = false;     // a tag or an unknown name: compares as a string, '' when absent
  bool is_string = false;  // a string literal
};

Result<Operand> OperandSql(const Expr& e, const MeasurementSchema& schema);

Result<std::string> BinarySql(const Expr& e, const MeasurementSchema& schema) {
  const Expr& l = *e.args[0];
  const Expr& r = *e.args[1];
  if (e.op == BinaryOp::kAnd || e.op == BinaryOp::kOr) {
    ARC_ASSIGN_OR_RETURN(const std::string a, ConditionSql(l, schema));
    ARC_ASSIGN_OR_RETURN(const std::string b, ConditionSql(r, schema));
    return "(" + a + (e.op == BinaryOp::kAnd ? " AND " : " OR ") + b + ")";
  }
  ARC_ASSIGN_OR_RETURN(const Operand a, OperandSql(l, schema));
  if (e.op == BinaryOp::kEqRegex || e.op == BinaryOp::kNeqRegex) {
    if (r.kind != ExprKind::kRegex) return Status::InvalidArgument("=~ and !~ need a /regex/");
    const std::string subject = a.is_tag ? "coalesce(" + a.sql + ", '')" : a.sql;
    const std::string match = "regexp_matches(" + subject + ", " + QuoteLiteral(r.text) + ")";
    return e.op == BinaryOp::kEqRegex ? match : "(NOT " + match + ")";
  }
  ARC_ASSIGN_OR_RETURN(const Operand b, OperandSql(r, schema));
  // Tags compare as strings and an absent tag is ''.
  const std::string lhs = a.is_tag ? "coalesce(" + a.sql + ", '')" : a.sql;
  const std::string rhs = b.is_tag ? "coalesce(" + b.sql + ", '')" : b.sql;
  if (IsComparison(e.op)) {
    // A tag compared with a number matches nothing (InfluxDB compares types strictly).
    if ((a.is_tag && !b.is_tag && !b.is_string) || (b.is_tag && !a.is_tag && !a.is_string))
      return std::string("false");
    return "(" + lhs + " " + BinaryOpText(e.op) + " " + rhs + ")";
  }
  return "(" + lhs + " " + BinaryOpText(e.op) + " " + rhs + ")";
}

Result<Operand> OperandSql(const Expr& e, const MeasurementSchema& schema) {
  switch (e.kind) {
    case ExprKind::kIdent: {
      if (e.cast != IdentCast::kTag) {
        if (schema.Field(e.text) != nullptr) return Operand{QuoteIdentifier(e.text), false, false};
      }
      if (schema.IsTag(e.text)) return Operand{QuoteIdentifier(e.text), true, false};
      // Unknown: InfluxDB treats it as a tag no series has.
      return Operand{"CAST(NULL AS VARCHAR)", true, false};
    }
    case ExprKind::kString:
      return Operand{QuoteLiteral(e.text), false, true};
    case ExprKind::kInteger: case ExprKind::kNumber: case ExprKind::kBool:
      return Operand{LiteralSql(e), false, false};
    case ExprKind::kBinary: {
      ARC_ASSIGN_OR_RETURN(std::string sql, BinarySql(e, schema));
      return Operand{sql, false, false};
    }
    case ExprKind::kUnaryMinus: {
      ARC_ASSIGN_OR_RETURN(Operand x, OperandSql(*e.args[0], schema));
      return Operand{"(-" + x.sql + ")", false, false};
    }
    default:
      return Status::InvalidArgument("unsupported expression in WHERE: " + e.ToString());
  }
}

}  // namespace

std::string LiteralSql(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kInteger: return std::to_string(e.integer);
    case ExprKind::kNumber: return DoubleSql(e.number);
    case ExprKind::kBool: return e.boolean ? "true" : "false";
    case ExprKind::kString: return QuoteLiteral(e.text);
    default: return "NULL";
  }
}

Result<int64_t> EvalTime(const Expr& e, int64_t now_ns) {
  switch (e.kind) {
    case ExprKind::kString: return ParseTimeLiteral(e.text);
    case ExprKind::kInteger: case ExprKind::kDuration: return e.integer;
    case ExprKind::kNumber:
      if (!(e.number > -9.2e18 && e.number < 9.2e18))
        return Status::InvalidArgument("time out of range: " + e.ToString());
      return static_cast<int64_t>(e.number);
    case ExprKind::kCall:
      if (e.text == "now" && e.args.empty()) return now_ns;
      break;
    case ExprKind::kBinary:
      if (e.op == BinaryOp::kAdd || e.op == BinaryOp::kSub) {
        ARC_ASSIGN_OR_RETURN(const int64_t a, EvalTime(*e.args[0], now_ns));
        ARC_ASSIGN_OR_RETURN(const int64_t b, EvalTime(*e.args[1], now_ns));
        int64_t out = 0;
        if (e.op == BinaryOp::kAdd ? __builtin_add_overflow(a, b, &out)
                                   : __builtin_sub_overflow(a, b, &out))
          return Status::InvalidArgument("time out of range: " + e.ToString());
        return out;
      }
      break;
    default:
      break;
  }
  return Status::InvalidArgument("invalid time expression: " + e.ToString());
}

Status SplitTimeRange(const Expr* where, int64_t now_ns, TimeRange* range, ExprPtr* rest) {
  if (where == nullptr) return Status::OK();
  ARC_RETURN_IF_ERROR(Split(where, now_ns, range, rest));
  // InfluxDB's time range (1677-09-21 .. 2262-04-11): later arithmetic never overflows.
  constexpr int64_t kMin = INT64_MIN + 2, kMax = INT64_MAX - 1;
  if (range->min_ns) range->min_ns = std::clamp(*range->min_ns, kMin, kMax);
  if (range->max_ns) range->max_ns = std::clamp(*range->max_ns, kMin, kMax);
  return Status::OK();
}

Result<std::string> ConditionSql(const Expr& cond, const MeasurementSchema& schema) {
  if (cond.kind == ExprKind::kBinary) return BinarySql(cond, schema);
  if (cond.kind == ExprKind::kBool) return std::string(cond.boolean ? "true" : "false");
  return Status::InvalidArgument("invalid condition: " + cond.ToString());
}

namespace {

// 'YYYY-MM-DD HH:MM:SS.ffffff' for a µs time: a literal the query rewriter reads for hour
// pruning and DuckDB casts exactly.
std::string TimestampSql(int64_t us) {
  std::string t = FormatRfc3339(us * 1000);
  t[10] = ' ';
  t.pop_back();  // 'Z'
  return "TIMESTAMP '" + t + "'";
}

}  // namespace

std::string TimeRangeSql(const TimeRange& range) {
  // Stored times are microseconds: time >= ns rounds up, time <= ns rounds down. Bounds are
  // kept within the µs times int64 nanoseconds hold (as stored times are, ingest/validate.h),
  // so TimestampSql's us * 1000 cannot overflow; a bound past them matches nothing.
  constexpr int64_t kMinUs = INT64_MIN / 1000, kMaxUs = INT64_MAX / 1000;
  std::string sql;
  if (range.min_ns) {
    const int64_t us = FloorDiv(*range.min_ns, 1000) + (*range.min_ns % 1000 != 0);
    sql += us > kMaxUs ? "false" : "time >= " + TimestampSql(std::max(us, kMinUs));
  }
  if (range.max_ns) {
    const int64_t us = FloorDiv(*range.max_ns, 1000);
    sql += std::string(sql.empty() ? "" : " AND ") +
           (us < kMinUs ? "false" : "time <= " + TimestampSql(std::min(us, kMaxUs)));
  }
  return sql;
}

}  // namespace arc::influxql
