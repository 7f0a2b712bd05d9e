// Fuzzes the PromQL parser, the printer (a parsed expression must print as text that
// parses again) and the evaluator over a small fixed store shaped like the agent's own
// series (gauges, counters with resets, a histogram, a stale series).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rules/promql/evaluator.h"
#include "rules/promql/parser.h"
#include "rules/tsdb/tsdb.h"

namespace {

using namespace fxagent;
using tsdb::Labels;

constexpr int64_t kStep = 15 * 1000;
constexpr int64_t kEnd = 60 * 60 * 1000;  // one hour of samples

const tsdb::SeriesStore& Store() {
  static tsdb::SeriesStore* store = [] {
    auto* s = new tsdb::SeriesStore(tsdb::SeriesStore::Options{24 * kEnd});
    const char* probes[] = {"shipments", "bookings", "invoices"};
    for (int64_t t = 0; t <= kEnd; t += kStep) {
      const int64_t i = t / kStep;
      for (int p = 0; p < 3; ++p) {
        s->Append({{"__name__", "flexport_probe_success"}, {"probe", probes[p]}, {"kind", "api"}},
                  t, (i + p) % 7 == 0 ? 0 : 1);
        s->Append({{"__name__", "flexport_api_requests_total"},
                   {"endpoint", std::string("/") + probes[p]},
                   {"source", "proxy"},
                   {"code", p == 2 ? "429" : "200"}},
                  t, static_cast<double>((i % 100) * (p + 1)));  // resets every 100 steps
      }
      for (const char* le : {"0.1", "0.5", "1", "+Inf"}) {
        s->Append({{"__name__", "flexport_api_request_duration_seconds_bucket"},
                   {"endpoint", "/shipments"},
                   {"le", le}},
                  t, static_cast<double>(i) * std::atof(le[0] == '+' ? "9" : le));
      }
      s->Append({{"__name__", "flexport_webhook_last_received_timestamp_seconds"},
                 {"type", "shipment.milestone"}},
                t, t < kEnd / 2 ? t / 1000.0 : tsdb::StaleNaN());
      s->Append({{"__name__", "weird"}, {"a", "x\"y\\z\n"}}, t,
                i % 3 == 0 ? NAN : (i % 3 == 1 ? INFINITY : -0.0));
    }
    return s;
  }();
  return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // rule expressions are short; keep the fuzzer fast
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  promql::ParseResult parsed = promql::ParseExpr(text);
  if (!parsed.ok()) {
    (void)parsed.error->ToString();
    return 0;
  }
  if (!parsed.expr) std::abort();
  const std::string printed = parsed.expr->ToString();
  if (!promql::ParseExpr(printed).ok()) std::abort();  // printer and parser disagree

  promql::EvalOptions options;
  options.default_step_ms = kStep;
  for (int64_t t : {int64_t{0}, kEnd / 2, kEnd + 4 * 60 * 1000}) {
    promql::EvalResult result = promql::Evaluate(*parsed.expr, Store(), t, options);
    if (result.ok()) (void)promql::TypeOf(result.value);
  }
  return 0;
}
