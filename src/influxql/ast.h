// InfluxQL syntax tree: what the parser (influxql/parser.h) produces and the planner reads.
// Plain values; a tree owns its children.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace arc::influxql {

enum class ExprKind { kInteger, kNumber, kString, kBool, kDuration, kIdent, kRegex, kCall,
                      kBinary, kUnaryMinus, kWildcard, kParam };

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kMod, kBitAnd, kBitOr, kBitXor, kEq, kNeq, kLt,
                      kLte, kGt, kGte, kEqRegex, kNeqRegex, kAnd, kOr };

// `x::field`, `x::tag` and the type casts InfluxQL allows on identifiers.
enum class IdentCast { kNone, kField, kTag, kInteger, kFloat, kString, kBoolean };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kInteger;
  int64_t integer = 0;       // kInteger; kDuration in nanoseconds
  double number = 0;         // kNumber
  bool boolean = false;      // kBool
  std::string text;          // kString, kIdent, kRegex, kParam; kCall: the name, lower case
  IdentCast cast = IdentCast::kNone;
  int height = 1;            // 1 + the tallest argument (the parser bounds it)
  BinaryOp op = BinaryOp::kAdd;
  std::vector<ExprPtr> args;  // kCall: arguments; kBinary: {lhs, rhs}; kUnaryMinus: {x}

  ExprPtr Clone() const;
  // InfluxQL text of the expression (for column names and error messages).
  std::string ToString() const;
};

ExprPtr MakeIdent(std::string name);
ExprPtr MakeBinary(BinaryOp op, ExprPtr lhs, ExprPtr rhs);
const char* BinaryOpText(BinaryOp op);

struct SelectStatement;

// A FROM entry: a measurement (maybe "db"."rp".), a /regex/ over measurement names, or a
// subquery.
struct Source {
  std::string database;          // empty: the request's db
  std::string retention_policy;  // accepted, not used (Arc has one policy per database)
  std::string measurement;
  std::optional<std::string> regex;
  std::shared_ptr<SelectStatement> subquery;
};

struct Field {
  ExprPtr expr;
  std::string alias;
};

enum class FillMode { kNull, kNone, kPrevious, kLinear, kValue };

struct SelectStatement {
  std::vector<Field> fields;
  std::vector<Source> sources;
  ExprPtr where;                             // may be null
  std::optional<int64_t> interval_ns;        // GROUP BY time(interval[, offset])
  int64_t offset_ns = 0;
  std::vector<std::string> group_tags;
  bool group_all_tags = false;               // GROUP BY *
  std::vector<std::string> group_tag_regexes;  // GROUP BY /re/
  FillMode fill = FillMode::kNull;
  ExprPtr fill_value;                        // kValue: a number
  bool descending = false;
  int64_t limit = 0, offset = 0, slimit = 0, soffset = 0;
  std::optional<std::string> tz;
  std::string into;                          // SELECT ... INTO (refused by the planner)
};

enum class ShowKind { kDatabases, kMeasurements, kTagKeys, kTagValues, kFieldKeys, kSeries,
                      kRetentionPolicies, kUsers, kContinuousQueries, kDiagnostics, kStats,
                      kShards, kShardGroups, kSubscriptions, kQueries };

struct ShowStatement {
  ShowKind kind = ShowKind::kDatabases;
  std::string database;                 // ON db
  std::vector<Source> sources;          // FROM
  // WITH MEASUREMENT = m | =~ /re/
  std::optional<BinaryOp> measurement_op;
  std::string measurement_value;
  // WITH KEY = "k" | != "k" | =~ /re/ | !~ /re/ | IN ("a", "b")
  std::optional<BinaryOp> key_op;       // kEq also for IN
  std::vector<std::string> keys;
  ExprPtr where;
  int64_t limit = 0, offset = 0;
};

struct CreateDatabaseStatement {
  std::string name;
};

enum class DropKind { kDatabase, kMeasurement, kSeries, kRetentionPolicy, kOther };

struct DropStatement {
  DropKind kind = DropKind::kDatabase;
  std::string name;
  std::string what;  // kOther: the statement's words, for the error
};

// Statements InfluxQL has and Arc does not run (users, continuous queries, ...): the planner
// answers them with an error naming them.
struct UnsupportedStatement {
  std::string what;
};

using Statement = std::variant<SelectStatement, ShowStatement, CreateDatabaseStatement,
                               DropStatement, UnsupportedStatement>;

}  // namespace arc::influxql
