// InfluxQL lexer: turns query text into tokens. Keywords are identifiers (compared without
// case by the parser, never when quoted). A regex (/.../) can only be told from a division by
// the parser, which asks for one with ScanRegex where the grammar expects it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace arc::influxql {

enum class Tok {
  kEof,
  kIdent,     // bare or "quoted" (Token::quoted)
  kString,    // 'text', escapes resolved
  kInteger,
  kNumber,    // with a fraction or exponent
  kDuration,  // 10s, 1h30m, 1672531200000ms: Token::integer holds nanoseconds
  kRegex,     // only from ScanRegex
  kParam,     // $name (Grafana variables left unexpanded)
  kLParen, kRParen, kComma, kSemicolon, kDot, kDoubleColon,
  kEq, kNeq, kEqRegex, kNeqRegex, kLt, kLte, kGt, kGte,
  kPlus, kMinus, kMul, kDiv, kMod, kBitAnd, kBitOr, kBitXor,
};

struct Token {
  Tok type = Tok::kEof;
  std::string text;   // identifier / string / regex text, or the literal as written
  int64_t integer = 0;
  double number = 0;
  bool quoted = false;
  size_t pos = 0;     // byte offset in the query, for error messages
};

// Not thread-safe; `text` must outlive the lexer.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token; InvalidArgument naming the position for a bad literal.
  Result<Token> Next();
  // Scans a /regex/ starting at byte `pos` (a '/'); the lexer continues after it.
  Result<Token> ScanRegex(size_t pos);

 private:
  Result<Token> ScanNumberOrDuration(size_t start);
  Result<Token> ScanQuoted(size_t start, char quote);

  std::string_view text_;
  size_t pos_ = 0;
};

// Parses a duration literal's text ("1h30m", "10s", "500ms", "1u", "2w") into nanoseconds.
Result<int64_t> ParseDuration(std::string_view text);

}  // namespace arc::influxql
