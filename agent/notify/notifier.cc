#include "agent/notify/notifier.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "agent/notify/dispatch/json_time.h"
#include "agent/notify/notifier_impl.h"

namespace fxagent {

using nlohmann::json;

std::string GroupToJson(const Group& g) {
  Notification n;  // reuse the notification codec for the alerts
  n.group_key = g.key;
  for (const auto& [fp, a] : g.alerts) n.alerts.push_back(a);
  json j = {{"route", g.route},
            {"group_labels", g.group_labels},
            {"alerts", json::parse(NotificationToJson(n))},
            {"notified", g.notified},
            {"first_seen", OptMs(g.first_seen)},
            {"last_flush", OptMs(g.last_flush)},
            {"last_refresh", OptMs(g.last_refresh)},
            {"escalated", g.escalated},
            {"incident_id", g.incident_id}};
  return j.dump();
}

std::optional<Group> GroupFromJson(const std::string& key, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Group g;
    g.key = key;
    g.route = j.at("route").get<size_t>();
    g.group_labels = j.at("group_labels").get<LabelSet>();
    std::optional<Notification> n = NotificationFromJson(j.at("alerts").dump());
    if (!n) return std::nullopt;
    for (Alert& a : n->alerts) g.alerts[a.Fingerprint()] = std::move(a);
    g.notified = j.at("notified").get<std::map<std::string, bool>>();
    g.first_seen = OptFrom(j.at("first_seen"));
    g.last_flush = OptFrom(j.at("last_flush"));
    g.last_refresh = OptFrom(j.at("last_refresh"));
    g.escalated = j.at("escalated").get<bool>();
    g.incident_id = j.at("incident_id").get<int64_t>();
    g.saved_json = text;
    return g;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Notifier::Impl::Impl(const Config& cfg, const std::string& data_dir, prometheus::Registry& registry,
                     Logger& logger, Clock& clk, NotifierOptions opts)
    : config(cfg), log(logger), clock(clk), options(std::move(opts)) {
  ReceiverContext ctx{options.external_url};
  for (const ReceiverConfig& rc : config.receivers) {
    std::unique_ptr<Receiver> r = MakeReceiver(rc, ctx);
    if (!r) throw std::runtime_error("receiver " + rc.name + ": unknown type " + rc.type);
    receivers[rc.name] = std::move(r);
  }
  for (const RouteConfig& rc : config.routes) {
    std::string error;
    std::optional<LabelMatchers> m = ParseMatchers(rc.matchers, &error);
    if (!m) throw std::runtime_error("routes: " + error);
    for (const std::string& name : rc.receivers) {
      if (!receivers.contains(name)) throw std::runtime_error("routes: unknown receiver " + name);
    }
    routes.push_back({rc, std::move(*m)});
  }
  std::string error;
  inhibitor = Inhibitor::Make(config.inhibit, &error);
  if (!inhibitor) throw std::runtime_error("inhibit: " + error);

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  std::string path = (std::filesystem::path(data_dir) / "notify.db").string();
  if (!db.Open(path, &error)) throw std::runtime_error("cannot open " + path + ": " + error);
  storage_health = std::make_unique<StorageHealth>(registry, kStoreNotifications, &log);
  db.SetWriteObserver([health = storage_health.get()](bool ok, const std::string& error) {
    health->Record(ok, error);
  });
  outbox = std::make_unique<Outbox>(db);
  store = std::make_unique<StateStore>(db);
  http = options.http ? options.http : std::shared_ptr<HttpClient>(MakeCurlHttpClient());

  SenderMetrics metrics;
  metrics.total = &prometheus::BuildCounter()
                       .Name("flexport_notifications_total")
                       .Help("Notification delivery attempts by receiver and outcome")
                       .Register(registry);
  metrics.queue_depth = &prometheus::BuildGauge()
                             .Name("flexport_notifications_queue_depth")
                             .Help("Notifications in the durable outbox not yet delivered")
                             .Register(registry)
                             .Add({});
  metrics.oldest_age = &prometheus::BuildGauge()
                            .Name("flexport_notifications_oldest_age_seconds")
                            .Help("Age of the oldest undelivered notification")
                            .Register(registry)
                            .Add({});
  sender = std::make_unique<Sender>(*outbox, receivers, *http, clock, log, metrics,
                                    SenderOptions{options.backoff_base, options.backoff_max,
                                                  options.max_age, options.fallback_after});

  silences = store->LoadSilences();
  acks = store->LoadAcks();
  for (Incident& i : store->LoadIncidents()) incidents[i.id] = std::move(i);
  for (const auto& [key, text] : store->LoadGroups()) {
    std::optional<Group> g = GroupFromJson(key, text);
    if (g && g->route < routes.size()) {
      for (const auto& [fp, a] : g->alerts) {
        if (a.Firing()) firing_now.insert(fp);
      }
      groups[key] = std::move(*g);
    } else {
      store->DeleteGroup(key);  // written by another configuration
    }
  }
  sender->UpdateGauges();
}

void Notifier::Impl::WakeSender() {
  std::lock_guard<std::mutex> lock(thread_mu);
  send_wanted = true;
  thread_cv.notify_all();
}

Notifier::Notifier(const Config& config, const std::string& data_dir,
                   prometheus::Registry& registry, Logger& log, Clock& clock,
                   NotifierOptions options)
    : impl_(std::make_unique<Impl>(config, data_dir, registry, log, clock, std::move(options))) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Update(const std::vector<Alert>& alerts, TimePoint now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->UpdateLocked(alerts, now);
}

void Notifier::Tick(TimePoint now) {
  {
    // Writes that failed (a full disk) are retried here too, so the store recovers and
    // its health shows it even when nothing else changes.
    std::lock_guard<std::mutex> lock(impl_->db.mu());
    impl_->db.Retry();
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->TickLocked(now);
}

size_t Notifier::DeliverNow() {
  if (!impl_->delivering) return 0;
  std::lock_guard<std::mutex> lock(impl_->send_mu);
  return impl_->sender->RunOnce();
}

void Notifier::Start() {
  Impl& d = *impl_;
  {
    std::lock_guard<std::mutex> lock(d.thread_mu);
    if (d.dispatch_thread.joinable()) return;
    d.stopping = false;
  }
  d.dispatch_thread = std::thread([&d, this] {
    std::unique_lock<std::mutex> lock(d.thread_mu);
    while (!d.stopping) {
      lock.unlock();
      Tick(d.clock.Now());
      lock.lock();
      d.thread_cv.wait_for(lock, d.options.poll_interval, [&d] { return d.stopping; });
    }
  });
  d.send_thread = std::thread([&d, this] {
    std::unique_lock<std::mutex> lock(d.thread_mu);
    while (!d.stopping) {
      d.send_wanted = false;
      lock.unlock();
      DeliverNow();
      lock.lock();
      d.thread_cv.wait_for(lock, d.options.poll_interval,
                           [&d] { return d.stopping || d.send_wanted; });
    }
  });
}

void Notifier::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard<std::mutex> lock(d.thread_mu);
    d.stopping = true;
    d.thread_cv.notify_all();
  }
  if (d.dispatch_thread.joinable()) d.dispatch_thread.join();
  if (d.send_thread.joinable()) d.send_thread.join();
}

std::vector<QueuedNotification> Notifier::Queued() const {
  std::vector<QueuedNotification> out;
  for (OutboxEntry& e : impl_->outbox->All()) {
    out.push_back({e.id, e.receiver, e.on_fallback, e.attempts, e.next_attempt_at,
                   std::move(e.notification)});
  }
  return out;
}

const Clock& Notifier::clock() const { return impl_->clock; }

void Notifier::SetTracer(Tracer* tracer) { impl_->sender->SetTracer(tracer); }

}  // namespace fxagent
