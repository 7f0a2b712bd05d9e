// Functions over range vectors: rate/increase/delta (extrapolatedRate), irate/idelta,
// *_over_time, changes, resets, deriv, predict_linear, holt_winters, absent_over_time.
// Semantics follow Prometheus 2.x promql/functions.go.
#include <cmath>
#include <limits>

#include "rules/promql/eval_internal.h"

namespace fxagent::promql::detail {
namespace {

using View = tsdb::SampleView;
using tsdb::Point;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Applies fn(shape, samples, out) to each series of the range argument, read in place;
// fn returns false to emit nothing for that series.
template <typename Fn>
Vector PerSeries(Evaluator& ev, const Expr& range, int64_t ts, bool keep_name, Fn fn) {
  const RangeShape shape = ev.ShapeOf(range, ts);
  Vector out;
  ev.VisitRange(range, ts, [&](const tsdb::Labels& labels, const View& p) {
    double v = 0;
    if (!fn(shape, p, v)) return;
    out.push_back(Sample{keep_name ? labels : labels.WithoutMetricName(), v, 0});
  });
  return out;
}

Value ExtrapolatedRate(Evaluator& ev, const Call& c, int64_t ts, bool is_counter, bool is_rate) {
  return PerSeries(ev, *c.args[0], ts, false,
                   [&](const RangeShape& arg, const View& p, double& out) {
                     if (p.size() < 2) return false;
                     const Point first = p.front();
                     const Point last = p.back();
                     const int64_t range_start = arg.ts - (arg.range_ms + arg.offset_ms);
                     const int64_t range_end = arg.ts - arg.offset_ms;
                     double result = last.v - first.v;
                     if (is_counter) p.AddCounterResets(result);
                     double to_start = static_cast<double>(first.t - range_start) / 1000;
                     const double to_end = static_cast<double>(range_end - last.t) / 1000;
                     const double sampled = static_cast<double>(last.t - first.t) / 1000;
                     const double avg_between = sampled / static_cast<double>(p.size() - 1);
                     if (is_counter && result > 0 && first.v >= 0) {
                       double to_zero = sampled * (first.v / result);
                       if (to_zero < to_start) to_start = to_zero;
                     }
                     const double threshold = avg_between * 1.1;
                     double interval = sampled;
                     interval += to_start < threshold ? to_start : avg_between / 2;
                     interval += to_end < threshold ? to_end : avg_between / 2;
                     result = result * (interval / sampled);
                     if (is_rate) result /= static_cast<double>(arg.range_ms) / 1000;
                     out = result;
                     return true;
                   });
}

Value InstantValue(Evaluator& ev, const Call& c, int64_t ts, bool is_rate) {
  return PerSeries(ev, *c.args[0], ts, false, [&](const RangeShape&, const View& p, double& out) {
    if (p.size() < 2) return false;
    const Point last = p.back();
    const Point prev = p.before_back();
    double result = (is_rate && last.v < prev.v) ? last.v : last.v - prev.v;
    const int64_t interval = last.t - prev.t;
    if (interval == 0) return false;
    if (is_rate) result /= static_cast<double>(interval) / 1000;
    out = result;
    return true;
  });
}

// slope and intercept at intercept_time, as Prometheus' linearRegression.
std::pair<double, double> LinearRegression(const View& p, int64_t intercept_time) {
  double n = 0, sum_x = 0, cx = 0, sum_y = 0, cy = 0, sum_xy = 0, cxy = 0, sum_x2 = 0, cx2 = 0;
  const double init_y = p.front().v;
  bool const_y = true;
  p.ForEach([&](const Point& pt) {
    if (const_y && n > 0 && pt.v != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(pt.t - intercept_time) / 1e3;
    KahanInc(x, sum_x, cx);
    KahanInc(pt.v, sum_y, cy);
    KahanInc(x * pt.v, sum_xy, cxy);
    KahanInc(x * x, sum_x2, cx2);
  });
  if (const_y) {
    if (std::isinf(init_y)) return {kNaN, kNaN};
    return {0, init_y};
  }
  sum_x += cx;
  sum_y += cy;
  sum_xy += cxy;
  sum_x2 += cx2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

template <typename Fn>
Value OverTime(Evaluator& ev, const Call& c, int64_t ts, Fn fn, bool keep_name = false) {
  return PerSeries(ev, *c.args[c.args.size() - 1], ts, keep_name,
                   [&](const RangeShape&, const View& p, double& out) {
                     out = fn(p);
                     return true;
                   });
}

double AvgOverTime(const View& p) {
  double mean = 0, count = 0;
  p.ForEachValue([&](double v) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(v) && (mean > 0) == (v > 0)) return;
      if (!std::isinf(v) && !std::isnan(v)) return;
    }
    mean += v / count - mean / count;
  });
  return mean;
}

double StdvarOverTime(const View& p) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  p.ForEachValue([&](double v) {
    count++;
    double delta = v - (mean + c_mean);
    KahanInc(delta / count, mean, c_mean);
    KahanInc(delta * (v - (mean + c_mean)), aux, c_aux);
  });
  return (aux + c_aux) / count;
}

Value Rate(Evaluator& ev, const Call& c, int64_t ts) {
  return ExtrapolatedRate(ev, c, ts, true, true);
}
Value Increase(Evaluator& ev, const Call& c, int64_t ts) {
  return ExtrapolatedRate(ev, c, ts, true, false);
}
Value Delta(Evaluator& ev, const Call& c, int64_t ts) {
  return ExtrapolatedRate(ev, c, ts, false, false);
}
Value Irate(Evaluator& ev, const Call& c, int64_t ts) { return InstantValue(ev, c, ts, true); }
Value Idelta(Evaluator& ev, const Call& c, int64_t ts) { return InstantValue(ev, c, ts, false); }

Value AvgOT(Evaluator& ev, const Call& c, int64_t ts) { return OverTime(ev, c, ts, AvgOverTime); }
Value SumOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) {
    double sum = 0, comp = 0;
    p.ForEachValue([&](double v) { KahanInc(v, sum, comp); });
    return std::isinf(sum) ? sum : sum + comp;
  });
}
Value CountOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) { return static_cast<double>(p.size()); });
}
Value MinOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) {
    double m = p.front().v;
    p.ForEachValue([&m](double v) { m = (v < m || std::isnan(m)) ? v : m; });
    return m;
  });
}
Value MaxOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) {
    double m = p.front().v;
    p.ForEachValue([&m](double v) { m = (v > m || std::isnan(m)) ? v : m; });
    return m;
  });
}
Value LastOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(
      ev, c, ts, [](const View& p) { return p.back().v; }, true);
}
Value PresentOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View&) { return 1.0; });
}
Value StdvarOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, StdvarOverTime);
}
Value StddevOT(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) { return std::sqrt(StdvarOverTime(p)); });
}
Value QuantileOT(Evaluator& ev, const Call& c, int64_t ts) {
  const double q = ev.EvalScalar(*c.args[0], ts);
  return OverTime(ev, c, ts, [q](const View& p) {
    std::vector<double> values;
    values.reserve(p.size());
    p.ForEachValue([&values](double v) { values.push_back(v); });
    return Quantile(q, std::move(values));
  });
}
Value Changes(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) {
    double changes = 0;
    bool first = true;
    double prev = 0;
    p.ForEach([&](const Point& pt) {
      if (!first && pt.v != prev && !(std::isnan(pt.v) && std::isnan(prev))) changes++;
      prev = pt.v;
      first = false;
    });
    return changes;
  });
}
Value Resets(Evaluator& ev, const Call& c, int64_t ts) {
  return OverTime(ev, c, ts, [](const View& p) {
    double resets = 0;
    bool first = true;
    double prev = 0;
    p.ForEach([&](const Point& pt) {
      if (!first && pt.v < prev) resets++;
      prev = pt.v;
      first = false;
    });
    return resets;
  });
}
Value Deriv(Evaluator& ev, const Call& c, int64_t ts) {
  return PerSeries(ev, *c.args[0], ts, false, [](const RangeShape&, const View& p, double& out) {
    if (p.size() < 2) return false;
    out = LinearRegression(p, p.front().t).first;
    return true;
  });
}
Value PredictLinear(Evaluator& ev, const Call& c, int64_t ts) {
  const double duration = ev.EvalScalar(*c.args[1], ts);
  return PerSeries(ev, *c.args[0], ts, false,
                   [&](const RangeShape& arg, const View& p, double& out) {
                     if (p.size() < 2) return false;
                     auto [slope, intercept] = LinearRegression(p, arg.ts);
                     out = slope * duration + intercept;
                     return true;
                   });
}
Value HoltWinters(Evaluator& ev, const Call& c, int64_t ts) {
  const double sf = ev.EvalScalar(*c.args[1], ts);
  const double tf = ev.EvalScalar(*c.args[2], ts);
  if (sf <= 0 || sf >= 1) {
    Throw("invalid smoothing factor. Expected: 0 < sf < 1, got: " + FormatFloat(sf));
  }
  if (tf <= 0 || tf >= 1) {
    Throw("invalid trend factor. Expected: 0 < tf < 1, got: " + FormatFloat(tf));
  }
  return PerSeries(ev, *c.args[0], ts, false,
                   [&](const RangeShape&, const View& view, double& out) {
                     if (view.size() < 2) return false;
                     const std::vector<Point> p = view.ToPoints();
                     double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v, x = 0, y = 0;
                     for (size_t i = 1; i < p.size(); ++i) {
                       x = sf * p[i].v;
                       if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
                       y = (1 - sf) * (s1 + b);
                       s0 = s1;
                       s1 = x + y;
                     }
                     out = s1;
                     return true;
                   });
}

}  // namespace

void RegisterRangeFunctions(FunctionMap& m) {
  m["rate"] = Rate;
  m["increase"] = Increase;
  m["delta"] = Delta;
  m["irate"] = Irate;
  m["idelta"] = Idelta;
  m["avg_over_time"] = AvgOT;
  m["sum_over_time"] = SumOT;
  m["count_over_time"] = CountOT;
  m["min_over_time"] = MinOT;
  m["max_over_time"] = MaxOT;
  m["last_over_time"] = LastOT;
  m["present_over_time"] = PresentOT;
  m["stdvar_over_time"] = StdvarOT;
  m["stddev_over_time"] = StddevOT;
  m["quantile_over_time"] = QuantileOT;
  m["changes"] = Changes;
  m["resets"] = Resets;
  m["deriv"] = Deriv;
  m["predict_linear"] = PredictLinear;
  m["holt_winters"] = HoltWinters;
}

}  // namespace fxagent::promql::detail
