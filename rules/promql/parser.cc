#include "rules/promql/parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "rules/promql/functions.h"
#include "rules/promql/lexer.h"
#include "rules/promql/parser_internal.h"
#include "rules/tsdb/labels.h"

namespace fxagent::promql {
namespace {

using detail::CheckBinary;
using detail::CheckCallArgs;
using detail::ExpectType;
using detail::Fail;
using detail::IsLabelToken;
using detail::kPowPrecedence;
using detail::ParseNumber;
using detail::Precedence;
using detail::ToAggOp;
using detail::ToBinOp;

class Parser {
 public:
  explicit Parser(std::string_view in) : toks_(Lex(in)) {}

  ExprPtr Run() {
    if (Peek().type == Tok::kEOF) Fail(Peek().pos, "no expression found in input");
    ExprPtr e = ParseBinary(1);
    if (Peek().type == Tok::kError) Fail(Peek().pos, Peek().value);
    if (Peek().type != Tok::kEOF) Unexpected(Peek(), "");
    return e;
  }

 private:
  const Token& Peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& Next() {
    const Token& t = Peek();
    if (i_ < toks_.size() - 1) ++i_;
    return t;
  }
  [[noreturn]] void Unexpected(const Token& t, std::string_view context,
                               std::string_view expected = "") {
    if (t.type == Tok::kError) Fail(t.pos, t.value);
    std::string msg = "unexpected " + Describe(t);
    if (!context.empty()) msg += " in " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    Fail(t.pos, msg);
  }
  const Token& Expect(Tok type, std::string_view context, std::string_view expected) {
    if (Peek().type != type) Unexpected(Peek(), context, expected);
    return Next();
  }
  ExprPtr ParseBinary(int min_prec) {
    ExprPtr lhs = ParseUnary();
    while (true) {
      const Token& op_tok = Peek();
      int prec = Precedence(op_tok.type);
      if (prec == 0 || prec < min_prec) break;
      Next();
      auto bin = std::make_shared<BinaryExpr>();
      bin->op = ToBinOp(op_tok.type);
      bin->pos = lhs->pos;
      VectorMatching vm;
      bool has_matching = false;
      if (Peek().type == Tok::kBool) {
        Next();
        bin->return_bool = true;
      }
      if (Peek().type == Tok::kOn || Peek().type == Tok::kIgnoring) {
        vm.on = Next().type == Tok::kOn;
        vm.matching_labels = ParseLabelList("grouping opts");
        has_matching = true;
        if (Peek().type == Tok::kGroupLeft || Peek().type == Tok::kGroupRight) {
          vm.card =
              Next().type == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
          if (Peek().type == Tok::kLeftParen) vm.include = ParseLabelList("grouping opts");
        }
      }
      bin->lhs = lhs;
      bin->rhs = ParseBinary(bin->op == BinOp::kPow ? prec : prec + 1);
      CheckBinary(*bin, op_tok.pos, vm, has_matching);
      lhs = bin;
    }
    return lhs;
  }

  ExprPtr ParseUnary() {
    if (Peek().type == Tok::kAdd || Peek().type == Tok::kSub) {
      const Token& op = Next();
      ExprPtr operand = ParseBinary(kPowPrecedence);
      if (operand->kind == ExprKind::kNumber) {
        auto& num = static_cast<NumberLiteral&>(*operand);
        if (op.type == Tok::kSub) num.value = -num.value;
        num.pos = op.pos;
        return operand;
      }
      if (operand->Type() != ValueType::kScalar && operand->Type() != ValueType::kVector) {
        Fail(op.pos,
             "unary expression only allowed on expressions of type scalar or instant vector");
      }
      auto u = std::make_shared<UnaryExpr>();
      u->pos = op.pos;
      u->negate = op.type == Tok::kSub;
      u->expr = operand;
      return u;
    }
    return ParsePostfix(ParsePrimary());
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.type) {
      case Tok::kNumber: {
        Next();
        auto n = std::make_shared<NumberLiteral>(ParseNumber(t));
        n->pos = t.pos;
        return n;
      }
      case Tok::kString: {
        Next();
        auto s = std::make_shared<StringLiteral>(t.value);
        s->pos = t.pos;
        return s;
      }
      case Tok::kLeftParen: {
        Next();
        auto p = std::make_shared<ParenExpr>();
        p->pos = t.pos;
        p->expr = ParseBinary(1);
        Expect(Tok::kRightParen, "paren expression", "\")\"");
        return p;
      }
      case Tok::kLeftBrace:
        return ParseSelector("", t.pos);
      case Tok::kIdentifier:
        if (Peek(1).type == Tok::kLeftParen) return ParseCall();
        Next();
        return ParseSelector(t.text, t.pos);
      case Tok::kMetricIdentifier:
        Next();
        return ParseSelector(t.text, t.pos);
      case Tok::kAggregator:
        return ParseAggregate();
      default:
        Unexpected(t, "");
    }
  }

  std::vector<std::string> ParseLabelList(std::string_view context) {
    Expect(Tok::kLeftParen, context, "\"(\"");
    std::vector<std::string> labels;
    while (Peek().type != Tok::kRightParen) {
      if (!IsLabelToken(Peek())) Unexpected(Peek(), context, "label");
      labels.push_back(Next().text);
      if (Peek().type == Tok::kComma) {
        Next();
      } else if (Peek().type != Tok::kRightParen) {
        Unexpected(Peek(), context, "\",\" or \")\"");
      }
    }
    Next();
    return labels;
  }

  ExprPtr ParseSelector(const std::string& name, size_t pos) {
    auto vs = std::make_shared<VectorSelector>();
    vs->pos = pos;
    vs->name = name;
    if (!name.empty()) {
      vs->matchers.push_back(
          std::get<tsdb::Matcher>(tsdb::Matcher::Make(tsdb::MatchType::kEqual, "__name__", name)));
    }
    if (Peek().type == Tok::kLeftBrace) {
      Next();
      while (Peek().type != Tok::kRightBrace) {
        const Token& label = Peek();
        if (label.type != Tok::kIdentifier) {
          Unexpected(label, "label matching", "identifier or \"}\"");
        }
        Next();
        tsdb::MatchType mt;
        switch (Peek().type) {
          case Tok::kAssign:
            mt = tsdb::MatchType::kEqual;
            break;
          case Tok::kNeq:
            mt = tsdb::MatchType::kNotEqual;
            break;
          case Tok::kEqlRegex:
            mt = tsdb::MatchType::kRegex;
            break;
          case Tok::kNeqRegex:
            mt = tsdb::MatchType::kNotRegex;
            break;
          default:
            Unexpected(Peek(), "label matching", "label matching operator");
        }
        Next();
        const Token& value = Expect(Tok::kString, "label matching", "string");
        auto m = tsdb::Matcher::Make(mt, label.text, value.value);
        if (auto* err = std::get_if<std::string>(&m)) Fail(value.pos, *err);
        if (label.text == tsdb::kMetricName && !name.empty()) {
          Fail(label.pos,
               "metric name must not be set twice: \"" + name + "\" or \"" + value.value + "\"");
        }
        vs->matchers.push_back(std::get<tsdb::Matcher>(std::move(m)));
        if (Peek().type == Tok::kComma) {
          Next();
        } else if (Peek().type != Tok::kRightBrace) {
          Unexpected(Peek(), "label matching", "\",\" or \"}\"");
        }
      }
      Next();
    }
    bool non_empty = false;
    for (const tsdb::Matcher& m : vs->matchers) non_empty |= !m.Matches("");
    if (!non_empty) Fail(pos, "vector selector must contain at least one non-empty matcher");
    return vs;
  }

  ExprPtr ParseCall() {
    const Token& name = Next();
    const FunctionInfo* fn = LookupFunction(name.text);
    if (fn == nullptr) Fail(name.pos, "unknown function with name \"" + name.text + "\"");
    auto call = std::make_shared<Call>();
    call->pos = name.pos;
    call->func = fn;
    call->args = ParseArgs("function call");
    CheckCallArgs(*call, name.pos);
    return call;
  }

  std::vector<ExprPtr> ParseArgs(std::string_view context) {
    Expect(Tok::kLeftParen, context, "\"(\"");
    std::vector<ExprPtr> args;
    while (Peek().type != Tok::kRightParen) {
      args.push_back(ParseBinary(1));
      if (Peek().type == Tok::kComma) {
        Next();
      } else if (Peek().type != Tok::kRightParen) {
        Unexpected(Peek(), context, "\",\" or \")\"");
      }
    }
    Next();
    return args;
  }

  ExprPtr ParseAggregate() {
    const Token& op = Next();
    auto agg = std::make_shared<AggregateExpr>();
    agg->pos = op.pos;
    agg->op = ToAggOp(op.text);
    bool grouped = false;
    auto grouping = [&] {
      agg->without = Next().type == Tok::kWithout;
      agg->grouping = ParseLabelList("grouping opts");
      grouped = true;
    };
    if (Peek().type == Tok::kBy || Peek().type == Tok::kWithout) grouping();
    if (Peek().type != Tok::kLeftParen) Unexpected(Peek(), "aggregation");
    std::vector<ExprPtr> args = ParseArgs("aggregation");
    if (Peek().type == Tok::kBy || Peek().type == Tok::kWithout) {
      if (grouped) Unexpected(Peek(), "aggregation");
      grouping();
    }
    if (args.empty()) Fail(op.pos, "no arguments for aggregate expression provided");
    const bool with_param = agg->op == AggOp::kTopk || agg->op == AggOp::kBottomk ||
                            agg->op == AggOp::kQuantile || agg->op == AggOp::kCountValues;
    const size_t want = with_param ? 2 : 1;
    if (args.size() != want) {
      Fail(op.pos, "wrong number of arguments for aggregate expression provided, expected " +
                       std::to_string(want) + ", got " + std::to_string(args.size()));
    }
    if (with_param) agg->param = args[0];
    agg->expr = args[want - 1];
    ExpectType(*agg->expr, ValueType::kVector, "aggregation expression");
    if (agg->op == AggOp::kCountValues) {
      ExpectType(*agg->param, ValueType::kString, "aggregation parameter");
    } else if (with_param) {
      ExpectType(*agg->param, ValueType::kScalar, "aggregation parameter");
    }
    return agg;
  }

  int64_t ParseDurationToken(std::string_view context) {
    const Token& t = Peek();
    if (t.type != Tok::kDuration) Unexpected(t, context, "duration");
    Next();
    return ParseDurationMs(t.text);
  }

  ExprPtr ParsePostfix(ExprPtr e) {
    while (true) {
      const Token& t = Peek();
      if (t.type == Tok::kLeftBracket) {
        Next();
        int64_t range = ParseDurationToken("subquery or range selector");
        if (Peek().type == Tok::kColon) {
          Next();
          int64_t step = 0;
          if (Peek().type != Tok::kRightBracket) step = ParseDurationToken("subquery");
          Expect(Tok::kRightBracket, "subquery", "\"]\"");
          if (e->Type() != ValueType::kVector) {
            Fail(e->pos, "subquery is only allowed on instant vector, got " +
                             std::string(ValueTypeName(e->Type())) + " instead");
          }
          auto sq = std::make_shared<SubqueryExpr>();
          sq->pos = e->pos;
          sq->expr = e;
          sq->range_ms = range;
          sq->step_ms = step;
          e = sq;
          continue;
        }
        Expect(Tok::kRightBracket, "range selector", "\"]\"");
        if (e->kind != ExprKind::kVectorSelector) {
          Fail(t.pos, "ranges only allowed for vector selectors");
        }
        auto vs = std::static_pointer_cast<VectorSelector>(e);
        if (vs->offset_ms != 0) Fail(t.pos, "no offset modifiers allowed before range");
        if (vs->at) Fail(t.pos, "no @ modifiers allowed before range");
        auto ms = std::make_shared<MatrixSelector>();
        ms->pos = e->pos;
        ms->vs = vs;
        ms->range_ms = range;
        e = ms;
      } else if (t.type == Tok::kOffset) {
        Next();
        bool neg = false;
        if (Peek().type == Tok::kSub) {
          Next();
          neg = true;
        }
        int64_t off = ParseDurationToken("offset");
        if (neg) off = -off;
        int64_t* slot = OffsetSlot(*e, t.pos, "offset modifier");
        if (*slot != 0) Fail(t.pos, "offset may not be set multiple times");
        *slot = off;
      } else if (t.type == Tok::kAt) {
        Next();
        AtModifier at = ParseAt();
        std::optional<AtModifier>* slot = AtSlot(*e, t.pos);
        if (slot->has_value()) Fail(t.pos, "@ <timestamp> may not be set multiple times");
        *slot = at;
      } else {
        return e;
      }
    }
  }

  AtModifier ParseAt() {
    AtModifier at;
    const Token& t = Peek();
    if (t.type == Tok::kIdentifier && (t.text == "start" || t.text == "end")) {
      Next();
      Expect(Tok::kLeftParen, "@ modifier", "\"(\"");
      Expect(Tok::kRightParen, "@ modifier", "\")\"");
      at.kind = t.text == "start" ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
      return at;
    }
    bool neg = false;
    if (Peek().type == Tok::kSub || Peek().type == Tok::kAdd) neg = Next().type == Tok::kSub;
    const Token& num = Expect(Tok::kNumber, "@ modifier", "timestamp");
    double v = ParseNumber(num);
    if (neg) v = -v;
    if (!std::isfinite(v) || std::abs(v) > 9.2e15) {
      Fail(num.pos, "timestamp out of bounds for @ modifier: " + FormatFloat(v));
    }
    at.t_ms = static_cast<int64_t>(std::round(v * 1000));
    return at;
  }

  static int64_t* OffsetSlot(Expr& e, size_t pos, std::string_view what) {
    switch (e.kind) {
      case ExprKind::kVectorSelector:
        return &static_cast<VectorSelector&>(e).offset_ms;
      case ExprKind::kMatrixSelector:
        return &static_cast<MatrixSelector&>(e).vs->offset_ms;
      case ExprKind::kSubquery:
        return &static_cast<SubqueryExpr&>(e).offset_ms;
      default:
        Fail(pos, std::string(what) +
                      " must be preceded by an instant vector selector or range vector "
                      "selector or a subquery");
    }
  }
  static std::optional<AtModifier>* AtSlot(Expr& e, size_t pos) {
    switch (e.kind) {
      case ExprKind::kVectorSelector:
        return &static_cast<VectorSelector&>(e).at;
      case ExprKind::kMatrixSelector:
        return &static_cast<MatrixSelector&>(e).vs->at;
      case ExprKind::kSubquery:
        return &static_cast<SubqueryExpr&>(e).at;
      default:
        Fail(pos,
             "@ modifier must be preceded by an instant vector selector or range vector "
             "selector or a subquery");
    }
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
};

}  // namespace

std::string ParseError::ToString() const {
  return std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + message;
}

ParseResult ParseExpr(std::string_view input) {
  ParseResult result;
  try {
    result.expr = Parser(input).Run();
  } catch (const detail::ParseFailure& f) {
    ParseError err;
    err.message = f.msg;
    err.offset = std::min(f.pos, input.size());
    for (size_t i = 0; i < err.offset; ++i) {
      if (input[i] == '\n') {
        ++err.line;
        err.col = 1;
      } else {
        ++err.col;
      }
    }
    result.error = std::move(err);
  }
  return result;
}

}  // namespace fxagent::promql
