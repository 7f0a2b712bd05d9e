#include "rules/promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "rules/promql/lexer.h"

namespace fxagent::promql {
namespace {

std::string Roundtrip(std::string_view in) {
  ParseResult r = ParseExpr(in);
  if (!r.ok()) return "ERROR: " + r.error->ToString();
  return r.expr->ToString();
}

TEST(LexerTest, TokensAndDurations) {
  auto toks = Lex("sum by(a) (rate(x{job=~\"a\"}[1h30m])) > 0x1f # comment");
  std::vector<Tok> types;
  for (const Token& t : toks) types.push_back(t.type);
  EXPECT_EQ(types, (std::vector<Tok>{
                       Tok::kAggregator,   Tok::kBy,         Tok::kLeftParen,   Tok::kIdentifier,
                       Tok::kRightParen,   Tok::kLeftParen,  Tok::kIdentifier,  Tok::kLeftParen,
                       Tok::kIdentifier,   Tok::kLeftBrace,  Tok::kIdentifier,  Tok::kEqlRegex,
                       Tok::kString,       Tok::kRightBrace, Tok::kLeftBracket, Tok::kDuration,
                       Tok::kRightBracket, Tok::kRightParen, Tok::kRightParen,  Tok::kGtr,
                       Tok::kNumber,       Tok::kEOF}));
  EXPECT_EQ(ParseDurationMs("1h30m"), 5'400'000);
  EXPECT_EQ(ParseDurationMs("100ms"), 100);
  EXPECT_EQ(ParseDurationMs("1y"), 365LL * 86'400'000);
  EXPECT_EQ(ParseDurationMs("1w1d"), 8LL * 86'400'000);
  EXPECT_EQ(ParseDurationMs("30m1h"), -1);
  EXPECT_EQ(FormatDuration(5'400'000), "1h30m");
  EXPECT_EQ(FormatDuration(7LL * 86'400'000), "1w");
  EXPECT_EQ(FormatDuration(1500), "1s500ms");
  // Keywords are plain identifiers inside braces.
  EXPECT_EQ(Lex("{by=\"x\"}")[1].type, Tok::kIdentifier);
}

TEST(LexerTest, StringEscapes) {
  auto t = Lex(R"("a\"b\n\x41\u00e9" 'it\'s' `raw\n`)");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].value, "a\"b\nA\xc3\xa9");
  EXPECT_EQ(t[1].value, "it's");
  EXPECT_EQ(t[2].value, "raw\\n");
}

struct NumberCase {
  const char* in;
  double want;
};

TEST(ParserTest, NumberLiterals) {
  for (const NumberCase& c : {NumberCase{"1e3", 1000},
                              {"0x1f", 31},
                              {"-2.5", -2.5},
                              {".5", 0.5},
                              {"Inf", INFINITY},
                              {"-inf", -INFINITY},
                              {"017", 15}}) {
    ParseResult r = ParseExpr(c.in);
    ASSERT_TRUE(r.ok()) << c.in << " " << r.error->ToString();
    ASSERT_EQ(r.expr->kind, ExprKind::kNumber) << c.in;
    EXPECT_EQ(static_cast<NumberLiteral&>(*r.expr).value, c.want) << c.in;
  }
  ParseResult nan = ParseExpr("NaN");
  ASSERT_TRUE(nan.ok());
  EXPECT_TRUE(std::isnan(static_cast<NumberLiteral&>(*nan.expr).value));
}

struct RoundtripCase {
  const char* in;
  const char* want;
};

TEST(ParserTest, PrecedenceAndPrinting) {
  const RoundtripCase cases[] = {
      {"1 + 2 * 3", "1 + 2 * 3"},
      {"(1 + 2) * 3", "(1 + 2) * 3"},
      {"a or b and c", "a or b and c"},
      {"foo{job=\"x\",env!~'p.*'} offset -5m", "foo{env!~\"p.*\",job=\"x\"} offset -5m"},
      {"rate(http_total[5m] offset 1h)", "rate(http_total[5m] offset 1h)"},
      {"sum(rate(x[1m])) by (job, by)", "sum by (job, by) (rate(x[1m]))"},
      {"sum without(instance)(x)", "sum without (instance) (x)"},
      {"topk(3, x)", "topk(3, x)"},
      {"count_values(\"v\", x)", "count_values(\"v\", x)"},
      {"a / on(x) group_left(y) b", "a / on(x) group_left(y) b"},
      {"a > bool ignoring(z) b", "a > bool ignoring(z) b"},
      {"a + on() b", "a + on() b"},
      {"{__name__=~\"up|down\"}", "{__name__=~\"up|down\"}"},
      {"max_over_time(deriv(x[5m])[30m:1m])", "max_over_time(deriv(x[5m])[30m:1m])"},
      {"x[5m:]", "x[5m:]"},
      {"x @ 100", "x @ 100.000"},
      {"x[1m] @ end()", "x[1m] @ end()"},
      {"-x", "-x"},
      {"-(1)", "-(1)"},
      {"histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))",
       "histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))"},
      {"label_join(x, \"d\", \",\", \"a\", \"b\")", "label_join(x, \"d\", \",\", \"a\", \"b\")"},
      {"x atan2 y", "x atan2 y"},
      {"SUM(x) AND y", "sum(x) and y"},
      {"a:b:rate5m", "a:b:rate5m"},
      {"1d", "ERROR: 1:1: parse error: unexpected duration \"1d\""},
  };
  for (const RoundtripCase& c : cases) EXPECT_EQ(Roundtrip(c.in), c.want) << c.in;
}

// Structural checks of precedence/associativity.
TEST(ParserTest, TreeShape) {
  auto r = ParseExpr("2 ^ 3 ^ 2");
  ASSERT_TRUE(r.ok());
  auto& b = static_cast<BinaryExpr&>(*r.expr);
  EXPECT_EQ(b.lhs->kind, ExprKind::kNumber);
  EXPECT_EQ(b.rhs->kind, ExprKind::kBinary);

  r = ParseExpr("-2 ^ 2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.expr->kind, ExprKind::kUnary);

  r = ParseExpr("a - b - c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(static_cast<BinaryExpr&>(*r.expr).lhs->kind, ExprKind::kBinary);

  r = ParseExpr("a or b and c");
  ASSERT_TRUE(r.ok());
  auto& o = static_cast<BinaryExpr&>(*r.expr);
  EXPECT_EQ(o.op, BinOp::kOr);
  EXPECT_EQ(static_cast<BinaryExpr&>(*o.rhs).op, BinOp::kAnd);

  r = ParseExpr("a == 1 + 2 * b");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(static_cast<BinaryExpr&>(*r.expr).op, BinOp::kEql);
}

struct ErrorCase {
  const char* in;
  const char* message;
  size_t offset;
};

TEST(ParserTest, ErrorsCarryPositions) {
  const ErrorCase cases[] = {
      {"sum(x) by by (a)", "unexpected <by> in grouping opts, expected \"(\"", 10},
      {"sum by (a) (x) by (b)", "unexpected <by> in aggregation", 15},
      {"(1 + 2", "unclosed left parenthesis", 0},
      {"1 + 2)", "unexpected right parenthesis ')'", 5},
      {"foo{a=\"b\"", "unclosed left brace", 3},
      {"rate(x)", "expected type range vector in call to function \"rate\", got instant vector", 5},
      {"foo(x)", "unknown function with name \"foo\"", 0},
      {"1 > 2", "comparisons between scalars must use BOOL modifier", 2},
      {"x + bool y", "bool modifier can only be used on comparison operators", 2},
      {"1 and x", "set operator \"and\" not allowed in binary scalar expression", 0},
      {"x{a=~\"(\"}", "error parsing regexp: missing )", 5},
      {"{a=\"\"}", "vector selector must contain at least one non-empty matcher", 0},
      {"sum(x[5m])", "expected type instant vector in aggregation expression, got range vector", 4},
      {"(x)[5m]", "ranges only allowed for vector selectors", 3},
      {"clamp_max(x)", "expected 2 argument(s) in call to \"clamp_max\", got 1", 0},
      {"round(x, 1, 2)", "expected at most 2 argument(s) in call to \"round\", got 3", 0},
      {"topk(x, y)", "expected type scalar in aggregation parameter, got instant vector", 5},
      {"x{a=\"b\" c=\"d\"}",
       "unexpected identifier \"c\" in label matching, expected \",\" or \"}\"", 8},
      {"'abc", "unterminated quoted string", 0},
      {"x +", "unexpected end of input", 3},
      {"  # only a comment", "no expression found in input", 18},
      {"foo{__name__=\"bar\"}", "metric name must not be set twice: \"foo\" or \"bar\"", 4},
  };
  for (const ErrorCase& c : cases) {
    ParseResult r = ParseExpr(c.in);
    ASSERT_FALSE(r.ok()) << c.in;
    EXPECT_EQ(r.error->message.substr(0, std::string(c.message).size()), c.message) << c.in;
    EXPECT_EQ(r.error->offset, c.offset) << c.in << ": " << r.error->message;
  }
  ParseResult r = ParseExpr("sum(\n  rate(x))");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->line, 2);
  EXPECT_EQ(r.error->col, 8);
  EXPECT_EQ(r.error->ToString().substr(0, 18), "2:8: parse error: ");
}

TEST(ParserTest, RangeDurationsAndLookback) {
  ParseResult r = ParseExpr("rate(a[5m]) / max_over_time(b[1h:1m]) + c offset 10m");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RangeDurations(*r.expr), (std::vector<int64_t>{300'000, 3'600'000}));
  EXPECT_EQ(MaxLookbackMs(*r.expr), 3'600'000 + 300'000);
}

}  // namespace
}  // namespace fxagent::promql
