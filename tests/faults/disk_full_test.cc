// Disk full, end to end: the real flexport-agent and flexport-sim run over loopback, and
// the agent's storage fills up. While it is full, webhook ingest answers 503 and never 200
// for an event it could not store, nothing crashes (/healthz answers), and the default
// rule FlexportAgentStorageFailing (P2) fires and reaches the receiver. Once space returns,
// without a restart: the stores recover by themselves, new webhooks get 200, every
// acknowledged event reaches the app exactly once, and the alert resolves. This is also
// FlexportAgentStorageFailing's end-to-end test (see tests/e2e_alerts).
//
// Two ways to fill the disk, one test body:
// - FaultVfs (always runs, no privilege): the agent runs with FXAGENT_TEST_FAULT_VFS, a
//   test-only SQLite VFS shim (agent/fault_vfs) that fails every write with SQLITE_FULL
//   while the control file says "full".
// - Tmpfs (the real-disk check): data_dir is a small tmpfs that the test fills (webhooks
//   first, then a filler file, so the fault is deterministic). Mounting needs
//   CAP_SYS_ADMIN (being root is not enough, e.g. in an unprivileged container); without
//   it the test skips, and fails instead when CI is set, so CI cannot lose it silently.
//   The tmpfs lives in a private mount namespace of the test process, so it disappears
//   with the test even if the test is killed, and it is unmounted in teardown.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e_alerts/e2e_harness.h"
#include "tests/support/ci_skip.h"

namespace fxagent::e2e {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::WaitFor;

constexpr const char* kAlert = "FlexportAgentStorageFailing";
// Gap alerts would depend on learned arrival gaps; not what this test is about.
constexpr const char* kNoGapPages = "[[webhooks.expect]]\ntypes = [\"*\"]\nmax_gap = \"1h\"\n";
constexpr auto kDeadline = seconds(60);

// A tmpfs mounted in a private mount namespace; unmounted on destruction.
class TmpfsMount {
 public:
  /// "" when mounted, else why not (the caller skips).
  std::string Mount(const std::string& dir, const std::string& size) {
    if (unshare(CLONE_NEWNS) != 0) {
      return std::string("cannot create a mount namespace (needs CAP_SYS_ADMIN): ") +
             std::strerror(errno);
    }
    // Nothing mounted here propagates back to the host's namespace.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return std::string("cannot make mounts private: ") + std::strerror(errno);
    }
    std::filesystem::create_directories(dir);
    const std::string options = "size=" + size + ",mode=0700";
    if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      return std::string("cannot mount a tmpfs: ") + std::strerror(errno);
    }
    dir_ = dir;
    return "";
  }
  ~TmpfsMount() {
    if (!dir_.empty()) umount2(dir_.c_str(), MNT_DETACH);
  }

 private:
  std::string dir_;
};

// Appends to `path` until the filesystem has at most `leave` bytes free (0 = until a write
// fails with ENOSPC); returns the bytes written or -1 on another error.
int64_t Fill(const std::string& path, uint64_t leave) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const std::string chunk(64 * 1024, 'f');
  int64_t written = 0;
  for (size_t size : {chunk.size(), size_t{4096}, size_t{1}}) {
    for (;;) {
      if (leave > 0) {
        const auto space = std::filesystem::space(std::filesystem::path(path).parent_path());
        if (space.available <= leave) break;
        size = std::min<uint64_t>(size, space.available - leave);
      }
      const ssize_t n = ::write(fd, chunk.data(), size);
      if (n > 0) {
        written += n;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != ENOSPC) {
        ::close(fd);
        return -1;
      }
      break;
    }
    if (leave > 0) break;
  }
  ::fsync(fd);
  ::close(fd);
  return written;
}

// The value of one series in a text exposition, or -1 when the series is absent.
double MetricValue(const std::string& exposition, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t pos = ("\n" + exposition).find(needle);
  if (pos == std::string::npos) return -1;
  return std::strtod(exposition.c_str() + pos + series.size() + 1, nullptr);
}

std::string EventBody(const std::string& id, int shipment) {
  return json{{"id", id},
              {"type", "shipment.milestone"},
              {"data",
               {{"shipment_id", "S" + std::to_string(shipment)},
                {"milestone", "departed"},
                {"occurred_at", "2026-05-01T10:00:00Z"},
                // About 2 KiB per event: the disk fills after a few dozen.
                {"note", std::string(2000, 'x')}}}}
      .dump();
}

enum class Filler { kFaultVfs, kTmpfs };
void PrintTo(Filler f, std::ostream* os) { *os << (f == Filler::kFaultVfs ? "FaultVfs" : "Tmpfs"); }

class DiskFull : public ::testing::TestWithParam<Filler> {
 protected:
  void SetUp() override {
    data_dir_ = mount_dir_.path() + "/data";
    if (GetParam() == Filler::kFaultVfs) {
      control_ = mount_dir_.path() + "/storage-fault";
      SetVfsFault("none");
      return;
    }
    const std::string why = mount_.Mount(data_dir_, "4m");
    if (why.empty()) return;
    // In CI a skip would drop the only real-disk check without anyone noticing.
    FXAGENT_SKIP_OR_FAIL_IN_CI() << why;
  }

  // Replaces the control file in one rename: the agent re-reads it on every write.
  void SetVfsFault(const std::string& word) {
    testing::WriteFile(control_ + ".new", word + "\n");
    std::filesystem::rename(control_ + ".new", control_);
  }

  AgentOptions Options() {
    AgentOptions options;
    options.data_dir = data_dir_;
    if (!control_.empty()) options.env = {"FXAGENT_TEST_FAULT_VFS=" + control_};
    return options;
  }
  // Leaves a little space: the next few webhooks may still fit, then the store refuses.
  void FillAlmost() {
    if (GetParam() == Filler::kFaultVfs) {
      SetVfsFault("full");
      return;
    }
    ASSERT_GE(Fill(data_dir_ + "/filler", 48 * 1024), 0) << std::strerror(errno);
  }
  // Takes every byte left: the store cannot write anything at all.
  void FillUp() {
    if (GetParam() == Filler::kFaultVfs) return;  // every write fails already
    ASSERT_GE(Fill(data_dir_ + "/filler", 0), 0) << std::strerror(errno);
    EXPECT_EQ(std::filesystem::space(data_dir_).available, 0u);
  }
  void FreeSpace() {
    if (GetParam() == Filler::kFaultVfs) {
      SetVfsFault("none");
      return;
    }
    std::filesystem::remove(data_dir_ + "/filler");
  }

  // Posts a new event; records it as acknowledged (200) or refused (503).
  int Send() {
    const int n = next_++;
    const std::string id = "evt_disk_" + std::to_string(n);
    const int status = stack_.PostSignedWebhook(EventBody(id, n % 7));
    if (status == 200) acked_.insert(id);
    if (status == 503) refused_[id] = n % 7;
    return status;
  }

  // The alerts of GET /api/v1/alerts named kAlert ("" state = any).
  std::vector<json> ApiAlerts(const std::string& state) {
    std::string body;
    if (stack_.InternalGet("/api/v1/alerts", &body) != 200) return {};
    std::vector<json> out;
    json all = json::parse(body, nullptr, false);
    if (!all.is_array()) return {};
    for (const json& a : all) {
      if (a["labels"].value("alertname", "") != kAlert) continue;
      if (!state.empty() && a["status"].value("state", "") != state) continue;
      out.push_back(a);
    }
    return out;
  }

  std::string Diagnostics() {
    std::string alerts;
    stack_.InternalGet("/api/v1/alerts", &alerts);
    std::string delivered;
    for (const auto& [id, n] : app_.Deliveries()) delivered += " " + id + "x" + std::to_string(n);
    return "\napp requests: " + std::to_string(app_.Requests()) + ", deliveries:" + delivered +
           "\nalerts: " + alerts + "\nnotifications:\n" + stack_.sink().Dump() + "\nmetrics:\n" +
           stack_.Metrics() + "\nagent logs:\n" + stack_.AgentLogs();
  }

  testing::TempDir mount_dir_;  // declared first: removed after the unmount
  TmpfsMount mount_;            // unmounted after the stack stopped the agent
  std::string data_dir_;
  std::string control_;  // the fault VFS's control file (FaultVfs only)
  AppStub app_{503};     // the app is down at first: acknowledged events wait in the spool
  Stack stack_;
  int next_ = 0;
  std::set<std::string> acked_;
  std::map<std::string, int> refused_;  // id -> shipment, to send again as Flexport would
};

TEST_P(DiskFull, RefusesWithoutCrashAlertsAndRecoversWhenSpaceReturns) {
  AgentOptions options = Options();
  options.webhooks_extra = "forward_to = \"" + app_.Url() + "\"\n" + kNoGapPages;
  ASSERT_TRUE(stack_.StartAgent(options).empty()) << stack_.AgentLogs();
  ASSERT_TRUE(stack_.WaitForBaseline()) << stack_.AgentLogs();
  ASSERT_TRUE(stack_.sink().FiredNames().empty()) << stack_.sink().Dump();

  // Before the fault: acknowledged and spooled (the app answers 503 for now). Events 0-6
  // are the first of their shipments; 7-9 wait behind 0-2 (per-shipment order).
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Send(), 200) << stack_.AgentLogs();
  std::set<std::string> heads;
  for (int i = 0; i < 7; ++i) heads.insert("evt_disk_" + std::to_string(i));

  // Leave a little space, then let webhooks fill the disk until the store refuses one.
  ASSERT_NO_FATAL_FAILURE(FillAlmost());
  int status = 0;
  for (int i = 0; i < 500 && status != 503; ++i) {
    status = Send();
    ASSERT_TRUE(status == 200 || status == 503) << "HTTP " << status << Diagnostics();
  }
  ASSERT_EQ(status, 503) << "the disk never filled up" << Diagnostics();
  // Now take every byte left: the store cannot write anything at all.
  ASSERT_NO_FATAL_FAILURE(FillUp());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Send(), 503) << Diagnostics();

  // Nothing crashed: the process lives and both listeners answer.
  ASSERT_TRUE(stack_.AgentRunning()) << stack_.AgentLogs();
  EXPECT_EQ(stack_.InternalGet("/healthz"), 200);
  {
    httplib::Client pub("http://" + stack_.PublicAddress());
    auto res = pub.Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  std::string readyz;
  EXPECT_EQ(stack_.InternalGet("/readyz", &readyz), 503) << readyz;
  const std::string m = stack_.Metrics();
  EXPECT_EQ(MetricValue(m, "flexport_agent_storage_healthy{store=\"webhooks\"}"), 0) << m;
  EXPECT_GT(MetricValue(m, "flexport_agent_storage_errors_total{store=\"webhooks\"}"), 0) << m;
  EXPECT_GT(MetricValue(m,
                        "flexport_webhook_received_total{outcome=\"error\","
                        "type=\"shipment.milestone\"}"),
            0)
      << m;

  // The agent alerts on its own storage: in its API and at the receiver, although the
  // outbox lives on the full disk too.
  ASSERT_TRUE(WaitFor([&] { return !ApiAlerts("active").empty(); }, kDeadline))
      << kAlert << " never became active" << Diagnostics();
  std::set<std::string> stores;
  for (const json& a : ApiAlerts("active")) {
    EXPECT_EQ(a["labels"].value("severity", ""), "P2") << a.dump();
    EXPECT_EQ(a["labels"].value("component", ""), "agent") << a.dump();
    EXPECT_EQ(a["annotations"].value("playbook", ""), "agent-storage") << a.dump();
    stores.insert(a["labels"].value("store", ""));
  }
  EXPECT_TRUE(stores.count("webhooks") > 0) << Diagnostics();
  std::optional<json> fired;
  ASSERT_TRUE(WaitFor([&] { return (fired = stack_.sink().Find("firing", kAlert)).has_value(); },
                      kDeadline))
      << "no firing notification while the disk is full" << Diagnostics();
  EXPECT_EQ((*fired)["labels"].value("severity", ""), "P2") << fired->dump();

  // The app is back while the disk is still full: deliveries go on, as far as per-shipment
  // order allows (the store cannot record that a shipment's first event was delivered, so
  // the next one waits), and are not repeated while their outcome cannot be recorded.
  app_.SetStatus(200);
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto d = app_.Deliveries();
        for (const std::string& id : heads) {
          if (d.count(id) == 0) return false;
        }
        return true;
      },
      kDeadline))
      << "spooled events were not delivered while the disk was full" << Diagnostics();
  ASSERT_TRUE(stack_.AgentRunning()) << stack_.AgentLogs();

  // Space returns; no restart. The stores find out by themselves (no webhook needed).
  FreeSpace();
  ASSERT_TRUE(WaitFor([&] { return stack_.InternalGet("/readyz") == 200; }, kDeadline))
      << "not ready again after space returned" << Diagnostics();
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string text = stack_.Metrics();
        for (const char* store : {"webhooks", "notifications", "alert_state"}) {
          const double v = MetricValue(
              text, std::string("flexport_agent_storage_healthy{store=\"") + store + "\"}");
          if (v != 1) return false;
        }
        return true;
      },
      kDeadline))
      << "a store did not recover" << Diagnostics();

  // New webhooks are accepted again, and Flexport's retries of the refused ones too.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Send(), 200) << Diagnostics();
  for (const auto& [id, shipment] : refused_) {
    EXPECT_EQ(stack_.PostSignedWebhook(EventBody(id, shipment)), 200) << id;
    acked_.insert(id);
  }

  // Every acknowledged event reaches the app, exactly once (no crash, no restart).
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto d = app_.Deliveries();
        for (const std::string& id : acked_) {
          if (d.count(id) == 0) return false;
        }
        return true;
      },
      kDeadline))
      << "acknowledged events missing at the app" << Diagnostics();
  // The last deliveries' outcomes are recorded before anything could repeat them.
  ASSERT_TRUE(
      WaitFor([&] { return MetricValue(stack_.Metrics(), "flexport_webhook_spool_depth") == 0; },
              kDeadline))
      << Diagnostics();
  for (const auto& [id, n] : app_.Deliveries()) {
    EXPECT_EQ(n, 1) << id << " delivered " << n << " times";
    EXPECT_TRUE(acked_.count(id) > 0) << id << " was delivered but never acknowledged";
  }

  // The alert resolves, in the API and at the receiver.
  EXPECT_TRUE(
      WaitFor([&] { return stack_.sink().Find("resolved", kAlert).has_value(); }, kDeadline))
      << kAlert << " never resolved" << Diagnostics();
  EXPECT_TRUE(WaitFor([&] { return ApiAlerts("active").empty(); }, kDeadline)) << Diagnostics();
  // Nothing else paged (the spool grew while the app was down: that rule may fire too).
  for (const std::string& name : stack_.sink().FiredNames()) {
    EXPECT_TRUE(name == kAlert || name == "FlexportWebhookSpoolGrowing")
        << "unexpected page " << name << "\n"
        << stack_.sink().Dump();
  }

  // The incident opened while the disk was full has a real id, a timeline, and resolved.
  std::string body;
  ASSERT_EQ(stack_.InternalGet("/api/v1/incidents", &body), 200);
  const json incidents = json::parse(body, nullptr, false);
  ASSERT_TRUE(incidents.is_array()) << body;
  bool found = false;
  for (const json& i : incidents) {
    EXPECT_GE(i.value("id", int64_t{0}), 1) << i.dump();
    const auto names = i.value("alertnames", std::vector<std::string>{});
    if (std::find(names.begin(), names.end(), kAlert) == names.end()) continue;
    found = true;
    EXPECT_TRUE(WaitFor(
        [&] {
          std::string one;
          stack_.InternalGet("/api/v1/incidents/" + std::to_string(i.value("id", 0)), &one);
          const json j = json::parse(one, nullptr, false);
          return j.is_object() && j.value("status", "") == "Resolved" && j["timeline"].is_array() &&
                 !j["timeline"].empty();
        },
        kDeadline))
        << i.dump() << Diagnostics();
  }
  EXPECT_TRUE(found) << "no incident for " << kAlert << ": " << body;
  EXPECT_TRUE(stack_.AgentRunning()) << stack_.AgentLogs();
}

INSTANTIATE_TEST_SUITE_P(Fillers, DiskFull, ::testing::Values(Filler::kFaultVfs, Filler::kTmpfs),
                         [](const ::testing::TestParamInfo<Filler>& info) {
                           return info.param == Filler::kFaultVfs ? "FaultVfs" : "Tmpfs";
                         });

}  // namespace
}  // namespace fxagent::e2e
