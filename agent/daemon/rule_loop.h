/// The evaluation loop: every `[rules].evaluation_interval` the agent scrapes its own
/// registry into the series store, evaluates the alert rules and hands firing and
/// just-resolved alerts to the notifier. One thread; Start()/Stop() from the owner,
/// ActiveAlerts() from any thread. Exports the series store's size as
/// flexport_agent_series_store_* gauges.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "agent/config/units.h"
#include "agent/metrics/storage_health.h"
#include "rules/alerting/alert_evaluator.h"
#include "rules/alerting/self_scraper.h"

namespace prometheus {
class Collectable;
class Gauge;
}  // namespace prometheus

namespace fxagent {

class Notifier;
struct Alert;

/// Turns the rule engine's alert states into the notifier's alerts (firing and resolved
/// only: pending alerts do not notify). `agent_instance` goes into an annotation, never a
/// label, so replicas of the agent produce identical label sets Alertmanager can dedupe.
std::vector<Alert> ToNotifierAlerts(const std::vector<alerting::AlertState>& states,
                                    const std::string& agent_instance,
                                    const std::string& generator_url);

class RuleLoop {
 public:
  /// Throws alerting::RuleError when a rule file is invalid (start-up only).
  RuleLoop(const Config& config, std::vector<const prometheus::Collectable*> collectables,
           prometheus::Registry& registry, Notifier* notifier, Logger& log);
  ~RuleLoop();

  /// Supplies the "Impact" text for open incidents; called once per evaluation.
  void SetImpactSource(std::function<std::string()> source) { impact_ = std::move(source); }
  /// The daemon's periodic chores, run on the loop's thread after each evaluation.
  void SetHousekeeping(std::function<void()> chores) { housekeeping_ = std::move(chores); }
  /// Where each evaluation's alerts go instead of straight to the notifier (cluster mode:
  /// the exchange that merges the replicas' alerts). Set before Start().
  using AlertSink = std::function<void(const std::vector<Alert>& alerts, TimePoint now)>;
  void SetAlertSink(AlertSink sink) { sink_ = std::move(sink); }

  void Start();
  void Stop();
  /// Runs one scrape + evaluation now (tests and the first tick).
  void Tick();
  std::vector<alerting::AlertState> ActiveAlerts() const;

 private:
  void Loop();
  AlertSink sink_;

  const Config& config_;
  Logger& log_;
  Notifier* notifier_;
  tsdb::SeriesStore store_;
  std::unique_ptr<alerting::AlertEvaluator> evaluator_;
  std::unique_ptr<alerting::SelfScraper> scraper_;
  std::unique_ptr<StorageHealth> state_health_;  // {data_dir}/alerts.json
  // flexport_agent_series_store_{series,samples,bytes,retention_seconds}: the memory the
  // rule engine holds, so its growth up to the retention is told apart from a leak.
  prometheus::Gauge* store_series_ = nullptr;
  prometheus::Gauge* store_samples_ = nullptr;
  prometheus::Gauge* store_bytes_ = nullptr;
  std::string generator_url_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
  size_t last_error_count_ = 0;
  std::function<std::string()> impact_;
  std::function<void()> housekeeping_;
};

}  // namespace fxagent
