#include "influxql/ast.h"

#include <algorithm>
#include <cstdio>

namespace arc::influxql {
namespace {

std::string QuoteIdentIfNeeded(const std::string& name) {
  bool plain = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const char* BinaryOpText(BinaryOp op) {
  static const char* const kText[] = {"+",  "-",  "*", "/",  "%",  "&",  "|",  "^",   "=",
                                      "!=", "<",  "<=", ">", ">=", "=~", "!~", "AND", "OR"};
  return kText[static_cast<int>(op)];
}

ExprPtr Expr::Clone() const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->integer = integer;
  e->number = number;
  e->boolean = boolean;
  e->text = text;
  e->cast = cast;
  e->op = op;
  e->height = height;
  for (const ExprPtr& a : args) e->args.push_back(a->Clone());
  return e;
}

std::string Expr::ToString() const {
  switch (kind) {
    case ExprKind::kInteger:
      return std::to_string(integer);
    case ExprKind::kNumber: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.6g", number);
      return buf;
    }
    case ExprKind::kString:
      return "'" + text + "'";
    case ExprKind::kBool:
      return boolean ? "true" : "false";
    case ExprKind::kDuration:
      return std::to_string(integer) + "ns";
    case ExprKind::kIdent:
      return QuoteIdentIfNeeded(text);
    case ExprKind::kRegex:
      return "/" + text + "/";
    case ExprKind::kParam:
      return "$" + text;
    case ExprKind::kWildcard:
      return "*";
    case ExprKind::kUnaryMinus:
      return "-" + args[0]->ToString();
    case ExprKind::kCall: {
      std::string s = text + "(";
      for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i]->ToString();
      return s + ")";
    }
    case ExprKind::kBinary:
      return args[0]->ToString() + " " + BinaryOpText(op) + " " + args[1]->ToString();
  }
  return "";
}

ExprPtr MakeIdent(std::string name) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kIdent;
  e->text = std::move(name);
  return e;
}

ExprPtr MakeBinary(BinaryOp op, ExprPtr lhs, ExprPtr rhs) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kBinary;
  e->op = op;
  e->height = 1 + std::max(lhs->height, rhs->height);
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  return e;
}

}  // namespace arc::influxql
