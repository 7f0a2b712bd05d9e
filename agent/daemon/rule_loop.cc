#include "agent/daemon/rule_loop.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>

#include "agent/notify/dispatch/alert.h"
#include "agent/notify/notifier.h"
#include "rules/alerting/rule_loader.h"

namespace fxagent {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimePoint FromMs(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace

std::vector<Alert> ToNotifierAlerts(const std::vector<alerting::AlertState>& states,
                                    const std::string& agent_instance,
                                    const std::string& generator_url) {
  std::vector<Alert> out;
  for (const auto& s : states) {
    if (s.state == alerting::AlertStatus::kPending) continue;
    Alert a;
    a.labels = s.labels();
    a.annotations = s.annotations();
    a.annotations["agent_instance"] = agent_instance;
    a.state = s.state == alerting::AlertStatus::kResolved ? Alert::State::kResolved
                                                          : Alert::State::kFiring;
    a.starts_at = FromMs(s.active_at_ms);
    if (s.state == alerting::AlertStatus::kResolved) a.ends_at = FromMs(s.resolved_at_ms);
    a.generator_url = generator_url;
    out.push_back(std::move(a));
  }
  return out;
}

RuleLoop::RuleLoop(const Config& config, std::vector<const prometheus::Collectable*> collectables,
                   prometheus::Registry& registry, Notifier* notifier, Logger& log)
    : config_(config), log_(log), notifier_(notifier) {
  alerting::RuleSet rules = alerting::LoadConfiguredRules(config.rules.files);
  alerting::AlertEvaluatorOptions options;
  options.state_path = config.agent.data_dir + "/alerts.json";
  scraper_ = std::make_unique<alerting::SelfScraper>(std::move(collectables), store_, rules);
  evaluator_ = std::make_unique<alerting::AlertEvaluator>(std::move(rules), registry, options);
  state_health_ = std::make_unique<StorageHealth>(registry, kStoreAlertState, &log_);
  const auto gauge = [&registry](const char* name, const char* help) {
    return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
  };
  store_series_ = gauge("flexport_agent_series_store_series",
                        "Series in the rule engine's in-memory store of the agent's own metrics");
  store_samples_ = gauge("flexport_agent_series_store_samples", "Samples held in the series store");
  store_bytes_ = gauge("flexport_agent_series_store_bytes",
                       "Bytes allocated for the series store's samples (timestamps and values)");
  gauge("flexport_agent_series_store_retention_seconds",
        "How long the series store keeps samples: the longest rule lookback + 5 min")
      ->Set(static_cast<double>(store_.retention_ms()) / 1000.0);
  std::string error;
  if (!evaluator_->RestoreState(&error)) {
    log_.Warn("cannot restore alert state; starting fresh", {{"error", error}});
  }
  generator_url_ = "http://" + config.listen.internal.ToString() + "/api/v1/alerts";
}

RuleLoop::~RuleLoop() { Stop(); }

void RuleLoop::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RuleLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RuleLoop::Tick() {
  const int64_t now = NowMs();
  scraper_->Scrape(now);
  const tsdb::StoreStats stats = store_.Stats();
  store_series_->Set(static_cast<double>(stats.series));
  store_samples_->Set(static_cast<double>(stats.samples));
  store_bytes_->Set(static_cast<double>(stats.sample_bytes));
  auto states = evaluator_->Evaluate(store_, now);
  // A failed save is retried on every evaluation until it works.
  const std::string save_error = evaluator_->last_save_error();
  state_health_->Record(save_error.empty(), save_error);
  const auto errors = evaluator_->last_errors();
  if (errors.size() != last_error_count_) {
    for (const auto& e : errors) log_.Warn("rule evaluation failed", {{"error", e}});
    last_error_count_ = errors.size();
  }
  if (notifier_ != nullptr) {
    if (impact_) {
      if (std::string impact = impact_(); !impact.empty()) {
        notifier_->SetImpact(impact, FromMs(now));
      }
    }
    auto alerts = ToNotifierAlerts(states, config_.agent.instance, generator_url_);
    if (sink_) {
      sink_(alerts, FromMs(now));
    } else {
      notifier_->Update(alerts, FromMs(now));
    }
  }
  if (housekeeping_) housekeeping_();
}

void RuleLoop::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Tick();
    lock.lock();
    wake_.wait_for(lock, config_.rules.evaluation_interval, [this] { return stop_; });
  }
}

std::vector<alerting::AlertState> RuleLoop::ActiveAlerts() const {
  return evaluator_->ActiveAlerts();
}

}  // namespace fxagent
