// Persistence of active alert state: JSON written atomically (tmp + fsync + rename).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rules/alerting/alert_evaluator.h"

namespace fxagent::alerting {

namespace {

constexpr int kStateVersion = 1;

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string AlertEvaluator::StateJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return StateJsonLocked();
}

std::string AlertEvaluator::StateJsonLocked() const {
  nlohmann::json alerts = nlohmann::json::array();
  std::map<std::string, int> occurrence;
  for (size_t i = 0; i < rules_.rules.size(); ++i) {
    const Rule& rule = rules_.rules[i];
    if (!rule.IsAlert()) continue;
    int index = occurrence[rule.alert]++;
    for (const auto& [labels, a] : active_[i]) {
      nlohmann::json j;
      j["rule"] = rule.alert;
      j["rule_index"] = index;
      j["labels"] = *a.labels;
      j["state"] = AlertStatusName(a.state);
      j["active_at_ms"] = a.active_at;
      j["fired_at_ms"] = a.fired_at;
      if (a.keep_firing_since) j["keep_firing_since_ms"] = *a.keep_firing_since;
      alerts.push_back(std::move(j));
    }
  }
  nlohmann::json root;
  root["version"] = kStateVersion;
  root["alerts"] = std::move(alerts);
  return root.dump(1);
}

bool AlertEvaluator::LoadStateJson(const std::string& json, std::string* error) {
  nlohmann::json root = nlohmann::json::parse(json, nullptr, false);
  if (root.is_discarded() || !root.is_object() || !root.contains("alerts") ||
      !root["alerts"].is_array()) {
    *error = "alert state is not a JSON object with an alerts list";
    return false;
  }
  std::vector<AlertMap> restored(rules_.rules.size());
  try {
    for (const nlohmann::json& j : root["alerts"]) {
      std::string name = j.at("rule").get<std::string>();
      int index = j.value("rule_index", 0);
      int seen = 0;
      size_t rule = rules_.rules.size();
      for (size_t i = 0; i < rules_.rules.size(); ++i) {
        if (rules_.rules[i].alert != name) continue;
        if (rule == rules_.rules.size() || seen == index) rule = i;
        if (seen++ == index) break;
      }
      if (rule == rules_.rules.size()) continue;  // rule removed since
      auto labels = j.at("labels").get<std::map<std::string, std::string>>();
      // The severity may have changed in the rule file: keep the labels consistent.
      labels["severity"] = rules_.rules[rule].severity;
      Alert a;
      a.labels = std::make_shared<const StringMap>(labels);
      std::string state = j.at("state").get<std::string>();
      a.state = state == "firing" ? AlertStatus::kFiring : AlertStatus::kPending;
      a.active_at = j.at("active_at_ms").get<int64_t>();
      a.fired_at = j.value("fired_at_ms", int64_t{0});
      if (j.contains("keep_firing_since_ms")) {
        a.keep_firing_since = j["keep_firing_since_ms"].get<int64_t>();
      }
      std::vector<tsdb::Label> items;
      for (const auto& [name, value] : labels) items.push_back({name, value});
      restored[rule][tsdb::Labels::FromUnsorted(std::move(items))] = std::move(a);
    }
  } catch (const nlohmann::json::exception& e) {
    *error = std::string("malformed alert state: ") + e.what();
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  active_ = std::move(restored);
  RebuildIndex();
  last_saved_ = StateJsonLocked();
  state_dirty_ = false;
  UpdateGauges();
  return true;
}

bool AlertEvaluator::RestoreState(std::string* error) {
  if (options_.state_path.empty()) return true;
  std::ifstream in(options_.state_path, std::ios::binary);
  if (!in) return true;  // first start
  std::ostringstream text;
  text << in.rdbuf();
  if (!LoadStateJson(text.str(), error)) {
    *error = options_.state_path + ": " + *error;
    return false;
  }
  return true;
}

bool AlertEvaluator::SaveLocked(const std::string& json, std::string* error) {
  if (options_.state_path.empty()) return true;
  const std::string tmp = options_.state_path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = tmp + ": " + std::strerror(errno);
    return false;
  }
  bool ok = WriteAll(fd, json) && ::fsync(fd) == 0;
  int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), options_.state_path.c_str()) != 0) {
    *error = options_.state_path + ": " + std::strerror(ok ? errno : saved_errno);
    ::unlink(tmp.c_str());
    return false;
  }
  last_saved_ = json;
  return true;
}

}  // namespace fxagent::alerting
