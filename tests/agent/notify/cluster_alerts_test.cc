#include "agent/notify/cluster_alerts.h"

#include <gtest/gtest.h>

#include "agent/notify/notifier.h"
#include "tests/agent/notify/notify_test_util.h"

namespace fxagent {
namespace {

Alert Firing(const std::string& name, int start_s, const std::string& summary = "s") {
  Alert a;
  a.labels = {{"alertname", name}, {"severity", "P1"}};
  a.annotations = {{"summary", summary}};
  a.starts_at = TimePoint(std::chrono::seconds(start_s));
  return a;
}

TEST(MergeClusterAlerts, FiresOnceAQuorumOfReplicasReportsIt) {
  std::vector<ReportedAlert> reports = {
      {"r2", Firing("ApiDown", 20)}, {"r1", Firing("ApiDown", 30)}, {"r3", Firing("OnlyMine", 10)}};
  std::vector<Alert> two = MergeClusterAlerts(reports, 2);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].Label("alertname"), "ApiDown");
  EXPECT_EQ(two[0].Annotation("replicas"), "r1, r2");
  EXPECT_EQ(two[0].starts_at, TimePoint(std::chrono::seconds(20)));  // the earliest report
  EXPECT_EQ(MergeClusterAlerts(reports, 1).size(), 2u);
  EXPECT_TRUE(MergeClusterAlerts(reports, 3).empty());
}

TEST(MergeClusterAlerts, AnnotationsComeFromTheFirstReplicaByNameAndResolvedDoNotCount) {
  Alert resolved = Firing("ApiDown", 5, "from r0");
  resolved.state = Alert::State::kResolved;
  std::vector<ReportedAlert> reports = {{"r9", Firing("ApiDown", 5, "from r9")},
                                        {"r1", Firing("ApiDown", 5, "from r1")},
                                        {"r0", resolved}};
  std::vector<Alert> merged = MergeClusterAlerts(reports, 2);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].Annotation("summary"), "from r1");
  EXPECT_EQ(merged[0].Annotation("replicas"), "r1, r9");
  EXPECT_EQ(merged[0].Fingerprint(), Firing("ApiDown", 0).Fingerprint());
}

TEST(MergeClusterAlerts, JsonRoundTrip) {
  Alert a = Firing("ApiDown", 42, "line\nwith \"quotes\"");
  a.generator_url = "http://x/graph";
  std::optional<Alert> back = ClusterAlertFromJson(ClusterAlertToJson(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->labels, a.labels);
  EXPECT_EQ(back->annotations, a.annotations);
  EXPECT_EQ(back->starts_at, a.starts_at);
  EXPECT_EQ(back->generator_url, a.generator_url);
  EXPECT_FALSE(ClusterAlertFromJson("{\"labels\": 3}"));
  EXPECT_FALSE(ClusterAlertFromJson("not json"));
}

using namespace std::chrono_literals;

Config OneRoute() {
  Config c;
  c.receivers = {testing::Receiver("oncall", "webhook", "http://oncall.invalid/hook")};
  c.routes = {testing::Route({"oncall"}, {})};
  return c;
}

TEST(NotifierStandby, KeepsStateButQueuesNothingAndTheLeaderDoesNotRepeatIt) {
  testing::Harness h(OneRoute(), "standby");
  h.notifier->SetDelivering(false);
  h.notifier->Update({testing::MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  EXPECT_TRUE(h.Queued().empty()) << "a standby replica sends nothing";
  ASSERT_EQ(h.notifier->Incidents().size(), 1u) << "but it keeps the incident";
  bool sent_in_timeline = false;
  for (const TimelineEntry& e : h.notifier->Timeline(h.notifier->Incidents()[0].id)) {
    if (e.text.find("sent to oncall") != std::string::npos) sent_in_timeline = true;
  }
  EXPECT_TRUE(sent_in_timeline) << "and the same timeline as the leader";
  // Takes over the lead: the first page was the old leader's, so no repeat before the
  // repeat interval, and the resolution is sent.
  h.notifier->SetDelivering(true);
  h.Step(10s);
  EXPECT_TRUE(h.Queued().empty());
  h.notifier->Update({}, h.clock.Now());
  h.Step(10s);
  ASSERT_EQ(h.Queued().size(), 1u);
  EXPECT_EQ(h.Queued()[0].notification.FiringCount(), 0u);
}

TEST(NotifierStandby, OperatorChangesAreReportedAndReplicatedWithoutEcho) {
  testing::Harness a(OneRoute(), "replica-a");
  testing::Harness b(OneRoute(), "replica-b");
  std::vector<std::pair<std::string, std::string>> from_a, from_b;
  a.notifier->SetOperatorListener(
      [&](const std::string& k, const std::string& j) { from_a.emplace_back(k, j); });
  b.notifier->SetOperatorListener(
      [&](const std::string& k, const std::string& j) { from_b.emplace_back(k, j); });
  std::string error;
  std::optional<Silence> s = SilenceFromJson(
      R"({"matchers":["alertname=\"FlexportApiDown\""],"endsAt":"2099-01-01T00:00:00Z",)"
      R"("comment":"deploy","createdBy":"ci"})",
      a.clock.Now(), &error);
  ASSERT_TRUE(s) << error;
  const std::string id = a.notifier->AddSilence(*s, a.clock.Now());
  ASSERT_EQ(from_a.size(), 1u);
  EXPECT_EQ(from_a[0].first, "silence");
  EXPECT_TRUE(b.notifier->ApplyReplicated(from_a[0].first, from_a[0].second, b.clock.Now()));
  EXPECT_TRUE(from_b.empty()) << "a replicated change is not sent back";
  ASSERT_EQ(b.notifier->Silences().size(), 1u);
  EXPECT_EQ(b.notifier->Silences()[0].id, id);
  EXPECT_EQ(b.notifier->Silences()[0].created_by, "ci");
  // The silence mutes on the other replica too.
  b.notifier->Update({testing::MakeAlert("FlexportApiDown", "P1", "api")}, b.clock.Now());
  b.Step(10s);
  EXPECT_TRUE(b.Queued().empty());
  ASSERT_EQ(a.notifier->ExpireSilence(id, a.clock.Now()), OpResult::kOk);
  ASSERT_EQ(from_a.size(), 2u);
  EXPECT_TRUE(b.notifier->ApplyReplicated(from_a[1].first, from_a[1].second, b.clock.Now()));
  EXPECT_EQ(b.notifier->Silences()[0].State(b.clock.Now()), "expired");
  EXPECT_FALSE(b.notifier->ApplyReplicated("unknown", "{}", b.clock.Now()));
}

TEST(NotifierStandby, IncidentUpdatesFollowTheGroupNotTheLocalId) {
  testing::Harness a(OneRoute(), "incident-a");
  testing::Harness b(OneRoute(), "incident-b");
  std::vector<std::pair<std::string, std::string>> from_a;
  a.notifier->SetOperatorListener(
      [&](const std::string& k, const std::string& j) { from_a.emplace_back(k, j); });
  // b numbered an earlier incident: the same group has another id there.
  b.notifier->Update({testing::MakeAlert("FlexportOther", "P2", "other")}, b.clock.Now());
  b.Step(10s);
  for (testing::Harness* h : {&a, &b}) {
    h->notifier->Update({testing::MakeAlert("FlexportApiDown", "P1", "api")}, h->clock.Now());
    h->Step(10s);
  }
  const int64_t id_a = a.notifier->Incidents().back().id;
  ASSERT_EQ(a.notifier->UpdateIncident(id_a, IncidentStatus::kMitigating, "breaker on", {}, "ops",
                                       a.clock.Now(), nullptr),
            OpResult::kOk);
  ASSERT_EQ(from_a.size(), 1u);
  EXPECT_EQ(from_a[0].first, "incident");
  ASSERT_TRUE(b.notifier->ApplyReplicated(from_a[0].first, from_a[0].second, b.clock.Now()));
  bool found = false;
  for (const Incident& i : b.notifier->Incidents()) {
    if (i.status == IncidentStatus::kMitigating) {
      found = true;
      EXPECT_EQ(i.current_action, "breaker on");
      EXPECT_NE(i.id, id_a);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace fxagent
