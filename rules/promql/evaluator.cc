#include "rules/promql/evaluator.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_set>

#include "rules/promql/eval_internal.h"
#include "rules/promql/functions.h"

namespace fxagent::promql {

ValueType TypeOf(const Value& v) {
  switch (v.index()) {
    case 0:
      return ValueType::kScalar;
    case 1:
      return ValueType::kVector;
    case 2:
      return ValueType::kMatrix;
    default:
      return ValueType::kString;
  }
}

namespace detail {
namespace {
// Bounds the work of one subquery (Prometheus bounds it by its max-samples limit).
constexpr int64_t kMaxSubquerySteps = 100'000;
}  // namespace

void Throw(std::string message) { throw EvalError{std::move(message)}; }

const ExprPtr& Unparen(const ExprPtr& e) {
  const ExprPtr* p = &e;
  while ((*p)->kind == ExprKind::kParen) p = &static_cast<const ParenExpr&>(**p).expr;
  return *p;
}

double GoMax(double a, double b) {
  if ((std::isinf(a) && a > 0) || (std::isinf(b) && b > 0)) {
    return std::numeric_limits<double>::infinity();
  }
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if ((std::isinf(a) && a < 0) || (std::isinf(b) && b < 0)) {
    return -std::numeric_limits<double>::infinity();
  }
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a < b ? a : b;
}

double Quantile(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // Go's sort.Float64s: NaNs first.
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

void CheckNoDuplicateLabelsets(const Vector& v) {
  if (v.size() < 2) return;
  // Sort (hash, index) pairs; only equal hashes need a label comparison.
  thread_local std::vector<std::pair<size_t, size_t>> hashes;
  hashes.clear();
  hashes.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) hashes.emplace_back(v[i].metric.Hash(), i);
  std::sort(hashes.begin(), hashes.end());
  for (size_t i = 1; i < hashes.size(); ++i) {
    if (hashes[i].first != hashes[i - 1].first) continue;
    for (size_t j = i; j > 0 && hashes[j - 1].first == hashes[i].first; --j) {
      if (v[hashes[j - 1].second].metric == v[hashes[i].second].metric) {
        Throw("vector cannot contain metrics with the same labelset");
      }
    }
  }
}

namespace {
/// True when a selector only matches series of one metric name: dropping the name then
/// cannot make two of its series equal.
bool SingleMetricName(const Expr& e0) {
  const Expr* p = &e0;
  while (p->kind == ExprKind::kParen) p = static_cast<const ParenExpr*>(p)->expr.get();
  const Expr& e = *p;
  const VectorSelector* vs = nullptr;
  if (e.kind == ExprKind::kVectorSelector) vs = static_cast<const VectorSelector*>(&e);
  if (e.kind == ExprKind::kMatrixSelector) vs = static_cast<const MatrixSelector&>(e).vs.get();
  if (vs == nullptr) return false;
  for (const tsdb::Matcher& m : vs->matchers) {
    if (m.name() == tsdb::kMetricName && m.type() == tsdb::MatchType::kEqual &&
        !m.value().empty()) {
      return true;
    }
  }
  return false;
}

bool KeepsSeriesDistinct(const Call& c) {
  // Functions that set labels can merge series; the others at most drop the name.
  if (c.func->name == "label_replace" || c.func->name == "label_join") return false;
  bool any_series_arg = false;
  for (const ExprPtr& arg : c.args) {
    const ValueType t = arg->Type();
    if (t != ValueType::kVector && t != ValueType::kMatrix) continue;
    if (!SingleMetricName(*arg)) return false;
    any_series_arg = true;
  }
  return any_series_arg;
}
}  // namespace

int64_t Evaluator::AtTime(const std::optional<AtModifier>& at, int64_t ts) const {
  if (!at) return ts;
  if (at->kind == AtModifier::Kind::kTimestamp) return at->t_ms;
  return query_ts_;
}

Vector Evaluator::EvalVectorSelector(const VectorSelector& vs, int64_t ts) {
  const int64_t ref = AtTime(vs.at, ts) - vs.offset_ms;
  Vector out;
  // Only the latest sample within the lookback window matters (stale marker included:
  // a series whose latest sample is stale is absent).
  store_.VisitLatest(vs.matchers, ref - options_.lookback_delta_ms, ref,
                     [&out](const tsdb::Labels& labels, const tsdb::Point& last) {
                       if (tsdb::IsStaleNaN(last.v)) return;
                       out.push_back(Sample{labels, last.v, last.t});
                     });
  return out;
}

namespace {
const Expr& UnparenExpr(const Expr& e0) {
  const Expr* e = &e0;
  while (e->kind == ExprKind::kParen) e = static_cast<const ParenExpr*>(e)->expr.get();
  return *e;
}
}  // namespace

RangeShape Evaluator::ShapeOf(const Expr& e0, int64_t ts) const {
  const Expr& e = UnparenExpr(e0);
  if (e.kind == ExprKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(e);
    return RangeShape{ms.range_ms, ms.vs->offset_ms, AtTime(ms.vs->at, ts)};
  }
  if (e.kind != ExprKind::kSubquery) Throw("expected a range vector");
  const auto& sq = static_cast<const SubqueryExpr&>(e);
  return RangeShape{sq.range_ms, sq.offset_ms, AtTime(sq.at, ts)};
}

void Evaluator::VisitRange(const Expr& e0, int64_t ts, const SeriesVisitor& fn) {
  const Expr& e = UnparenExpr(e0);
  if (e.kind == ExprKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(e);
    const RangeShape shape = ShapeOf(e, ts);
    const int64_t maxt = shape.ts - shape.offset_ms;
    store_.VisitRange(ms.vs->matchers, maxt - shape.range_ms, maxt, fn);
    return;
  }
  RangeArg arg = EvalRange(e, ts);
  for (const Series& s : arg.series) {
    if (s.points.empty()) continue;
    const tsdb::SampleRun run{0, nullptr, nullptr, s.points.data(), s.points.size(), false};
    fn(s.metric, tsdb::SampleView{std::span<const tsdb::SampleRun>(&run, 1), s.points.size()});
  }
}

RangeArg Evaluator::EvalRange(const Expr& e0, int64_t ts) {
  const Expr* e = &e0;
  while (e->kind == ExprKind::kParen) e = static_cast<const ParenExpr*>(e)->expr.get();
  RangeArg arg;
  if (e->kind == ExprKind::kMatrixSelector) {
    const auto& ms = static_cast<const MatrixSelector&>(*e);
    arg.ts = AtTime(ms.vs->at, ts);
    arg.range_ms = ms.range_ms;
    arg.offset_ms = ms.vs->offset_ms;
    const int64_t maxt = arg.ts - arg.offset_ms;
    for (tsdb::SeriesPoints& sp :
         store_.Select(ms.vs->matchers, maxt - ms.range_ms, maxt, /*skip_stale=*/true)) {
      arg.series.push_back({std::move(sp.labels), std::move(sp.points)});
    }
    return arg;
  }
  if (e->kind != ExprKind::kSubquery) Throw("expected a range vector");
  const auto& sq = static_cast<const SubqueryExpr&>(*e);
  arg.ts = AtTime(sq.at, ts);
  arg.range_ms = sq.range_ms;
  arg.offset_ms = sq.offset_ms;
  const int64_t step = sq.step_ms > 0 ? sq.step_ms : options_.default_step_ms;
  const int64_t end = arg.ts - sq.offset_ms;
  int64_t start = step * ((end - sq.range_ms) / step);
  if (start < end - sq.range_ms) start += step;
  if ((end - start) / step > kMaxSubquerySteps) {
    Throw("subquery " + sq.ToString() + " would evaluate more than " +
          std::to_string(kMaxSubquerySteps) + " steps; use a larger step");
  }
  std::map<tsdb::Labels, size_t> index;
  for (int64_t t = start; t <= end; t += step) {
    for (Sample& s : EvalVector(*sq.expr, t)) {
      auto [it, inserted] = index.emplace(s.metric, arg.series.size());
      if (inserted) arg.series.push_back({std::move(s.metric), {}});
      arg.series[it->second].points.push_back({t, s.v});
    }
  }
  return arg;
}

Vector Evaluator::EvalVector(const Expr& e, int64_t ts) {
  Value v = Eval(e, ts);
  if (auto* vec = std::get_if<Vector>(&v)) return std::move(*vec);
  Throw("expected instant vector, got " + std::string(ValueTypeName(TypeOf(v))));
}

double Evaluator::EvalScalar(const Expr& e, int64_t ts) {
  Value v = Eval(e, ts);
  if (auto* s = std::get_if<Scalar>(&v)) return s->v;
  Throw("expected scalar, got " + std::string(ValueTypeName(TypeOf(v))));
}

std::string Evaluator::EvalString(const Expr& e, int64_t ts) {
  Value v = Eval(e, ts);
  if (auto* s = std::get_if<String>(&v)) return s->s;
  Throw("expected string, got " + std::string(ValueTypeName(TypeOf(v))));
}

Value Evaluator::EvalCall(const Call& c, int64_t ts) {
  static const FunctionMap* kFunctions = [] {
    auto* m = new FunctionMap();
    RegisterRangeFunctions(*m);
    RegisterInstantFunctions(*m);
    RegisterLabelFunctions(*m);
    return m;
  }();
  auto it = kFunctions->find(c.func->name);
  if (it == kFunctions->end()) {
    Throw("function \"" + std::string(c.func->name) + "\" is not implemented");
  }
  Value v = it->second(*this, c, ts);
  if (auto* vec = std::get_if<Vector>(&v); vec != nullptr && !KeepsSeriesDistinct(c)) {
    CheckNoDuplicateLabelsets(*vec);
  }
  return v;
}

Value Evaluator::Eval(const Expr& e, int64_t ts) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return Scalar{static_cast<const NumberLiteral&>(e).value};
    case ExprKind::kString:
      return String{static_cast<const StringLiteral&>(e).value};
    case ExprKind::kParen:
      return Eval(*static_cast<const ParenExpr&>(e).expr, ts);
    case ExprKind::kVectorSelector:
      return EvalVectorSelector(static_cast<const VectorSelector&>(e), ts);
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery: {
      RangeArg arg = EvalRange(e, ts);
      return std::move(arg.series);
    }
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      Value v = Eval(*u.expr, ts);
      if (!u.negate) return v;
      if (auto* s = std::get_if<Scalar>(&v)) return Scalar{-s->v};
      Vector vec = std::get<Vector>(std::move(v));
      for (Sample& s : vec) {
        s.metric = s.metric.WithoutMetricName();
        s.v = -s.v;
      }
      CheckNoDuplicateLabelsets(vec);
      return vec;
    }
    case ExprKind::kBinary:
      return EvalBinary(*this, static_cast<const BinaryExpr&>(e), ts);
    case ExprKind::kAggregate:
    case ExprKind::kCall: {
      EvalMemo* memo = options_.memo;
      const bool shared = memo != nullptr && memo->Shares(&e);
      if (shared) {
        if (std::shared_ptr<const Vector> hit = memo->Find(e, ts)) return Vector(*hit);
      }
      Value v = e.kind == ExprKind::kCall
                    ? EvalCall(static_cast<const Call&>(e), ts)
                    : Value(EvalAggregate(*this, static_cast<const AggregateExpr&>(e), ts));
      if (const auto* vec = std::get_if<Vector>(&v); shared && vec != nullptr) {
        memo->Store(e, ts, *vec);
      }
      return v;
    }
  }
  Throw("unknown expression");
}

}  // namespace detail

namespace {
void CollectShareable(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::kCall || e.kind == ExprKind::kAggregate) out.push_back(&e);
  for (const Expr* child : Children(e)) CollectShareable(*child, out);
}
}  // namespace

void EvalMemo::Prepare(const std::vector<const Expr*>& roots) {
  std::vector<const Expr*> nodes;
  for (const Expr* root : roots) CollectShareable(*root, nodes);
  std::unordered_map<std::string_view, size_t> count;
  for (const Expr* n : nodes) ++count[n->Text()];
  shared_.clear();
  for (const Expr* n : nodes) {
    if (count[n->Text()] > 1) shared_.insert(n);
  }
}

std::shared_ptr<const Vector> EvalMemo::Find(const Expr& e, int64_t ts) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(Key{e.Text(), ts});
  return it == entries_.end() ? nullptr : it->second;
}

void EvalMemo::Store(const Expr& e, int64_t ts, const Vector& v) {
  auto value = std::make_shared<const Vector>(v);
  std::lock_guard<std::mutex> lock(mu_);
  entries_.try_emplace(Key{e.Text(), ts}, std::move(value));
}

void EvalMemo::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

EvalResult Evaluate(const Expr& expr, const tsdb::SeriesStore& store, int64_t t_ms,
                    const EvalOptions& options) {
  EvalResult result;
  try {
    detail::Evaluator ev(store, options, t_ms);
    result.value = ev.Eval(expr, t_ms);
  } catch (const detail::EvalError& err) {
    result.value = Vector{};
    result.error = err.message;
  } catch (const std::exception& err) {
    result.value = Vector{};
    result.error = std::string("evaluation failed: ") + err.what();
  }
  return result;
}

}  // namespace fxagent::promql
