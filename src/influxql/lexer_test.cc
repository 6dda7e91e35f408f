#include "influxql/lexer.h"

#include <gtest/gtest.h>

#include <vector>

namespace arc::influxql {
namespace {

// Every token of `text` up to EOF (the test fails on a lexer error).
std::vector<Token> Lex(std::string_view text) {
  Lexer lexer(text);
  std::vector<Token> out;
  for (;;) {
    Result<Token> t = lexer.Next();
    if (!t.ok()) {
      ADD_FAILURE() << text << ": " << t.status().ToString();
      return out;
    }
    if (t->type == Tok::kEof) return out;
    out.push_back(*t);
  }
}

TEST(InfluxLexerTest, SelectStatementTokens) {
  const std::vector<Token> t = Lex("SELECT \"my field\" FROM cpu WHERE host = 'a\\'b' AND time > now() - 1h30m");
  ASSERT_EQ(t.size(), 16u);
  EXPECT_EQ(t[0].type, Tok::kIdent);
  EXPECT_EQ(t[0].text, "SELECT");
  EXPECT_FALSE(t[0].quoted);
  EXPECT_EQ(t[1].type, Tok::kIdent);
  EXPECT_EQ(t[1].text, "my field");
  EXPECT_TRUE(t[1].quoted);
  EXPECT_EQ(t[1].pos, 7u);
  EXPECT_EQ(t[6].type, Tok::kEq);
  EXPECT_EQ(t[7].type, Tok::kString);
  EXPECT_EQ(t[7].text, "a'b");
  EXPECT_EQ(t[10].type, Tok::kGt);
  EXPECT_EQ(t[11].text, "now");
  EXPECT_EQ(t[12].type, Tok::kLParen);
  EXPECT_EQ(t[13].type, Tok::kRParen);
  EXPECT_EQ(t[14].type, Tok::kMinus);
  EXPECT_EQ(t[15].type, Tok::kDuration);
  EXPECT_EQ(t[15].integer, 5400000000000);
}

TEST(InfluxLexerTest, NumbersIntegersAndDurations) {
  const std::vector<Token> t = Lex("42 1.5 1e3 .5 99999999999999999999 1h30m 500ms 10u 2w 1672531200000ms");
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[0].type, Tok::kInteger);
  EXPECT_EQ(t[0].integer, 42);
  EXPECT_EQ(t[1].type, Tok::kNumber);
  EXPECT_DOUBLE_EQ(t[1].number, 1.5);
  EXPECT_EQ(t[2].type, Tok::kNumber);
  EXPECT_DOUBLE_EQ(t[2].number, 1000);
  EXPECT_EQ(t[3].type, Tok::kNumber);
  EXPECT_DOUBLE_EQ(t[3].number, 0.5);
  EXPECT_EQ(t[4].type, Tok::kNumber) << "too large for int64: a float, as in InfluxDB";
  EXPECT_DOUBLE_EQ(t[4].number, 1e20);
  EXPECT_EQ(t[5].type, Tok::kDuration);
  EXPECT_EQ(t[5].integer, 5400000000000);
  EXPECT_EQ(t[5].text, "1h30m");
  EXPECT_EQ(t[6].integer, 500000000);
  EXPECT_EQ(t[7].integer, 10000);
  EXPECT_EQ(t[8].integer, 2 * 604800000000000);
  EXPECT_EQ(t[9].integer, 1672531200000000000);
}

TEST(InfluxLexerTest, ParseDurationUnitsAndErrors) {
  EXPECT_EQ(*ParseDuration("1ns"), 1);
  EXPECT_EQ(*ParseDuration("3\xC2\xB5"), 3000);
  EXPECT_EQ(*ParseDuration("1d"), 86400000000000);
  EXPECT_EQ(*ParseDuration("1m1s"), 61000000000);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("10").ok());
  EXPECT_FALSE(ParseDuration("10us").ok()) << "u is microseconds; a trailing s has no digits";
  EXPECT_FALSE(ParseDuration("h").ok());
  Result<int64_t> big = ParseDuration("99999999w");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(), "duration out of range: 99999999w");
}

TEST(InfluxLexerTest, OperatorsCommentsAndParams) {
  const std::vector<Token> t = Lex("a =~ b !~ c != d <> e <= f >= g :: h -- comment\n/* block */ $host % & | ^ ;");
  std::vector<Tok> types;
  for (const Token& x : t) types.push_back(x.type);
  EXPECT_EQ(types, (std::vector<Tok>{Tok::kIdent, Tok::kEqRegex, Tok::kIdent, Tok::kNeqRegex, Tok::kIdent,
                                     Tok::kNeq, Tok::kIdent, Tok::kNeq, Tok::kIdent, Tok::kLte, Tok::kIdent,
                                     Tok::kGte, Tok::kIdent, Tok::kDoubleColon, Tok::kIdent, Tok::kParam,
                                     Tok::kMod, Tok::kBitAnd, Tok::kBitOr, Tok::kBitXor, Tok::kSemicolon}));
  EXPECT_EQ(t[15].text, "host");
}

TEST(InfluxLexerTest, ErrorsNameThePosition) {
  Lexer a("SELECT 'abc");
  ASSERT_TRUE(a.Next().ok());
  Result<Token> s = a.Next();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "unterminated string at char 8");

  Lexer b("x #");
  ASSERT_TRUE(b.Next().ok());
  Result<Token> bad = b.Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "found #, expected a token at char 3");

  Lexer c("\"no end\nSELECT");
  Result<Token> id = c.Next();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message(), "unterminated identifier at char 1");
}

TEST(InfluxLexerTest, ScanRegexKeepsEscapesButTheSlash) {
  const std::string text = "host =~ /^web\\/\\d+$/ AND";
  Lexer lexer(text);
  ASSERT_TRUE(lexer.Next().ok());
  ASSERT_TRUE(lexer.Next().ok());
  Result<Token> div = lexer.Next();
  ASSERT_TRUE(div.ok());
  ASSERT_EQ(div->type, Tok::kDiv);
  Result<Token> re = lexer.ScanRegex(div->pos);
  ASSERT_TRUE(re.ok()) << re.status().ToString();
  EXPECT_EQ(re->type, Tok::kRegex);
  EXPECT_EQ(re->text, "^web/\\d+$");
  Result<Token> after = lexer.Next();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->text, "AND");

  Lexer open("/abc");
  Result<Token> unterminated = open.ScanRegex(0);
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.status().message(), "unterminated regex at char 1");
}

}  // namespace
}  // namespace arc::influxql
