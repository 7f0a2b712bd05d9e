// label_replace, label_join, absent, absent_over_time and histogram_quantile,
// following Prometheus 2.x functions.go and quantile.go.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <unordered_map>

#include "rules/promql/eval_internal.h"

namespace fxagent::promql::detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Go's regexp.Expand: $1, ${1}, $name, ${name}, $$. A purely numeric name is a group
// index; "$1x" means the group named "1x" (so it expands to "").
std::string Expand(const std::string& tmpl, const re2::RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  const auto& named = re.NamedCapturingGroups();
  auto lookup = [&](const std::string& name) -> std::string {
    bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
    int idx = -1;
    if (numeric) {
      if (name.size() > 9) return "";
      idx = std::atoi(name.c_str());
    } else if (auto it = named.find(name); it != named.end()) {
      idx = it->second;
    }
    if (idx < 0 || static_cast<size_t>(idx) >= groups.size() || groups[idx].data() == nullptr) {
      return "";
    }
    return std::string(groups[idx].data(), groups[idx].size());
  };
  auto is_name_char = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  };
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (tmpl[i + 1] == '{') {
      size_t end = tmpl.find('}', i + 2);
      std::string name = end == std::string::npos ? "" : tmpl.substr(i + 2, end - i - 2);
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
        out += '$';  // malformed: copied literally, as Go does
        continue;
      }
      out += lookup(name);
      i = end;
      continue;
    }
    size_t j = i + 1;
    while (j < tmpl.size() && is_name_char(tmpl[j])) ++j;
    if (j == i + 1) {
      out += '$';
      continue;
    }
    out += lookup(tmpl.substr(i + 1, j - i - 1));
    i = j - 1;
  }
  return out;
}

Value LabelReplace(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  const std::string dst = ev.EvalString(*c.args[1], ts);
  const std::string repl = ev.EvalString(*c.args[2], ts);
  const std::string src = ev.EvalString(*c.args[3], ts);
  const std::string regex = ev.EvalString(*c.args[4], ts);
  std::string err;
  auto re = tsdb::CompileAnchored(regex, &err);
  if (re == nullptr) Throw("invalid regular expression in label_replace(): " + regex);
  if (!tsdb::IsValidLabelName(dst)) {
    Throw("invalid destination label name in label_replace(): " + dst);
  }
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re->NumberOfCapturingGroups()) + 1);
  for (Sample& s : v) {
    const std::string& value = s.metric.Get(src);
    if (!re->Match(value, 0, value.size(), re2::RE2::ANCHOR_BOTH, groups.data(),
                   static_cast<int>(groups.size()))) {
      continue;
    }
    s.metric = tsdb::LabelsBuilder(s.metric).Set(dst, Expand(repl, *re, groups)).Build();
  }
  return v;
}

Value LabelJoin(Evaluator& ev, const Call& c, int64_t ts) {
  Vector v = ev.EvalVector(*c.args[0], ts);
  const std::string dst = ev.EvalString(*c.args[1], ts);
  const std::string sep = ev.EvalString(*c.args[2], ts);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < c.args.size(); ++i) {
    srcs.push_back(ev.EvalString(*c.args[i], ts));
    if (!tsdb::IsValidLabelName(srcs.back())) {
      Throw("invalid source label name in label_join(): " + srcs.back());
    }
  }
  if (!tsdb::IsValidLabelName(dst)) {
    Throw("invalid destination label name in label_join(): " + dst);
  }
  for (Sample& s : v) {
    std::string joined;
    for (size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) joined += sep;
      joined += s.metric.Get(srcs[i]);
    }
    s.metric = tsdb::LabelsBuilder(s.metric).Set(dst, joined).Build();
  }
  return v;
}

// Labels of absent()'s output: equality matchers, minus names matched more than once.
tsdb::Labels AbsentLabels(const Expr& arg) {
  const VectorSelector* vs = nullptr;
  if (arg.kind == ExprKind::kVectorSelector) {
    vs = static_cast<const VectorSelector*>(&arg);
  } else if (arg.kind == ExprKind::kMatrixSelector) {
    vs = static_cast<const MatrixSelector&>(arg).vs.get();
  } else {
    return {};
  }
  tsdb::LabelsBuilder b;
  std::vector<std::string> has;
  for (const tsdb::Matcher& m : vs->matchers) {
    if (m.name() == tsdb::kMetricName) continue;
    if (m.type() == tsdb::MatchType::kEqual &&
        std::find(has.begin(), has.end(), m.name()) == has.end()) {
      b.Set(m.name(), m.value());
      has.push_back(m.name());
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

Value Absent(Evaluator& ev, const Call& c, int64_t ts) {
  if (!ev.EvalVector(*c.args[0], ts).empty()) return Vector{};
  return Vector{Sample{AbsentLabels(*c.args[0]), 1, 0}};
}

Value AbsentOverTime(Evaluator& ev, const Call& c, int64_t ts) {
  bool any = false;
  ev.VisitRange(*c.args[0], ts,
                [&any](const tsdb::Labels&, const tsdb::SampleView&) { any = true; });
  if (any) return Vector{};
  return Vector{Sample{AbsentLabels(*c.args[0]), 1, 0}};
}

struct Bucket {
  double upper;
  double count;
};

double BucketQuantile(double q, std::vector<Bucket> buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.upper < b.upper; });
  if (!std::isinf(buckets.back().upper) || buckets.back().upper < 0) return kNaN;
  // Coalesce buckets with the same upper bound.
  std::vector<Bucket> merged;
  for (const Bucket& b : buckets) {
    if (!merged.empty() && merged.back().upper == b.upper) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  buckets = std::move(merged);
  // Force monotonicity, as counts of different buckets may be scraped at different times.
  double max = -std::numeric_limits<double>::infinity();
  for (Bucket& b : buckets) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (buckets.size() < 2) return kNaN;
  const double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t b = 0;
  while (b < buckets.size() - 1 && !(buckets[b].count >= rank)) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper;
  if (b == 0 && buckets[0].upper <= 0) return buckets[0].upper;
  double start = 0;
  const double end = buckets[b].upper;
  double count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

bool ParseGoFloat(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

Value HistogramQuantile(Evaluator& ev, const Call& c, int64_t ts) {
  static const uint32_t kWithoutLe = tsdb::InternProjection("histogram-quantile:without-le");
  const double q = ev.EvalScalar(*c.args[0], ts);
  Vector v = ev.EvalVector(*c.args[1], ts);
  std::unordered_map<tsdb::Labels, std::vector<Bucket>, tsdb::LabelsHash> groups;
  std::vector<tsdb::Labels> order;
  for (const Sample& s : v) {
    double upper = 0;
    if (!ParseGoFloat(s.metric.Get("le"), upper)) continue;
    tsdb::Labels key = s.metric.Project(kWithoutLe, [](const tsdb::Labels& l) {
      return tsdb::LabelsBuilder(l).Del(tsdb::kMetricName).Del("le").Build();
    });
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) order.push_back(key);
    it->second.push_back({upper, s.v});
  }
  Vector out;
  for (const tsdb::Labels& key : order) {
    out.push_back(Sample{key, BucketQuantile(q, groups[key]), 0});
  }
  return out;
}

}  // namespace

void RegisterLabelFunctions(FunctionMap& m) {
  m["label_replace"] = LabelReplace;
  m["label_join"] = LabelJoin;
  m["absent"] = Absent;
  m["absent_over_time"] = AbsentOverTime;
  m["histogram_quantile"] = HistogramQuantile;
}

}  // namespace fxagent::promql::detail
