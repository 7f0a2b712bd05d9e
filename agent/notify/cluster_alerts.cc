#include "agent/notify/cluster_alerts.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/base/logger.h"
#include "agent/base/time_ms.h"
#include "agent/notify/notifier.h"
#include "agent/store/pg_connection.h"

namespace fxagent {

using nlohmann::json;

std::string ClusterAlertToJson(const Alert& alert) {
  return json{{"labels", alert.labels},
              {"annotations", alert.annotations},
              {"starts_at", Ms(alert.starts_at)},
              {"generator_url", alert.generator_url}}
      .dump();
}

std::optional<Alert> ClusterAlertFromJson(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("labels") || !j["labels"].is_object()) return std::nullopt;
  Alert a;
  try {
    a.labels = j["labels"].get<LabelSet>();
    if (j.contains("annotations")) a.annotations = j["annotations"].get<LabelSet>();
    a.starts_at = FromMs(j.value("starts_at", int64_t{0}));
    a.generator_url = j.value("generator_url", "");
  } catch (const json::exception&) {
    return std::nullopt;
  }
  return a;
}

std::vector<Alert> MergeClusterAlerts(const std::vector<ReportedAlert>& reports, int quorum) {
  std::map<std::string, std::vector<const ReportedAlert*>> by_fingerprint;
  for (const ReportedAlert& r : reports) {
    if (r.alert.Firing()) by_fingerprint[r.alert.Fingerprint()].push_back(&r);
  }
  std::vector<Alert> out;
  for (auto& [fp, list] : by_fingerprint) {
    std::sort(list.begin(), list.end(), [](const ReportedAlert* a, const ReportedAlert* b) {
      return a->instance < b->instance;
    });
    std::set<std::string> replicas;
    TimePoint starts = list.front()->alert.starts_at;
    for (const ReportedAlert* r : list) {
      replicas.insert(r->instance);
      starts = std::min(starts, r->alert.starts_at);
    }
    if (static_cast<int>(replicas.size()) < quorum) continue;
    Alert merged = list.front()->alert;
    merged.starts_at = starts;
    std::string names;
    for (const std::string& name : replicas) names += (names.empty() ? "" : ", ") + name;
    merged.annotations["replicas"] = names;
    out.push_back(std::move(merged));
  }
  return out;
}

ClusterAlertExchange::ClusterAlertExchange(ClusterAlertOptions options, Notifier& notifier,
                                           Logger& log)
    : options_(std::move(options)),
      notifier_(notifier),
      log_(log),
      db_(std::make_unique<PgConnection>(options_.conninfo, options_.schema)) {
  notifier_.SetOperatorListener([this](const std::string& kind, const std::string& text) {
    std::lock_guard<std::mutex> lock(outgoing_mu_);
    outgoing_.emplace_back(kind, text);
  });
}

ClusterAlertExchange::~ClusterAlertExchange() { notifier_.SetOperatorListener(nullptr); }

bool ClusterAlertExchange::Publish(const std::vector<Alert>& local) {
  std::vector<std::pair<std::string, std::string>> ops;
  {
    std::lock_guard<std::mutex> lock(outgoing_mu_);
    ops.swap(outgoing_);
  }
  const bool ok = PgTransaction(*db_, [&] {
    for (const auto& [kind, payload] : ops) {
      if (!db_->Exec("INSERT INTO cluster_operations(instance, kind, payload) VALUES($1, $2, $3)",
                     {options_.instance, kind, payload})) {
        return false;
      }
    }
    if (!db_->Exec("DELETE FROM cluster_alerts WHERE instance = $1", {options_.instance})) {
      return false;
    }
    for (const Alert& a : local) {
      if (!a.Firing()) continue;
      if (!db_->Exec("INSERT INTO cluster_alerts(instance, fingerprint, alert) VALUES($1, $2, "
                     "$3) ON CONFLICT (instance, fingerprint) DO UPDATE SET alert = "
                     "EXCLUDED.alert, updated_at = clock_timestamp()",
                     {options_.instance, a.Fingerprint(), ClusterAlertToJson(a)})) {
        return false;
      }
    }
    // An unchanged set still proves this replica's view is current.
    return db_
        ->Exec("UPDATE cluster_alerts SET updated_at = clock_timestamp() WHERE instance = $1",
               {options_.instance})
        .has_value();
  });
  if (!ok) {
    // Not lost: sent with the next exchange.
    std::lock_guard<std::mutex> lock(outgoing_mu_);
    outgoing_.insert(outgoing_.begin(), ops.begin(), ops.end());
  }
  return ok;
}

bool ClusterAlertExchange::ApplyOperations(TimePoint now) {
  auto rows = db_->Exec(
      "SELECT seq, kind, payload FROM cluster_operations WHERE seq > $1 AND instance <> $2 "
      "ORDER BY seq LIMIT 1000",
      {applied_seq_, options_.instance});
  if (!rows) return false;
  for (size_t r = 0; r < rows->size(); ++r) {
    notifier_.ApplyReplicated(rows->Text(r, 1), rows->Text(r, 2), now);
    applied_seq_ = rows->Int(r, 0);
  }
  return true;
}

std::optional<std::vector<Alert>> ClusterAlertExchange::Merged() {
  const std::string lease = PgInterval(options_.lease);
  auto rows = db_->Exec(
      "SELECT a.instance, a.alert FROM cluster_alerts a JOIN cluster_replicas r ON r.instance = "
      "a.instance WHERE r.last_seen >= clock_timestamp() - $1::interval AND a.updated_at >= "
      "clock_timestamp() - $1::interval",
      {lease});
  auto live = db_->Exec(
      "SELECT count(*) FROM cluster_replicas WHERE last_seen >= clock_timestamp() - $1::interval",
      {lease});
  if (!rows || !live) return std::nullopt;
  std::vector<ReportedAlert> reports;
  for (size_t r = 0; r < rows->size(); ++r) {
    if (auto a = ClusterAlertFromJson(rows->Text(r, 1))) {
      reports.push_back({rows->Text(r, 0), std::move(*a)});
    }
  }
  // A fleet that shrank below the quorum still pages: every live replica agreeing is enough.
  const int quorum = std::max(1, std::min<int>(options_.quorum, static_cast<int>(live->Int(0, 0))));
  return MergeClusterAlerts(reports, quorum);
}

void ClusterAlertExchange::Exchange(const std::vector<Alert>& local, TimePoint now) {
  std::optional<std::vector<Alert>> merged;
  if (db_->EnsureOpen() && Publish(local) && ApplyOperations(now)) merged = Merged();
  if (!merged) {
    if (!isolated_) {
      log_.Warn("cannot reach the shared store: this replica notifies on its own until it can",
                {{"error", db_->LastError()}});
    }
    isolated_ = true;
    notifier_.Update(local, now);
    notifier_.SetDelivering(true);
    return;
  }
  if (isolated_) log_.Info("shared store reachable again: alerts merged across the cluster");
  isolated_ = false;
  notifier_.Update(*merged, now);
  notifier_.SetDelivering(options_.is_leader ? options_.is_leader() : true);
}

}  // namespace fxagent
