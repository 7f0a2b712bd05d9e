// Helpers for evaluation tests: a store filled by hand and compact result accessors.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rules/promql/evaluator.h"
#include "rules/promql/parser.h"
#include "rules/tsdb/tsdb.h"

namespace fxagent::promql {

class EvalFixture : public ::testing::Test {
 protected:
  // Appends (seconds, value) points to a series given as `name{a="b"}`-less label list.
  void Add(tsdb::Labels labels, const std::vector<std::pair<double, double>>& points) {
    for (const auto& [sec, v] : points) {
      ASSERT_TRUE(store_.Append(labels, static_cast<int64_t>(sec * 1000), v));
    }
  }

  EvalResult Run(std::string_view expr, double t_sec) {
    ParseResult p = ParseExpr(expr);
    EXPECT_TRUE(p.ok()) << expr << ": " << (p.ok() ? "" : p.error->ToString());
    if (!p.ok()) return {Vector{}, "parse error"};
    return Evaluate(*p.expr, store_, static_cast<int64_t>(t_sec * 1000));
  }

  double Scalar(std::string_view expr, double t_sec) {
    EvalResult r = Run(expr, t_sec);
    EXPECT_TRUE(r.ok()) << expr << ": " << r.error.value_or("");
    auto* s = std::get_if<promql::Scalar>(&r.value);
    EXPECT_NE(s, nullptr) << expr;
    return s != nullptr ? s->v : -12345;
  }

  // Labels (as `{a="b"}`) → value.
  std::map<std::string, double> Vec(std::string_view expr, double t_sec) {
    EvalResult r = Run(expr, t_sec);
    EXPECT_TRUE(r.ok()) << expr << ": " << r.error.value_or("");
    std::map<std::string, double> out;
    if (auto* v = std::get_if<Vector>(&r.value)) {
      for (const Sample& s : *v) {
        EXPECT_TRUE(out.emplace(s.metric.ToString(), s.v).second) << "duplicate in " << expr;
      }
    } else {
      ADD_FAILURE() << expr << " did not return an instant vector";
    }
    return out;
  }

  // The single value of a one-element vector result.
  double One(std::string_view expr, double t_sec) {
    auto v = Vec(expr, t_sec);
    EXPECT_EQ(v.size(), 1u) << expr;
    return v.empty() ? -12345 : v.begin()->second;
  }

  std::string Error(std::string_view expr, double t_sec) {
    EvalResult r = Run(expr, t_sec);
    EXPECT_FALSE(r.ok()) << expr;
    return r.error.value_or("");
  }

  tsdb::SeriesStore store_;
};

using M = std::map<std::string, double>;

}  // namespace fxagent::promql
