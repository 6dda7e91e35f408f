#include "influxql/lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace arc::influxql {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status ErrorAt(size_t pos, const std::string& what) {
  return Status::InvalidArgument(what + " at char " + std::to_string(pos + 1));
}

// The length of a duration unit at the start of `s` (0 when none): ns u µ ms s m h d w.
size_t UnitLength(std::string_view s, int64_t* ns_per_unit) {
  struct Unit {
    std::string_view name;
    int64_t ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1},
                                    {"ms", 1000000},
                                    {"u", 1000},
                                    {"\xC2\xB5", 1000},
                                    {"s", 1000000000},
                                    {"m", 60000000000},
                                    {"h", 3600000000000},
                                    {"d", 86400000000000},
                                    {"w", 604800000000000}};
  for (const Unit& u : kUnits) {
    if (s.substr(0, u.name.size()) == u.name) {
      *ns_per_unit = u.ns;
      return u.name.size();
    }
  }
  return 0;
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("invalid duration");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start) return Status::InvalidArgument("invalid duration " + std::string(text));
    int64_t n = 0;
    if (std::from_chars(text.data() + start, text.data() + i, n).ec != std::errc())
      return Status::InvalidArgument("duration out of range: " + std::string(text));
    int64_t unit = 0;
    const size_t len = UnitLength(text.substr(i), &unit);
    if (len == 0) return Status::InvalidArgument("invalid duration " + std::string(text));
    i += len;
    if (__builtin_mul_overflow(n, unit, &n) || __builtin_add_overflow(total, n, &total))
      return Status::InvalidArgument("duration out of range: " + std::string(text));
  }
  return total;
}

Result<Token> Lexer::Next() {
  // Spaces and comments ("-- to end of line", "/* ... */"), in a loop: a body of a million
  // comments must not be a million stack frames.
  for (;;) {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (text_.substr(pos_, 2) == "--") {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else if (text_.substr(pos_, 2) == "/*") {
      const size_t end = text_.find("*/", pos_ + 2);
      pos_ = end == std::string_view::npos ? text_.size() : end + 2;
    } else {
      break;
    }
  }
  Token t;
  t.pos = pos_;
  if (pos_ >= text_.size()) return t;
  const char c = text_[pos_];
  if (IsIdentStart(c)) {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    t.type = Tok::kIdent;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }
  if (IsDigit(c) || (c == '.' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1])))
    return ScanNumberOrDuration(pos_);
  if (c == '"' || c == '\'') return ScanQuoted(pos_, c);
  if (c == '$') {
    const size_t start = ++pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    t.type = Tok::kParam;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }
  auto two = [&](std::string_view op) { return text_.substr(pos_, 2) == op; };
  struct Op {
    std::string_view text;
    Tok tok;
  };
  static constexpr Op kOps[] = {
      {"::", Tok::kDoubleColon}, {"=~", Tok::kEqRegex}, {"!~", Tok::kNeqRegex}, {"!=", Tok::kNeq},
      {"<>", Tok::kNeq},         {"<=", Tok::kLte},     {">=", Tok::kGte},     {"(", Tok::kLParen},
      {")", Tok::kRParen},       {",", Tok::kComma},    {";", Tok::kSemicolon}, {".", Tok::kDot},
      {"=", Tok::kEq},           {"<", Tok::kLt},       {">", Tok::kGt},       {"+", Tok::kPlus},
      {"-", Tok::kMinus},        {"*", Tok::kMul},      {"/", Tok::kDiv},      {"%", Tok::kMod},
      {"&", Tok::kBitAnd},       {"|", Tok::kBitOr},    {"^", Tok::kBitXor}};
  for (const Op& op : kOps) {
    if (op.text.size() == 2 ? two(op.text) : c == op.text[0]) {
      t.type = op.tok;
      t.text = std::string(op.text);
      pos_ += op.text.size();
      return t;
    }
  }
  return ErrorAt(pos_, "found " + std::string(1, c) + ", expected a token");
}

Result<Token> Lexer::ScanNumberOrDuration(size_t start) {
  size_t i = start;
  while (i < text_.size() && IsDigit(text_[i])) ++i;
  // A duration: digits directly followed by a unit (and maybe more digit-unit pairs).
  int64_t unit = 0;
  if (i < text_.size() && UnitLength(text_.substr(i), &unit) > 0) {
    size_t end = i;
    while (end < text_.size() && (IsIdentChar(text_[end]) || text_[end] == '\xC2' ||
                                  text_[end] == '\xB5')) {
      ++end;
    }
    Token t;
    t.pos = start;
    t.type = Tok::kDuration;
    t.text = std::string(text_.substr(start, end - start));
    Result<int64_t> ns = ParseDuration(t.text);
    if (!ns.ok()) return ErrorAt(start, ns.status().message());
    t.integer = *ns;
    pos_ = end;
    return t;
  }
  bool is_float = false;
  if (i < text_.size() && text_[i] == '.') {
    is_float = true;
    ++i;
    while (i < text_.size() && IsDigit(text_[i])) ++i;
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    size_t j = i + 1;
    if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
    if (j < text_.size() && IsDigit(text_[j])) {
      is_float = true;
      i = j;
      while (i < text_.size() && IsDigit(text_[i])) ++i;
    }
  }
  Token t;
  t.pos = start;
  t.text = std::string(text_.substr(start, i - start));
  pos_ = i;
  if (!is_float) {
    t.type = Tok::kInteger;
    if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), t.integer).ec == std::errc())
      return t;
    // Too large for int64: InfluxDB reads it as a float.
  }
  t.type = Tok::kNumber;
  t.number = std::strtod(t.text.c_str(), nullptr);
  return t;
}

Result<Token> Lexer::ScanQuoted(size_t start, char quote) {
  Token t;
  t.pos = start;
  t.type = quote == '"' ? Tok::kIdent : Tok::kString;
  t.quoted = quote == '"';
  size_t i = start + 1;
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == quote) {
      pos_ = i + 1;
      return t;
    }
    if (c == '\\' && i + 1 < text_.size()) {
      const char e = text_[i + 1];
      if (e == 'n') t.text += '\n';
      else if (e == 't') t.text += '\t';
      else if (e == quote || e == '\\') t.text += e;
      else { t.text += '\\'; t.text += e; }
      i += 2;
      continue;
    }
    if (c == '\n' && quote == '"') break;
    t.text += c;
    ++i;
  }
  return ErrorAt(start, quote == '"' ? "unterminated identifier" : "unterminated string");
}

Result<Token> Lexer::ScanRegex(size_t pos) {
  Token t;
  t.pos = pos;
  t.type = Tok::kRegex;
  size_t i = pos + 1;
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '/') {
      pos_ = i + 1;
      return t;
    }
    // "\/" is a slash in the pattern; every other escape stays for the regex engine.
    if (c == '\\' && i + 1 < text_.size()) {
      if (text_[i + 1] != '/') t.text += '\\';
      t.text += text_[i + 1];
      i += 2;
      continue;
    }
    t.text += c;
    ++i;
  }
  return ErrorAt(pos, "unterminated regex");
}

}  // namespace arc::influxql
