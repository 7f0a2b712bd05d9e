#include "agent/daemon/probe_classifier.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

ProbeResult Api(const std::string& name, int status, double seconds = 0.05) {
  ProbeResult r;
  r.probe = name;
  r.kind = ProbeKind::kApi;
  r.http_status = status;
  r.success = status >= 200 && status < 300;
  r.reason = r.success       ? ""
             : status == 0   ? "connect"
             : status == 401 ? "auth"
                             : "http_" + std::to_string(status);
  r.timings.total = seconds;
  return r;
}

ProbeResult Page(int indicator) {
  ProbeResult r;
  r.probe = "status_page";
  r.kind = ProbeKind::kStatusPage;
  r.success = true;
  r.http_status = 200;
  StatusPageReport sp;
  sp.indicator = indicator;
  sp.indicator_text = indicator == 0   ? "none"
                      : indicator == 1 ? "minor"
                      : indicator == 2 ? "major"
                                       : "critical";
  r.status_page = sp;
  return r;
}

ClassifierInput Input(std::vector<ProbeResult> results) {
  ClassifierInput in;
  in.results = std::move(results);
  return in;
}

std::vector<ProbeResult> Endpoints(int failing, int code) {
  std::vector<ProbeResult> out;
  const char* names[] = {"/shipments", "/bookings", "/purchase_orders", "/invoices", "/products"};
  for (int i = 0; i < 5; ++i) out.push_back(Api(names[i], i < failing ? code : 200));
  return out;
}

TEST(Classifier, HealthyIsNone) {
  auto results = Endpoints(0, 200);
  results.push_back(Page(0));
  const auto c = ClassifyProbeResults(Input(results));
  EXPECT_EQ(c.worst, Severity::kNone);
  EXPECT_TRUE(c.findings.empty());
}

TEST(Classifier, FullOutageIsP1) {
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(5, 503))).worst, Severity::kP1);
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(5, 0))).worst, Severity::kP1);
}

TEST(Classifier, AllUnauthorizedIsP1OnKey) {
  const auto c = ClassifyProbeResults(Input(Endpoints(5, 401)));
  EXPECT_EQ(c.worst, Severity::kP1);
  EXPECT_EQ(c.findings.at(0).component, "key");
}

TEST(Classifier, PartialIsP2AndSingleIsP4) {
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(2, 502))).worst, Severity::kP2);
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(4, 500))).worst, Severity::kP2);
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(1, 500))).worst, Severity::kP4);
}

TEST(Classifier, ForbiddenIsP4) {
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(1, 403))).worst, Severity::kP4);
}

TEST(Classifier, RateLimitedIsP3EvenOnEveryEndpoint) {
  EXPECT_EQ(ClassifyProbeResults(Input(Endpoints(5, 429))).worst, Severity::kP3);
}

TEST(Classifier, LowHeadroomIsP3) {
  auto results = Endpoints(0, 200);
  results[0].ratelimit.limit = 100;
  results[0].ratelimit.remaining = 9;
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP3);
  results[0].ratelimit.remaining = 10;
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kNone);
}

TEST(Classifier, SlowIsP3) {
  auto results = Endpoints(0, 200);
  results[2].timings.total = 2.5;
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP3);
}

TEST(Classifier, StatusPageLevels) {
  for (auto [indicator, want] :
       {std::pair{1, Severity::kP3}, std::pair{2, Severity::kP2}, std::pair{3, Severity::kP1}}) {
    auto results = Endpoints(0, 200);
    results.push_back(Page(indicator));
    EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, want) << indicator;
  }
}

TEST(Classifier, StatusPageUnavailableIsNotAnOutage) {
  auto results = Endpoints(0, 200);
  ProbeResult page;
  page.probe = "status_page";
  page.kind = ProbeKind::kStatusPage;
  page.reason = "body";
  results.push_back(page);
  const auto c = ClassifyProbeResults(Input(results));
  EXPECT_EQ(c.worst, Severity::kNone);
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].component, "status_page");
}

TEST(Classifier, InactiveSubscriptionIsP2) {
  auto results = Endpoints(0, 200);
  ProbeResult sub;
  sub.probe = "subscription";
  sub.kind = ProbeKind::kSubscription;
  sub.reason = "inactive";
  sub.active_subscriptions = 0;
  results.push_back(sub);
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP2);
}

TEST(Classifier, KeyExpiry) {
  auto in = Input(Endpoints(0, 200));
  in.key_expires_at = in.now + std::chrono::hours(24 * 13);
  EXPECT_EQ(ClassifyProbeResults(in).worst, Severity::kP4);
  in.key_expires_at = in.now + std::chrono::hours(24 * 15);
  EXPECT_EQ(ClassifyProbeResults(in).worst, Severity::kNone);
}

TEST(Classifier, OwnNetworkDownIsNotAFlexportOutage) {
  auto results = Endpoints(5, 0);
  ProbeResult net;
  net.probe = "connectivity";
  net.kind = ProbeKind::kConnectivity;
  net.reason = "connect";
  results.push_back(net);
  const auto c = ClassifyProbeResults(Input(results));
  EXPECT_EQ(c.worst, Severity::kP2);
  EXPECT_EQ(c.findings.at(0).component, "network");
}

ProbeResult UnreachablePage(const std::string& reason) {
  ProbeResult r;
  r.probe = "status_page";
  r.kind = ProbeKind::kStatusPage;
  r.reason = reason;
  return r;
}

TEST(Classifier, ApiAndStatusPageUnreachableWithoutConnectivityCheckIsNetworkDown) {
  for (const char* reason : {"dns", "connect", "tls"}) {
    auto results = Endpoints(5, 0);  // "connect"
    results.push_back(UnreachablePage(reason));
    const auto c = ClassifyProbeResults(Input(results));
    EXPECT_EQ(c.worst, Severity::kP2) << reason;
    ASSERT_FALSE(c.findings.empty());
    EXPECT_EQ(c.findings[0].component, "network");
    EXPECT_EQ(c.findings[0].summary,
              "the agent cannot reach Flexport or its status page: check this host's network");
  }
}

TEST(Classifier, StatusPageAnsweringKeepsTheApiOutageP1) {
  auto results = Endpoints(5, 0);
  results.push_back(Page(0));
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP1);
  // An HTTP error from the status page is an answer too: the network works.
  results.back() = UnreachablePage("http_503");
  results.back().http_status = 503;
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP1);
}

TEST(Classifier, ApiHttpErrorsWithStatusPageUnreachableStayP1) {
  auto results = Endpoints(5, 503);
  results.push_back(UnreachablePage("dns"));
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP1);
  // A timeout is not proof that nothing answers: no network verdict either.
  results = Endpoints(5, 0);
  for (auto& r : results) r.reason = "timeout";
  results.push_back(UnreachablePage("dns"));
  EXPECT_EQ(ClassifyProbeResults(Input(results)).worst, Severity::kP1);
}

TEST(Classifier, FindingsSortedMostUrgentFirst) {
  auto results = Endpoints(1, 500);  // P4
  results.push_back(Page(2));        // P2
  const auto c = ClassifyProbeResults(Input(results));
  ASSERT_GE(c.findings.size(), 2u);
  EXPECT_EQ(c.findings[0].severity, Severity::kP2);
  EXPECT_EQ(c.findings[1].severity, Severity::kP4);
}

}  // namespace
}  // namespace fxagent
