/// The whole webhook relay wired together for the daemon: store, receiver, forwarder and
/// gap tracker built from `[webhooks]`. The HTTP layer calls receiver().Handle(); the
/// internal API uses store(), Replay(), PurgeDeadLetter() and gaps().Snapshot().
/// Threads: the store's writer thread (from construction) and the forwarder's delivery
/// thread (from Start()). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "agent/base/clock.h"
#include "agent/config/config.h"
#include "agent/metrics/storage_health.h"
#include "agent/webhooks/event_store.h"
#include "agent/webhooks/forwarder.h"
#include "agent/webhooks/gap_tracker.h"
#include "agent/webhooks/pg_event_store.h"
#include "agent/webhooks/receiver.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace fxagent {

/// Knobs beyond the configuration, mostly for tests.
struct WebhookRelayOptions {
  std::chrono::milliseconds backoff_base = std::chrono::seconds(1);
  std::chrono::milliseconds backoff_max = std::chrono::minutes(5);
  std::chrono::milliseconds delivery_timeout = std::chrono::seconds(10);
  std::shared_ptr<const Clock> clock = MakeSystemClock();
  Logger* log = nullptr;  // store failures and recoveries; must outlive the relay
  /// Set = cluster mode: the spool is this PostgreSQL store (shared by every replica)
  /// instead of `data_dir/webhooks.db`; gap tracking and the spool gauges then follow
  /// the whole cluster's arrivals (synced every `cluster_sync_interval`).
  std::optional<PgEventStoreOptions> shared_store;
  std::chrono::milliseconds cluster_sync_interval = std::chrono::seconds(1);
};

class WebhookRelay {
 public:
  /// Opens `data_dir/webhooks.db` (creating the directory), or the shared store. `config` and
  /// `registry` must outlive the relay. Does not throw for I/O: an unwritable store answers 503 and
  /// shows in flexport_agent_storage_*{store="webhooks"}.
  WebhookRelay(const WebhooksSection& config, const std::string& data_dir,
               prometheus::Registry& registry, WebhookRelayOptions options = {});
  ~WebhookRelay();  // Stop(), then the store finishes queued writes
  WebhookRelay(const WebhookRelay&) = delete;
  WebhookRelay& operator=(const WebhookRelay&) = delete;

  /// Seeds gauges and gap tracking from the store, then starts the forwarder thread.
  void Start();
  /// Stops the forwarder (within about a second). Call after the HTTP listener stopped.
  void Stop();

  WebhookReceiver& receiver() { return *receiver_; }
  WebhookStore& store() { return *store_; }
  GapTracker& gaps() { return *gaps_; }
  WebhookForwarder& forwarder() { return *forwarder_; }

  /// Store::Replay plus a forwarder wake-up and gauge refresh.
  std::optional<int64_t> Replay(const ReplayRequest& request);
  std::optional<bool> PurgeDeadLetter(const std::string& id);
  /// Passes `tracer` (nullptr = no spans) to the receiver and the forwarder; it must
  /// outlive the relay. Call before Start().
  void SetTracer(Tracer* tracer) {
    receiver_->SetTracer(tracer);
    forwarder_->SetTracer(tracer);
  }
  /// For /readyz: the store accepted its last write.
  bool Ready() const { return store_->Healthy(); }
  /// True when the spool is the cluster's shared store.
  bool Shared() const { return shared_ != nullptr; }

 private:
  void ClusterSyncLoop();
  void ClusterSyncOnce();

  std::unique_ptr<StorageHealth> storage_health_;  // before store_: its writer reports here
  std::unique_ptr<WebhookStore> store_;
  std::unique_ptr<GapTracker> gaps_;
  std::unique_ptr<WebhookForwarder> forwarder_;
  std::unique_ptr<WebhookReceiver> receiver_;

  PgEventStore* shared_ = nullptr;  // store_ in cluster mode
  std::chrono::milliseconds sync_interval_{1000};
  int64_t synced_seq_ = 0;  // sync thread only (after Start)
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool sync_stopping_ = false;
  std::thread sync_thread_;
};

}  // namespace fxagent
