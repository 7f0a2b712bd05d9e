// Parser helpers: token classification, number literals and the static type checks
// Prometheus' parser applies (checkAST).
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "rules/promql/functions.h"
#include "rules/promql/parser_internal.h"

namespace fxagent::promql::detail {

[[noreturn]] void Fail(size_t pos, std::string msg) { throw ParseFailure{pos, std::move(msg)}; }

int Precedence(Tok t) {
  switch (t) {
    case Tok::kLor:
      return 1;
    case Tok::kLand:
    case Tok::kLunless:
      return 2;
    case Tok::kEqlc:
    case Tok::kNeq:
    case Tok::kGtr:
    case Tok::kLss:
    case Tok::kGte:
    case Tok::kLte:
      return 3;
    case Tok::kAdd:
    case Tok::kSub:
      return 4;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kAtan2:
      return 5;
    case Tok::kPow:
      return 6;
    default:
      return 0;
  }
}

BinOp ToBinOp(Tok t) {
  switch (t) {
    case Tok::kAdd:
      return BinOp::kAdd;
    case Tok::kSub:
      return BinOp::kSub;
    case Tok::kMul:
      return BinOp::kMul;
    case Tok::kDiv:
      return BinOp::kDiv;
    case Tok::kMod:
      return BinOp::kMod;
    case Tok::kPow:
      return BinOp::kPow;
    case Tok::kAtan2:
      return BinOp::kAtan2;
    case Tok::kEqlc:
      return BinOp::kEql;
    case Tok::kNeq:
      return BinOp::kNeq;
    case Tok::kGtr:
      return BinOp::kGtr;
    case Tok::kLss:
      return BinOp::kLss;
    case Tok::kGte:
      return BinOp::kGte;
    case Tok::kLte:
      return BinOp::kLte;
    case Tok::kLand:
      return BinOp::kAnd;
    case Tok::kLor:
      return BinOp::kOr;
    default:
      return BinOp::kUnless;
  }
}

AggOp ToAggOp(const std::string& s) {
  static const std::pair<const char*, AggOp> kOps[] = {
      {"sum", AggOp::kSum},           {"avg", AggOp::kAvg},
      {"min", AggOp::kMin},           {"max", AggOp::kMax},
      {"count", AggOp::kCount},       {"group", AggOp::kGroup},
      {"stddev", AggOp::kStddev},     {"stdvar", AggOp::kStdvar},
      {"topk", AggOp::kTopk},         {"bottomk", AggOp::kBottomk},
      {"quantile", AggOp::kQuantile}, {"count_values", AggOp::kCountValues}};
  for (const auto& [name, op] : kOps) {
    if (s == name) return op;
  }
  return AggOp::kSum;
}

// Go's ParseInt(s, 0, 64) then ParseFloat(s, 64), as Prometheus' parseNumber.
double ParseNumber(const Token& t) {
  const std::string& s = t.text;
  std::string lower = t.text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf") return std::numeric_limits<double>::infinity();
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v = 0;
    auto r = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size() &&
        v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<double>(v);
    }
    Fail(t.pos, "invalid number \"" + s + "\"");
  }
  if (s.size() > 1 && s[0] == '0' && s.find_first_not_of("01234567") == std::string::npos) {
    int64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v, 8);
    if (r.ec == std::errc()) return static_cast<double>(v);
  }
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc::result_out_of_range) return std::strtod(s.c_str(), nullptr);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    Fail(t.pos, "invalid number \"" + s + "\"");
  }
  return v;
}

bool IsLabelToken(const Token& t) {
  switch (t.type) {
    case Tok::kIdentifier:
    case Tok::kAggregator:
    case Tok::kLand:
    case Tok::kLor:
    case Tok::kLunless:
    case Tok::kAtan2:
    case Tok::kBy:
    case Tok::kWithout:
    case Tok::kOn:
    case Tok::kIgnoring:
    case Tok::kGroupLeft:
    case Tok::kGroupRight:
    case Tok::kBool:
    case Tok::kOffset:
      return true;
    default:
      return false;
  }
}

void ExpectType(const Expr& e, ValueType want, std::string_view context) {
  if (e.Type() != want) {
    Fail(e.pos, "expected type " + std::string(ValueTypeName(want)) + " in " +
                    std::string(context) + ", got " + std::string(ValueTypeName(e.Type())));
  }
}

void CheckBinary(BinaryExpr& b, size_t op_pos, VectorMatching vm, bool has_matching) {
  ValueType lt = b.lhs->Type(), rt = b.rhs->Type();
  if (b.return_bool && !IsComparison(b.op)) {
    Fail(op_pos, "bool modifier can only be used on comparison operators");
  }
  if (IsComparison(b.op) && !b.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    Fail(op_pos, "comparisons between scalars must use BOOL modifier");
  }
  if (IsSetOp(b.op) && vm.card == Cardinality::kOneToOne) vm.card = Cardinality::kManyToMany;
  if (vm.on) {
    for (const std::string& l1 : vm.matching_labels) {
      for (const std::string& l2 : vm.include) {
        if (l1 == l2) {
          Fail(op_pos, "label \"" + l1 + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
  }
  if (lt != ValueType::kScalar && lt != ValueType::kVector) {
    Fail(b.lhs->pos, "binary expression must contain only scalar and instant vector types");
  }
  if (rt != ValueType::kScalar && rt != ValueType::kVector) {
    Fail(b.rhs->pos, "binary expression must contain only scalar and instant vector types");
  }
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    if (has_matching && !vm.matching_labels.empty()) {
      Fail(b.pos, "vector matching only allowed between instant vectors");
    }
    if (IsSetOp(b.op)) {
      Fail(b.pos, "set operator \"" + std::string(BinOpName(b.op)) +
                      "\" not allowed in binary scalar expression");
    }
    return;
  }
  if (IsSetOp(b.op) && (vm.card == Cardinality::kOneToMany || vm.card == Cardinality::kManyToOne)) {
    Fail(b.pos, "no grouping allowed for \"" + std::string(BinOpName(b.op)) + "\" operation");
  }
  b.matching = std::move(vm);
}

void CheckCallArgs(const Call& call, size_t pos) {
  const FunctionInfo* fn = call.func;
  const int nargs = static_cast<int>(fn->arg_types.size());
  const int got = static_cast<int>(call.args.size());
  const std::string fname = "\"" + std::string(fn->name) + "\"";
  if (fn->variadic == 0) {
    if (nargs != got) {
      Fail(pos, "expected " + std::to_string(nargs) + " argument(s) in call to " + fname +
                    ", got " + std::to_string(got));
    }
  } else {
    int na = nargs - 1;
    if (na > got) {
      Fail(pos, "expected at least " + std::to_string(na) + " argument(s) in call to " + fname +
                    ", got " + std::to_string(got));
    }
    if (fn->variadic > 0 && na + fn->variadic < got) {
      Fail(pos, "expected at most " + std::to_string(na + fn->variadic) +
                    " argument(s) in call to " + fname + ", got " + std::to_string(got));
    }
  }
  for (int i = 0; i < got; ++i) {
    int ti = i;
    if (ti >= nargs) {
      if (fn->variadic == 0) break;
      ti = nargs - 1;
    }
    ExpectType(*call.args[static_cast<size_t>(i)], fn->arg_types[static_cast<size_t>(ti)],
               "call to function " + fname);
  }
}

}  // namespace fxagent::promql::detail
