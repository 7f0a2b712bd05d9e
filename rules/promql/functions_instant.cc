// Functions over instant vectors and scalars: math, clamp, round, time and date
// functions, vector/scalar/timestamp and sort, following Prometheus 2.x functions.go.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <numbers>

#include "rules/promql/eval_internal.h"

namespace fxagent::promql::detail {
namespace {

template <double (*F)(double)>
Value Simple(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = F(s.v);
  }
  return v;
}

double Abs(double v) { return std::fabs(v); }
double Ceil(double v) { return std::ceil(v); }
double Floor(double v) { return std::floor(v); }
double Exp(double v) { return std::exp(v); }
double Sqrt(double v) { return std::sqrt(v); }
double Ln(double v) { return std::log(v); }
double Log2(double v) { return std::log2(v); }
double Log10(double v) { return std::log10(v); }
double Sgn(double v) { return v < 0 ? -1 : v > 0 ? 1 : v; }
double Deg(double v) { return v * 180 / std::numbers::pi; }
double Rad(double v) { return v * std::numbers::pi / 180; }
double Sin(double v) { return std::sin(v); }
double Cos(double v) { return std::cos(v); }
double Tan(double v) { return std::tan(v); }
double Asin(double v) { return std::asin(v); }
double Acos(double v) { return std::acos(v); }
double Atan(double v) { return std::atan(v); }
double Sinh(double v) { return std::sinh(v); }
double Cosh(double v) { return std::cosh(v); }
double Tanh(double v) { return std::tanh(v); }
double Asinh(double v) { return std::asinh(v); }
double Acosh(double v) { return std::acosh(v); }
double Atanh(double v) { return std::atanh(v); }

Value Clamp(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  const double lo = ev.EvalScalar(*c.args[1], ts);
  const double hi = ev.EvalScalar(*c.args[2], ts);
  if (hi < lo) return Vector{};
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = GoMax(lo, GoMin(hi, s.v));
  }
  return v;
}
Value ClampMax(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  const double hi = ev.EvalScalar(*c.args[1], ts);
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = GoMin(s.v, hi);
  }
  return v;
}
Value ClampMin(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  const double lo = ev.EvalScalar(*c.args[1], ts);
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = GoMax(s.v, lo);
  }
  return v;
}
Value Round(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  const double to_nearest = c.args.size() >= 2 ? ev.EvalScalar(*c.args[1], ts) : 1.0;
  const double inverse = 1.0 / to_nearest;
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = std::floor(s.v * inverse + 0.5) / inverse;
  }
  return v;
}

Value Time(Evaluator&, const Call&, int64_t ts) { return Scalar{static_cast<double>(ts) / 1000}; }
Value Pi(Evaluator&, const Call&, int64_t) { return Scalar{std::numbers::pi}; }
Value VectorFn(Evaluator& ev, const Call& c, int64_t ts) {
  return Vector{Sample{{}, ev.EvalScalar(*c.args[0], ts), 0}};
}
Value ScalarFn(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  if (v.size() != 1) return Scalar{std::numeric_limits<double>::quiet_NaN()};
  return Scalar{v[0].v};
}
Value Timestamp(Evaluator& ev, const Call& c, int64_t ts) {
  const bool selector = Unparen(c.args[0])->kind == ExprKind::kVectorSelector;
  Vector v = ev.EvalVector(*c.args[0], ts);
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = static_cast<double>(selector ? s.t : ts) / 1000;
  }
  return v;
}

Value Sort(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  std::stable_sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) {
    if (std::isnan(a.v)) return false;
    if (std::isnan(b.v)) return true;
    return a.v < b.v;
  });
  return v;
}
Value SortDesc(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  std::stable_sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) {
    if (std::isnan(a.v)) return false;
    if (std::isnan(b.v)) return true;
    return a.v > b.v;
  });
  return v;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

template <double (*F)(const std::tm&)>
Value Date(Evaluator& ev, const Call& c, int64_t ts) {
  auto at = [](double secs) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return F(tm);
  };
  if (c.args.empty()) {
    return Vector{Sample{{}, at(static_cast<double>(ts) / 1000), 0}};
  }
  Vector v = ev.EvalVector(*c.args[0], ts);
  for (Sample& s : v) {
    s.metric = s.metric.WithoutMetricName();
    s.v = at(s.v);
  }
  return v;
}

double DayOfMonth(const std::tm& t) { return t.tm_mday; }
double DayOfWeek(const std::tm& t) { return t.tm_wday; }
double DayOfYear(const std::tm& t) { return t.tm_yday + 1; }
double Hour(const std::tm& t) { return t.tm_hour; }
double Minute(const std::tm& t) { return t.tm_min; }
double Month(const std::tm& t) { return t.tm_mon + 1; }
double Year(const std::tm& t) { return t.tm_year + 1900; }
double DaysInMonth(const std::tm& t) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t.tm_mon == 1 && IsLeap(t.tm_year + 1900)) return 29;
  return kDays[t.tm_mon];
}

}  // namespace

void RegisterInstantFunctions(FunctionMap& m) {
  m["abs"] = Simple<Abs>;
  m["ceil"] = Simple<Ceil>;
  m["floor"] = Simple<Floor>;
  m["exp"] = Simple<Exp>;
  m["sqrt"] = Simple<Sqrt>;
  m["ln"] = Simple<Ln>;
  m["log2"] = Simple<Log2>;
  m["log10"] = Simple<Log10>;
  m["sgn"] = Simple<Sgn>;
  m["deg"] = Simple<Deg>;
  m["rad"] = Simple<Rad>;
  m["sin"] = Simple<Sin>;
  m["cos"] = Simple<Cos>;
  m["tan"] = Simple<Tan>;
  m["asin"] = Simple<Asin>;
  m["acos"] = Simple<Acos>;
  m["atan"] = Simple<Atan>;
  m["sinh"] = Simple<Sinh>;
  m["cosh"] = Simple<Cosh>;
  m["tanh"] = Simple<Tanh>;
  m["asinh"] = Simple<Asinh>;
  m["acosh"] = Simple<Acosh>;
  m["atanh"] = Simple<Atanh>;
  m["clamp"] = Clamp;
  m["clamp_max"] = ClampMax;
  m["clamp_min"] = ClampMin;
  m["round"] = Round;
  m["time"] = Time;
  m["pi"] = Pi;
  m["vector"] = VectorFn;
  m["scalar"] = ScalarFn;
  m["timestamp"] = Timestamp;
  m["sort"] = Sort;
  m["sort_desc"] = SortDesc;
  m["day_of_month"] = Date<DayOfMonth>;
  m["day_of_week"] = Date<DayOfWeek>;
  m["day_of_year"] = Date<DayOfYear>;
  m["hour"] = Date<Hour>;
  m["minute"] = Date<Minute>;
  m["month"] = Date<Month>;
  m["year"] = Date<Year>;
  m["days_in_month"] = Date<DaysInMonth>;
}

}  // namespace fxagent::promql::detail
