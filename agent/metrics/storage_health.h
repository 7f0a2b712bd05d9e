/// Health of one store of the agent's own durable state in `data_dir` (the webhook
/// spool, the notification outbox and incidents, the alert state):
/// `flexport_agent_storage_errors_total{store}` counts failed writes (disk full, I/O
/// error, read-only filesystem) and `flexport_agent_storage_healthy{store}` is 1 while
/// the store's last write succeeded, 0 from a failed write until one succeeds again.
/// Stores that fail retry by themselves, so the gauge returns to 1 once the disk has space.
/// Record() logs only the transitions (failing at error with the cause, recovered at
/// info), so a full disk does not flood the log. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
}  // namespace prometheus

namespace fxagent {

class Logger;

/// Values of the `store` label.
inline constexpr char kStoreWebhooks[] = "webhooks";
inline constexpr char kStoreNotifications[] = "notifications";
inline constexpr char kStoreAlertState[] = "alert_state";

class StorageHealth {
 public:
  /// `registry` and `log` (nullptr = no logs) must outlive this object. Starts healthy.
  StorageHealth(prometheus::Registry& registry, std::string store, Logger* log);
  StorageHealth(const StorageHealth&) = delete;
  StorageHealth& operator=(const StorageHealth&) = delete;

  /// One write's outcome. `error` is a short cause such as SQLite's "database or disk is
  /// full" (never data or secrets); `failures` counts several failed writes at once.
  void Record(bool ok, std::string_view error = {}, int failures = 1);

 private:
  std::string store_;
  Logger* log_;
  prometheus::Counter& errors_;
  prometheus::Gauge& healthy_gauge_;
  std::mutex mu_;
  bool healthy_ = true;
};

}  // namespace fxagent
