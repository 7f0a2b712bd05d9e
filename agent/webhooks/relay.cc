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
  store_options.on_write = [health = storage_health_.get()](bool ok, const std::string& error) {
    health->Record(ok, error);
  };
  store_ = std::make_unique<WebhookEventStore>(store_options);

  GapTrackerOptions gap_options;
  gap_options.expect = config.expect;
  gap_options.clock = options.clock;
  gaps_ = std::make_unique<GapTracker>(gap_options, registry);

  ForwarderOptions forwarder_options = ForwarderOptions::FromConfig(config);
  forwarder_options.backoff_base = options.backoff_base;
  forwarder_options.backoff_max = options.backoff_max;
  forwarder_options.timeout = options.delivery_timeout;
  forwarder_options.clock = options.clock;
  forwarder_ = std::make_unique<WebhookForwarder>(forwarder_options, *store_, registry);

  receiver_ = std::make_unique<WebhookReceiver>(
      config, *store_, registry,
      ReceiverHooks{.on_stored = [f = forwarder_.get()] { f->Wake(); },
                    .gaps = gaps_.get(),
                    .clock = options.clock});
}

WebhookRelay::~WebhookRelay() { Stop(); }

void WebhookRelay::Start() {
  receiver_->SeedLastReceived(store_->LastReceivedByType());
  gaps_->Seed(store_->RecentArrivals(kSeedArrivals));
  receiver_->RefreshStoreGauges();
  forwarder_->Start();
}

void WebhookRelay::Stop() { forwarder_->Stop(); }

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
