#include "influxql/parser.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "influxql/lexer.h"

namespace arc::influxql {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Recursive descent over one lookahead token. Errors are kept in `error_` and surface as
// the first failure; each step returns false once one happened.
class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Result<std::vector<Statement>> ParseAll();

 private:
  // --- tokens ---
  bool Advance();
  bool IsKeyword(const char* word) const {
    return cur_.type == Tok::kIdent && !cur_.quoted && Lower(cur_.text) == word;
  }
  bool AcceptKeyword(const char* word) { return IsKeyword(word) && Advance(); }
  bool ExpectKeyword(const char* word);
  bool Accept(Tok t) { return cur_.type == t && Advance(); }
  bool Expect(Tok t, const char* what);
  bool Fail(const std::string& expected);
  std::string Found() const;

  // --- statements ---
  bool ParseStatement(std::vector<Statement>* out);
  bool ParseSelect(SelectStatement* s);
  bool ParseFields(SelectStatement* s);
  bool ParseSources(std::vector<Source>* sources, bool allow_subquery);
  bool ParseSource(Source* src, bool allow_subquery);
  bool ParseGroupBy(SelectStatement* s);
  bool ParseFill(SelectStatement* s);
  bool ParseTail(SelectStatement* s);
  bool ParseShow(std::vector<Statement>* out);
  bool ParseShowWith(ShowStatement* s);
  bool ParseLimitOffset(int64_t* limit, int64_t* offset);
  bool ParseCreate(std::vector<Statement>* out);
  bool ParseDrop(std::vector<Statement>* out);
  bool SkipStatement(std::string* words);
  bool ParseIdent(std::string* name, const char* what);
  bool ParseInteger(int64_t* v, const char* what);

  // --- expressions, by precedence: OR < AND < comparison < + - | ^ < * / % & < unary ---
  bool ParseExpr(ExprPtr* out) { return ParseOr(out); }
  bool ParseOr(ExprPtr* out);
  bool ParseAnd(ExprPtr* out);
  bool ParseComparison(ExprPtr* out);
  bool ParseArithmetic(ExprPtr* out, int level);
  bool ParseUnary(ExprPtr* out);
  bool ParsePrimary(ExprPtr* out);
  bool ParseRegex(std::string* pattern);

  // Nesting (parentheses, unary minus, subqueries) and expression height are bounded, so a
  // hostile query cannot overflow the stack here or in the recursive walks of the tree.
  bool Enter();
  void Leave() { --depth_; }
  bool CheckHeight(const ExprPtr& e);

  Lexer lexer_;
  Token cur_;
  Status error_;
  int depth_ = 0;
};

constexpr int kMaxNesting = 100;
constexpr int kMaxHeight = 200;

int Height(const Expr& e) {
  int h = 0;
  for (const ExprPtr& a : e.args) h = std::max(h, a->height);
  return h + 1;
}

bool Parser::Enter() {
  if (++depth_ <= kMaxNesting) return true;
  return Fail("at most " + std::to_string(kMaxNesting) + " levels of nesting");
}

bool Parser::CheckHeight(const ExprPtr& e) {
  e->height = Height(*e);
  if (e->height <= kMaxHeight) return true;
  return Fail("an expression of at most " + std::to_string(kMaxHeight) + " operators in a chain");
}

bool Parser::Advance() {
  Result<Token> t = lexer_.Next();
  if (!t.ok()) {
    if (error_.ok()) error_ = t.status();
    cur_ = Token();
    return false;
  }
  cur_ = std::move(*t);
  return true;
}

std::string Parser::Found() const {
  if (cur_.type == Tok::kEof) return "EOF";
  if (cur_.type == Tok::kString) return "'" + cur_.text + "'";
  return cur_.text;
}

bool Parser::Fail(const std::string& expected) {
  if (error_.ok()) {
    error_ = Status::InvalidArgument("found " + Found() + ", expected " + expected + " at char " +
                                     std::to_string(cur_.pos + 1));
  }
  return false;
}

bool Parser::ExpectKeyword(const char* word) {
  if (AcceptKeyword(word)) return true;
  std::string upper = word;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Fail(upper);
}

bool Parser::Expect(Tok t, const char* what) { return Accept(t) || Fail(what); }

bool Parser::ParseIdent(std::string* name, const char* what) {
  if (cur_.type != Tok::kIdent) return Fail(what);
  *name = cur_.text;
  return Advance();
}

bool Parser::ParseInteger(int64_t* v, const char* what) {
  if (cur_.type != Tok::kInteger || cur_.integer < 0) return Fail(what);
  *v = cur_.integer;
  return Advance();
}

Result<std::vector<Statement>> Parser::ParseAll() {
  std::vector<Statement> out;
  if (!Advance()) return Status::InvalidArgument("error parsing query: " + error_.message());
  for (;;) {
    while (Accept(Tok::kSemicolon)) {
    }
    if (cur_.type == Tok::kEof) break;
    if (!ParseStatement(&out)) break;
    if (cur_.type != Tok::kSemicolon && cur_.type != Tok::kEof) {
      Fail(";");
      break;
    }
  }
  if (!error_.ok()) return Status::InvalidArgument("error parsing query: " + error_.message());
  if (out.empty()) return Status::InvalidArgument("error parsing query: found EOF, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at char 1");
  return out;
}

bool Parser::ParseStatement(std::vector<Statement>* out) {
  if (AcceptKeyword("select")) {
    SelectStatement s;
    if (!ParseSelect(&s)) return false;
    out->emplace_back(std::move(s));
    return true;
  }
  if (AcceptKeyword("show")) return ParseShow(out);
  if (AcceptKeyword("create")) return ParseCreate(out);
  if (AcceptKeyword("drop")) return ParseDrop(out);
  static const char* const kOthers[] = {"delete", "alter", "grant", "revoke", "kill", "explain", "set"};
  for (const char* w : kOthers) {
    if (IsKeyword(w)) {
      UnsupportedStatement u;
      if (!SkipStatement(&u.what)) return false;
      out->emplace_back(std::move(u));
      return true;
    }
  }
  return Fail("SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL");
}

// The words of a statement Arc does not run, up to ';' (for the error message).
bool Parser::SkipStatement(std::string* words) {
  while (cur_.type != Tok::kSemicolon && cur_.type != Tok::kEof) {
    if (cur_.type == Tok::kIdent && !cur_.quoted && words->size() < 40) {
      *words += (words->empty() ? "" : " ") + cur_.text;
    }
    if (!Advance()) return false;
  }
  for (char& c : *words) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return true;
}

bool Parser::ParseSelect(SelectStatement* s) {
  if (!ParseFields(s)) return false;
  if (AcceptKeyword("into")) {
    if (!ParseIdent(&s->into, "identifier")) return false;
    while (Accept(Tok::kDot)) {
      std::string more;
      if (cur_.type == Tok::kDot) continue;
      if (!ParseIdent(&more, "identifier")) return false;
      s->into += "." + more;
    }
  }
  if (!ExpectKeyword("from")) return false;
  if (!ParseSources(&s->sources, true)) return false;
  if (AcceptKeyword("where") && !ParseExpr(&s->where)) return false;
  if (AcceptKeyword("group")) {
    if (!ExpectKeyword("by") || !ParseGroupBy(s)) return false;
  }
  if (IsKeyword("fill") && !ParseFill(s)) return false;
  return ParseTail(s);
}

bool Parser::ParseFields(SelectStatement* s) {
  for (;;) {
    Field f;
    if (cur_.type == Tok::kMul) {
      f.expr = std::make_unique<Expr>();
      f.expr->kind = ExprKind::kWildcard;
      if (!Advance()) return false;
      // "*::field" / "*::tag"
      if (Accept(Tok::kDoubleColon)) {
        std::string t;
        if (!ParseIdent(&t, "field or tag")) return false;
        t = Lower(t);
        f.expr->cast = t == "tag" ? IdentCast::kTag : IdentCast::kField;
      }
    } else if (cur_.type == Tok::kDiv) {  // SELECT /re/: the matching fields and tags
      f.expr = std::make_unique<Expr>();
      f.expr->kind = ExprKind::kRegex;
      if (!ParseRegex(&f.expr->text)) return false;
    } else if (!ParseExpr(&f.expr)) {
      return false;
    }
    if (AcceptKeyword("as") && !ParseIdent(&f.alias, "identifier")) return false;
    s->fields.push_back(std::move(f));
    if (!Accept(Tok::kComma)) return true;
  }
}

bool Parser::ParseSources(std::vector<Source>* sources, bool allow_subquery) {
  for (;;) {
    Source src;
    if (!ParseSource(&src, allow_subquery)) return false;
    sources->push_back(std::move(src));
    if (!Accept(Tok::kComma)) return true;
  }
}

// m | "db"."rp"."m" | db..m | /re/ | "db"."rp"./re/ | (SELECT ...)
bool Parser::ParseSource(Source* src, bool allow_subquery) {
  if (cur_.type == Tok::kLParen && allow_subquery) {
    if (!Enter() || !Advance() || !ExpectKeyword("select")) return false;
    src->subquery = std::make_shared<SelectStatement>();
    if (!ParseSelect(src->subquery.get())) return false;
    Leave();
    return Expect(Tok::kRParen, ")");
  }
  std::vector<std::string> parts;
  for (;;) {
    if (cur_.type == Tok::kDiv) {
      std::string re;
      if (!ParseRegex(&re)) return false;
      src->regex = re;
      break;
    }
    if (cur_.type == Tok::kIdent) {
      parts.push_back(cur_.text);
      if (!Advance()) return false;
    } else if (cur_.type == Tok::kDot && !parts.empty()) {
      parts.emplace_back();  // db..m: the default retention policy
    } else {
      return Fail("identifier");
    }
    if (!Accept(Tok::kDot)) break;
    if (parts.size() >= 3) return Fail("measurement");
  }
  if (src->regex) parts.push_back("");
  if (parts.size() > 3) return Fail("measurement");
  if (parts.size() == 3) {
    src->database = parts[0];
    src->retention_policy = parts[1];
    src->measurement = parts[2];
  } else if (parts.size() == 2) {
    src->retention_policy = parts[0];
    src->measurement = parts[1];
  } else {
    src->measurement = parts[0];
  }
  return true;
}

bool Parser::ParseRegex(std::string* pattern) {
  if (cur_.type != Tok::kDiv) return Fail("regex");
  Result<Token> re = lexer_.ScanRegex(cur_.pos);
  if (!re.ok()) {
    if (error_.ok()) error_ = re.status();
    return false;
  }
  *pattern = re->text;
  return Advance();
}

bool Parser::ParseGroupBy(SelectStatement* s) {
  for (;;) {
    if (cur_.type == Tok::kMul) {
      s->group_all_tags = true;
      if (!Advance()) return false;
    } else if (IsKeyword("time") && !cur_.quoted) {
      if (!Advance()) return false;
      if (cur_.type != Tok::kLParen) {
        // GROUP BY time without an interval: InfluxDB refuses it too.
        return Fail("(");
      }
      if (!Advance()) return false;
      if (cur_.type != Tok::kDuration) return Fail("duration");
      s->interval_ns = cur_.integer;
      if (!Advance()) return false;
      if (Accept(Tok::kComma)) {
        bool negative = Accept(Tok::kMinus);
        if (IsKeyword("now")) return Fail("duration (now() offsets are not supported)");
        if (cur_.type != Tok::kDuration) return Fail("duration");
        s->offset_ns = negative ? -cur_.integer : cur_.integer;
        if (!Advance()) return false;
      }
      if (!Expect(Tok::kRParen, ")")) return false;
    } else if (cur_.type == Tok::kDiv) {
      std::string re;
      if (!ParseRegex(&re)) return false;
      s->group_tag_regexes.push_back(re);
    } else if (cur_.type == Tok::kIdent) {
      s->group_tags.push_back(cur_.text);
      if (!Advance()) return false;
      if (Accept(Tok::kDoubleColon)) {
        std::string ignored;
        if (!ParseIdent(&ignored, "tag")) return false;
      }
    } else {
      return Fail("identifier, time() or *");
    }
    if (!Accept(Tok::kComma)) return true;
  }
}

bool Parser::ParseFill(SelectStatement* s) {
  if (!Advance() || !Expect(Tok::kLParen, "(")) return false;
  if (AcceptKeyword("null")) {
    s->fill = FillMode::kNull;
  } else if (AcceptKeyword("none")) {
    s->fill = FillMode::kNone;
  } else if (AcceptKeyword("previous")) {
    s->fill = FillMode::kPrevious;
  } else if (AcceptKeyword("linear")) {
    s->fill = FillMode::kLinear;
  } else {
    const bool negative = Accept(Tok::kMinus);
    auto v = std::make_unique<Expr>();
    if (cur_.type == Tok::kInteger) {
      v->kind = ExprKind::kInteger;
      v->integer = negative ? -cur_.integer : cur_.integer;
    } else if (cur_.type == Tok::kNumber) {
      v->kind = ExprKind::kNumber;
      v->number = negative ? -cur_.number : cur_.number;
    } else {
      return Fail("null, none, previous, linear or a number");
    }
    if (!Advance()) return false;
    s->fill = FillMode::kValue;
    s->fill_value = std::move(v);
  }
  return Expect(Tok::kRParen, ")");
}

bool Parser::ParseTail(SelectStatement* s) {
  if (AcceptKeyword("order")) {
    if (!ExpectKeyword("by")) return false;
    if (!IsKeyword("time")) return Fail("time (only ORDER BY time is supported)");
    if (!Advance()) return false;
    if (AcceptKeyword("desc")) s->descending = true;
    else AcceptKeyword("asc");
  }
  if (AcceptKeyword("limit") && !ParseInteger(&s->limit, "integer")) return false;
  if (AcceptKeyword("offset") && !ParseInteger(&s->offset, "integer")) return false;
  if (AcceptKeyword("slimit") && !ParseInteger(&s->slimit, "integer")) return false;
  if (AcceptKeyword("soffset") && !ParseInteger(&s->soffset, "integer")) return false;
  if (IsKeyword("tz")) {
    if (!Advance() || !Expect(Tok::kLParen, "(")) return false;
    if (cur_.type != Tok::kString) return Fail("string");
    s->tz = cur_.text;
    if (!Advance() || !Expect(Tok::kRParen, ")")) return false;
  }
  return true;
}

bool Parser::ParseLimitOffset(int64_t* limit, int64_t* offset) {
  if (AcceptKeyword("limit") && !ParseInteger(limit, "integer")) return false;
  if (AcceptKeyword("offset") && !ParseInteger(offset, "integer")) return false;
  return true;
}

bool Parser::ParseShowWith(ShowStatement* s) {
  if (!AcceptKeyword("with")) return true;
  const bool measurement = AcceptKeyword("measurement");
  if (!measurement && !ExpectKeyword("key")) return false;
  BinaryOp op;
  if (Accept(Tok::kEq)) op = BinaryOp::kEq;
  else if (Accept(Tok::kNeq)) op = BinaryOp::kNeq;
  else if (Accept(Tok::kEqRegex)) op = BinaryOp::kEqRegex;
  else if (Accept(Tok::kNeqRegex)) op = BinaryOp::kNeqRegex;
  else if (!measurement && AcceptKeyword("in")) op = BinaryOp::kEq;
  else return Fail("=, !=, =~, !~" + std::string(measurement ? "" : " or IN"));
  std::vector<std::string> values;
  if (op == BinaryOp::kEqRegex || op == BinaryOp::kNeqRegex) {
    std::string re;
    if (!ParseRegex(&re)) return false;
    values.push_back(re);
  } else if (cur_.type == Tok::kLParen) {
    if (!Advance()) return false;
    for (;;) {
      std::string v;
      if (!ParseIdent(&v, "identifier")) return false;
      values.push_back(v);
      if (!Accept(Tok::kComma)) break;
    }
    if (!Expect(Tok::kRParen, ")")) return false;
  } else {
    std::string v;
    if (!ParseIdent(&v, "identifier")) return false;
    values.push_back(v);
  }
  if (measurement) {
    s->measurement_op = op;
    s->measurement_value = values[0];
  } else {
    s->key_op = op;
    s->keys = std::move(values);
  }
  return true;
}

bool Parser::ParseShow(std::vector<Statement>* out) {
  ShowStatement s;
  auto on_from_where = [&](bool allow_from, bool with) {
    if (AcceptKeyword("on") && !ParseIdent(&s.database, "identifier")) return false;
    if (allow_from && AcceptKeyword("from") && !ParseSources(&s.sources, false)) return false;
    if (with && !ParseShowWith(&s)) return false;
    if (AcceptKeyword("where") && !ParseExpr(&s.where)) return false;
    if (AcceptKeyword("order")) {  // ORDER BY ... is accepted and ignored (answers are sorted)
      if (!ExpectKeyword("by")) return false;
      std::string ignored;
      if (!ParseIdent(&ignored, "identifier")) return false;
      if (!AcceptKeyword("asc")) AcceptKeyword("desc");
    }
    return ParseLimitOffset(&s.limit, &s.offset);
  };
  if (AcceptKeyword("databases")) {
    s.kind = ShowKind::kDatabases;
  } else if (AcceptKeyword("measurements")) {
    s.kind = ShowKind::kMeasurements;
    if (!on_from_where(false, true)) return false;
  } else if (AcceptKeyword("tag")) {
    if (AcceptKeyword("keys")) {
      s.kind = ShowKind::kTagKeys;
      if (!on_from_where(true, false)) return false;
    } else if (AcceptKeyword("values")) {
      s.kind = ShowKind::kTagValues;
      if (AcceptKeyword("on") && !ParseIdent(&s.database, "identifier")) return false;
      if (AcceptKeyword("from") && !ParseSources(&s.sources, false)) return false;
      if (!ParseShowWith(&s)) return false;
      if (!s.key_op) return Fail("WITH KEY");
      if (AcceptKeyword("where") && !ParseExpr(&s.where)) return false;
      if (!ParseLimitOffset(&s.limit, &s.offset)) return false;
    } else {
      return Fail("KEYS or VALUES");
    }
  } else if (AcceptKeyword("field")) {
    if (!ExpectKeyword("keys")) return false;
    s.kind = ShowKind::kFieldKeys;
    if (!on_from_where(true, false)) return false;
  } else if (AcceptKeyword("series")) {
    s.kind = ShowKind::kSeries;
    if (!on_from_where(true, false)) return false;
  } else if (AcceptKeyword("retention")) {
    if (!ExpectKeyword("policies")) return false;
    s.kind = ShowKind::kRetentionPolicies;
    if (AcceptKeyword("on") && !ParseIdent(&s.database, "identifier")) return false;
  } else {
    UnsupportedStatement u;
    if (!SkipStatement(&u.what)) return false;
    u.what = "SHOW " + u.what;
    out->emplace_back(std::move(u));
    return true;
  }
  out->emplace_back(std::move(s));
  return true;
}

bool Parser::ParseCreate(std::vector<Statement>* out) {
  if (AcceptKeyword("database")) {
    CreateDatabaseStatement s;
    if (!ParseIdent(&s.name, "identifier")) return false;
    // WITH DURATION / REPLICATION / SHARD DURATION / NAME: accepted, not used.
    std::string ignored;
    if (!SkipStatement(&ignored)) return false;
    out->emplace_back(std::move(s));
    return true;
  }
  UnsupportedStatement u;
  if (!SkipStatement(&u.what)) return false;
  u.what = "CREATE " + u.what;
  out->emplace_back(std::move(u));
  return true;
}

bool Parser::ParseDrop(std::vector<Statement>* out) {
  DropStatement s;
  if (AcceptKeyword("database")) {
    s.kind = DropKind::kDatabase;
  } else if (AcceptKeyword("measurement")) {
    s.kind = DropKind::kMeasurement;
  } else {
    UnsupportedStatement u;
    if (!SkipStatement(&u.what)) return false;
    u.what = "DROP " + u.what;
    out->emplace_back(std::move(u));
    return true;
  }
  if (!ParseIdent(&s.name, "identifier")) return false;
  out->emplace_back(std::move(s));
  return true;
}

// AND and OR are associative: a long list (Grafana's host = 'a' OR host = 'b' OR ...)
// becomes a balanced tree, log2(n) high, instead of a chain the height limit would refuse.
ExprPtr Balanced(BinaryOp op, std::vector<ExprPtr>* terms, size_t from, size_t to) {
  if (to - from == 1) return std::move((*terms)[from]);
  const size_t mid = from + (to - from) / 2;
  ExprPtr lhs = Balanced(op, terms, from, mid);
  return MakeBinary(op, std::move(lhs), Balanced(op, terms, mid, to));
}

bool Parser::ParseOr(ExprPtr* out) {
  std::vector<ExprPtr> terms(1);
  if (!ParseAnd(&terms[0])) return false;
  while (AcceptKeyword("or")) {
    terms.emplace_back();
    if (!ParseAnd(&terms.back())) return false;
  }
  *out = Balanced(BinaryOp::kOr, &terms, 0, terms.size());
  return CheckHeight(*out);
}

bool Parser::ParseAnd(ExprPtr* out) {
  std::vector<ExprPtr> terms(1);
  if (!ParseComparison(&terms[0])) return false;
  while (AcceptKeyword("and")) {
    terms.emplace_back();
    if (!ParseComparison(&terms.back())) return false;
  }
  *out = Balanced(BinaryOp::kAnd, &terms, 0, terms.size());
  return CheckHeight(*out);
}

bool Parser::ParseComparison(ExprPtr* out) {
  if (!ParseArithmetic(out, 0)) return false;
  for (;;) {
    BinaryOp op;
    switch (cur_.type) {
      case Tok::kEq: op = BinaryOp::kEq; break;
      case Tok::kNeq: op = BinaryOp::kNeq; break;
      case Tok::kLt: op = BinaryOp::kLt; break;
      case Tok::kLte: op = BinaryOp::kLte; break;
      case Tok::kGt: op = BinaryOp::kGt; break;
      case Tok::kGte: op = BinaryOp::kGte; break;
      case Tok::kEqRegex: op = BinaryOp::kEqRegex; break;
      case Tok::kNeqRegex: op = BinaryOp::kNeqRegex; break;
      default: return true;
    }
    if (!Advance()) return false;
    ExprPtr rhs;
    if (op == BinaryOp::kEqRegex || op == BinaryOp::kNeqRegex) {
      rhs = std::make_unique<Expr>();
      rhs->kind = ExprKind::kRegex;
      if (!ParseRegex(&rhs->text)) return false;
    } else if (!ParseArithmetic(&rhs, 0)) {
      return false;
    }
    *out = MakeBinary(op, std::move(*out), std::move(rhs));
    if (!CheckHeight(*out)) return false;
  }
}

// The arithmetic operator `t` is at precedence `level` (0: + - | ^, 1: * / % &), if any.
std::optional<BinaryOp> ArithmeticOp(Tok t, int level) {
  if (level == 0) {
    switch (t) {
      case Tok::kPlus: return BinaryOp::kAdd;
      case Tok::kMinus: return BinaryOp::kSub;
      case Tok::kBitOr: return BinaryOp::kBitOr;
      case Tok::kBitXor: return BinaryOp::kBitXor;
      default: return std::nullopt;
    }
  }
  switch (t) {
    case Tok::kMul: return BinaryOp::kMul;
    case Tok::kDiv: return BinaryOp::kDiv;
    case Tok::kMod: return BinaryOp::kMod;
    case Tok::kBitAnd: return BinaryOp::kBitAnd;
    default: return std::nullopt;
  }
}

// Left-associative chains: level 0 of level-1 operands, level 1 of unary operands.
bool Parser::ParseArithmetic(ExprPtr* out, int level) {
  auto operand = [&](ExprPtr* e) { return level == 0 ? ParseArithmetic(e, 1) : ParseUnary(e); };
  if (!operand(out)) return false;
  for (;;) {
    const std::optional<BinaryOp> op = ArithmeticOp(cur_.type, level);
    if (!op) return true;
    if (!Advance()) return false;
    ExprPtr rhs;
    if (!operand(&rhs)) return false;
    *out = MakeBinary(*op, std::move(*out), std::move(rhs));
    if (!CheckHeight(*out)) return false;
  }
}

bool Parser::ParseUnary(ExprPtr* out) {
  if (cur_.type == Tok::kMinus) {
    if (!Enter() || !Advance()) return false;
    ExprPtr x;
    if (!ParseUnary(&x)) return false;
    Leave();
    // Fold literals: "-5" is the number -5, "-1h" a negative duration.
    if (x->kind == ExprKind::kInteger || x->kind == ExprKind::kDuration) {
      x->integer = -x->integer;
      *out = std::move(x);
      return true;
    }
    if (x->kind == ExprKind::kNumber) {
      x->number = -x->number;
      *out = std::move(x);
      return true;
    }
    *out = std::make_unique<Expr>();
    (*out)->kind = ExprKind::kUnaryMinus;
    (*out)->args.push_back(std::move(x));
    return CheckHeight(*out);
  }
  if (cur_.type == Tok::kPlus && !Advance()) return false;
  return ParsePrimary(out);
}

bool Parser::ParsePrimary(ExprPtr* out) {
  auto e = std::make_unique<Expr>();
  switch (cur_.type) {
    case Tok::kInteger:
      e->kind = ExprKind::kInteger;
      e->integer = cur_.integer;
      break;
    case Tok::kNumber:
      e->kind = ExprKind::kNumber;
      e->number = cur_.number;
      break;
    case Tok::kDuration:
      e->kind = ExprKind::kDuration;
      e->integer = cur_.integer;
      break;
    case Tok::kString:
      e->kind = ExprKind::kString;
      e->text = cur_.text;
      break;
    case Tok::kParam:
      e->kind = ExprKind::kParam;
      e->text = cur_.text;
      break;
    case Tok::kMul:
      e->kind = ExprKind::kWildcard;
      break;
    case Tok::kLParen: {
      if (!Enter()) return false;
      if (!Advance() || !ParseExpr(out)) return false;
      Leave();
      return Expect(Tok::kRParen, ")");
    }
    case Tok::kIdent: {
      const std::string lower = Lower(cur_.text);
      if (!cur_.quoted && (lower == "true" || lower == "false")) {
        e->kind = ExprKind::kBool;
        e->boolean = lower == "true";
        break;
      }
      e->text = cur_.text;
      const bool quoted = cur_.quoted;
      if (!Advance()) return false;
      if (!quoted && cur_.type == Tok::kLParen) {  // a call
        e->kind = ExprKind::kCall;
        e->text = lower;
        if (!Enter() || !Advance()) return false;
        if (!Accept(Tok::kRParen)) {
          for (;;) {
            ExprPtr arg;
            if (cur_.type == Tok::kDiv) {  // distinct(/re/) and friends
              arg = std::make_unique<Expr>();
              arg->kind = ExprKind::kRegex;
              if (!ParseRegex(&arg->text)) return false;
            } else if (!ParseExpr(&arg)) {
              return false;
            }
            e->args.push_back(std::move(arg));
            if (!Accept(Tok::kComma)) break;
          }
          if (!Expect(Tok::kRParen, ")")) return false;
        }
        Leave();
        *out = std::move(e);
        return CheckHeight(*out);
      }
      e->kind = ExprKind::kIdent;
      if (Accept(Tok::kDoubleColon)) {
        std::string type;
        if (!ParseIdent(&type, "field, tag, integer, float, string or boolean")) return false;
        type = Lower(type);
        if (type == "field") e->cast = IdentCast::kField;
        else if (type == "tag") e->cast = IdentCast::kTag;
        else if (type == "integer") e->cast = IdentCast::kInteger;
        else if (type == "float") e->cast = IdentCast::kFloat;
        else if (type == "string") e->cast = IdentCast::kString;
        else if (type == "boolean") e->cast = IdentCast::kBoolean;
        else return Fail("field, tag, integer, float, string or boolean");
      }
      *out = std::move(e);
      return true;
    }
    default:
      return Fail("identifier, string, number, bool");
  }
  if (!Advance()) return false;
  *out = std::move(e);
  return true;
}

}  // namespace

Result<std::vector<Statement>> ParseQuery(std::string_view text) {
  Parser parser(text);
  return parser.ParseAll();
}

}  // namespace arc::influxql
