#include "agent/webhooks/relay.h"

namespace fxagent {

namespace {

// Arrival times loaded per type at start-up for learning gaps.
constexpr size_t kSeedArrivals = 101;

}  // namespace

WebhookRelay::WebhookRelay(const WebhooksSection& config, const std::string& data_dir,
                           prometheus::Registry& registry, WebhookRelayOptions options) {
  if (!options.clock) options.clock = MakeSystemClock();
  EventStoreOptions store_options;
  store_options.data_dir = data_dir;
  store_options.dedup_window = config.dedup_window;
  store_options.clock = options.clock;
  storage_health_ = std::make_unique<StorageHealth>(registry, kStoreWebhooks, options.log);
  auto on_write = [health = storage_health_.get()](bool ok, const std::string& error) {
    health->Record(ok, error);
  };
  if (options.shared_store) {
    PgEventStoreOptions pg = *options.shared_store;
    pg.dedup_window = config.dedup_window;
    pg.clock = options.clock;
    pg.on_write = on_write;
    auto shared = std::make_unique<PgEventStore>(std::move(pg));
    shared_ = shared.get();
    store_ = std::move(shared);
    sync_interval_ = options.cluster_sync_interval;
  } else {
    store_options.on_write = on_write;
    store_ = std::make_unique<WebhookEventStore>(store_options);
  }

  GapTrackerOptions gap_options;
  gap_options.expect = config.expect;
  gap_options.clock = options.clock;
  gaps_ = std::make_unique<GapTracker>(gap_options, registry);

  ForwarderOptions forwarder_options = ForwarderOptions::FromConfig(config);
  forwarder_options.backoff_base = options.backoff_base;
  forwarder_options.backoff_max = options.backoff_max;
  forwarder_options.timeout = options.delivery_timeout;
  forwarder_options.clock = options.clock;
  // Another replica's events (and leases that expired) are found by polling.
  if (shared_ != nullptr) forwarder_options.poll_interval = std::chrono::seconds(1);
  forwarder_ = std::make_unique<WebhookForwarder>(forwarder_options, *store_, registry);

  receiver_ = std::make_unique<WebhookReceiver>(
      config, *store_, registry,
      ReceiverHooks{.on_stored = [f = forwarder_.get()] { f->Wake(); },
                    // In a cluster, arrivals anywhere are observed by the sync thread.
                    .gaps = shared_ != nullptr ? nullptr : gaps_.get(),
                    .clock = options.clock});
}

WebhookRelay::~WebhookRelay() { Stop(); }

void WebhookRelay::Start() {
  receiver_->SeedLastReceived(store_->LastReceivedByType());
  gaps_->Seed(store_->RecentArrivals(kSeedArrivals));
  receiver_->RefreshStoreGauges();
  forwarder_->Start();
  if (shared_ != nullptr && !sync_thread_.joinable()) {
    synced_seq_ = shared_->MaxArrivalSeq();
    sync_stopping_ = false;
    sync_thread_ = std::thread([this] { ClusterSyncLoop(); });
  }
}

void WebhookRelay::Stop() {
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  forwarder_->Stop();
}

void WebhookRelay::ClusterSyncLoop() {
  std::unique_lock<std::mutex> lock(sync_mu_);
  while (!sync_cv_.wait_for(lock, sync_interval_, [this] { return sync_stopping_; })) {
    lock.unlock();
    ClusterSyncOnce();
    lock.lock();
  }
}

void WebhookRelay::ClusterSyncOnce() {
  constexpr size_t kPage = 5000;
  std::map<std::string, EventTime> last;
  for (;;) {
    std::vector<Arrival> arrivals = shared_->ArrivalsAfter(synced_seq_, kPage);
    for (const Arrival& a : arrivals) {
      gaps_->Observe(a.type, a.received_at);
      EventTime& t = last[a.type];
      t = std::max(t, a.received_at);
      synced_seq_ = std::max(synced_seq_, a.seq);
    }
    if (arrivals.size() < kPage) break;
  }
  if (!last.empty()) receiver_->SeedLastReceived(last);
  receiver_->RefreshStoreGauges();
}

std::optional<int64_t> WebhookRelay::Replay(const ReplayRequest& request) {
  std::optional<int64_t> n = store_->Replay(request);
  receiver_->RefreshStoreGauges();
  if (n && *n > 0) forwarder_->Wake();
  return n;
}

std::optional<bool> WebhookRelay::PurgeDeadLetter(const std::string& id) {
  std::optional<bool> found = store_->PurgeDeadLetter(id);
  receiver_->RefreshStoreGauges();
  return found;
}

}  // namespace fxagent
