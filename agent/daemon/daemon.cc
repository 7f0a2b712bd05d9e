#include "agent/daemon/daemon.h"

#include <httplib.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "agent/base/clock.h"
#include "agent/base/version.h"
#include "agent/daemon/credential_factory.h"
#include "agent/daemon/heap_maintenance.h"
#include "agent/daemon/http_routes.h"
#include "agent/daemon/probe_tracing.h"
#include "agent/daemon/prober_options.h"
#include "agent/daemon/rule_loop.h"
#include "agent/metrics/process_collector.h"
#include "agent/notify/cluster_alerts.h"
#include "agent/notify/incidents/impact.h"
#include "agent/notify/notifier.h"
#include "agent/proxy/egress_proxy.h"
#include "agent/runtime/cgroup_tasks.h"
#include "agent/runtime/elastic_thread_pool.h"
#include "agent/store/cluster.h"
#include "agent/store/pg_connection.h"
#include "agent/store/schema.h"
#include "agent/tracing/make_tracer.h"
#include "agent/webhooks/reconciler.h"
#include "agent/webhooks/relay.h"
#include "flexport/api_metrics.h"
#include "probes/probe_board.h"
#include "probes/probe_metrics.h"
#include "probes/probe_scheduler.h"
#include "rules/alerting/rule.h"

namespace fxagent {
namespace {

using nlohmann::json;

double ToUnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// One listener: an httplib server bound at start-up and served on its own thread.
struct Listener {
  std::string name;
  httplib::Server server;
  std::thread thread;
  ListenAddress bound;

  int listen_fd = -1;  // the listening socket, recorded by the socket-options callback

  void Bind(const ListenAddress& want) {
    int port = want.port;
    if (port == 0) {
      port = server.bind_to_any_port(want.host);
      if (port < 0) port = 0;
    } else if (!server.bind_to_port(want.host, port)) {
      port = 0;
    }
    if (port == 0) {
      throw std::runtime_error("cannot listen on " + want.ToString() + " (" + name +
                               " listener): address in use or not available");
    }
    bound = {want.host, static_cast<uint16_t>(port)};
    // httplib 0.11 listens with a backlog of 5: a burst of a few connections (webhook
    // senders, or anyone) overflows it and the dropped SYNs cost their clients a second
    // each. Listening again on the bound socket only raises the backlog.
    if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  }
  void Serve() {
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  void Stop() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

// The public listener's threads. Measured in tests/hostile: 300 slowloris connections
// (each holding a thread) no longer starve signed webhooks; idle, the agent keeps 4
// threads instead of 128 (~1 MiB less RSS in bench/footprint).
ElasticThreadPoolOptions PublicPoolOptions(Logger& log) {
  ElasticThreadPoolOptions o;
  o.core_threads = 4;
  // The cap bounds what hostile clients can take. Memory: 300 held connections added
  // ~5 MiB RSS (stacks are touched only as deep as a request goes), so 1024 stay far
  // below the unit's MemoryMax, and their fds below LimitNOFILE. CPU: httplib 0.11 polls
  // a connection waiting for its next request every 10 ms, so 1000 idle keep-alive
  // connections cost ~1.8 cores (still answering signed webhooks, p99 63 ms). Beyond the
  // cap, connections wait in a FIFO of 1024, then in the listen backlog (the accept loop
  // blocks: enqueue() returns void in httplib 0.11, so a connection cannot be refused).
  o.max_threads = 1024;
  o.max_queued = 1024;
  o.idle_timeout = std::chrono::seconds(5);
  // httplib 0.11 parses a Range header with std::regex before any handler runs, and
  // libstdc++'s regex recurses ~600 bytes of stack per character: a Range header at the
  // 8 KiB line limit needs ~5 MiB. A smaller stack lets one request crash the agent
  // (tests/hostile MaxLengthRangeHeaders...), so 8 MiB whatever `ulimit -s` says; it is
  // virtual memory, only the touched pages are resident.
  o.stack_size = 8u << 20;
  o.name = "fxa-public";
  // Every thread of the process counts against the cgroup's pids limit (systemd TasksMax,
  // container pid limits): leave room for the others, which start threads on demand too
  // (libcurl resolves each host name on a new thread).
  constexpr int64_t kReservedTasks = 32;
  o.can_grow = [tasks = CgroupTasks::ForThisProcess()] {
    const std::optional<int64_t> free = tasks.Free();
    return !free || *free > kReservedTasks;
  };
  o.on_saturated = [&log](size_t threads, size_t queued) {
    log.Warn("public listener saturated: connections wait for a thread",
             {{"threads", std::to_string(threads)}, {"queued", std::to_string(queued)}});
  };
  return o;
}

}  // namespace

struct Daemon::Impl {
  Impl(Config c, Logger& l)
      : config(std::move(c)),
        log(l),
        process(std::make_shared<ProcessCollector>()),
        api_metrics(registry),
        probe_metrics(registry, api_metrics),
        egress(config.proxy, config.flexport.api_base, api_metrics, registry, log) {}

  Config config;
  Logger& log;
  prometheus::Registry registry;
  std::unique_ptr<Tracer> tracer;
  std::shared_ptr<ProcessCollector> process;
  ApiMetrics api_metrics;
  ProbeMetrics probe_metrics;
  ProbeBoard board;
  std::unique_ptr<CredentialSource> credentials;
  std::unique_ptr<ProbeScheduler> scheduler;
  std::unique_ptr<ClusterMembership> cluster;  // cluster mode only
  std::unique_ptr<WebhookRelay> relay;
  SystemClock clock;
  std::unique_ptr<Notifier> notifier;
  std::unique_ptr<WebhookReconciler> reconciler;         // after relay and credentials: stops first
  std::unique_ptr<ClusterAlertExchange> alert_exchange;  // cluster mode only
  std::unique_ptr<RuleLoop> rule_loop;
  HeapTrimmer heap_trimmer{std::chrono::seconds(30)};
  bool status_page_unresolved = false;  // scheduler thread only
  std::atomic<int64_t> last_api_success_ms{0};
  std::atomic<int64_t> rate_limited_calls{0};

  std::string Impact() const;
  DaemonServices services;
  std::map<std::string, std::string> last_reason;  // scheduler thread only
  Listener public_listener{"public", {}, {}, {}};
  Listener internal_listener{"internal", {}, {}, {}};
  EgressProxy egress;
  ListenAddress egress_bound;
  std::atomic<bool> ready{false};
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();

  void OnProbeResult(const ProbeResult& r);
  void WriteListenFile() const;
  /// Cluster mode: migrates the shared store's schema, joins the cluster and points the
  /// relay at the shared spool. Embedded mode: this process is the whole "cluster".
  void SetUpStorage(WebhookRelayOptions& relay_options);
};

void Daemon::Impl::SetUpStorage(WebhookRelayOptions& relay_options) {
  if (!config.storage.Shared()) {
    for (const char* name : {"flexport_agent_cluster_leader", "flexport_agent_cluster_replicas"}) {
      prometheus::BuildGauge()
          .Name(name)
          .Help("Cluster leadership and live replicas (embedded store: this process alone)")
          .Register(registry)
          .Add({})
          .Set(1);
    }
    return;
  }
  const StorageSection& storage = config.storage;
  PgConnection db(storage.url, "");
  if (!db.Connect()) throw std::runtime_error("cannot reach the shared store: " + db.LastError());
  const MigrationOutcome migrated = MigrateSchema(db, storage.schema);
  if (!migrated.ok) {
    throw std::runtime_error("cannot migrate the shared store's schema: " + migrated.error);
  }
  for (int version : migrated.applied) {
    log.Info("shared store: schema migration applied",
             {{"schema", storage.schema}, {"version", std::to_string(version)}});
  }
  const auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(config.cluster.lease);
  cluster = std::make_unique<ClusterMembership>(ClusterOptions{.conninfo = storage.url,
                                                               .schema = storage.schema,
                                                               .instance = config.agent.instance,
                                                               .lease = lease,
                                                               .log = &log},
                                                registry);
  if (auto error = cluster->Join()) throw std::runtime_error(*error);
  log.Info("joined the cluster", {{"instance", config.agent.instance},
                                  {"schema", storage.schema},
                                  {"replicas", std::to_string(cluster->LiveReplicas())},
                                  {"leader", cluster->IsLeader() ? "true" : "false"}});
  relay_options.shared_store = PgEventStoreOptions{.conninfo = storage.url,
                                                   .schema = storage.schema,
                                                   .instance = config.agent.instance,
                                                   .lease = lease};
}

void Daemon::Impl::OnProbeResult(const ProbeResult& r) {
  probe_metrics.Record(r);
  if (r.kind == ProbeKind::kApi && r.success) {
    last_api_success_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(r.finished_at.time_since_epoch())
            .count();
  }
  if (r.http_status == 429) ++rate_limited_calls;
  TraceProbe(*tracer, r);
  board.Update(r);
  if (r.status_page && notifier) {
    const bool unresolved = !r.status_page->incidents.empty();
    if (unresolved != status_page_unresolved) {
      notifier->SetStatusPageUnresolved(unresolved, std::chrono::system_clock::now());
      status_page_unresolved = unresolved;
    }
  }
  auto& previous = last_reason[r.probe];
  if (r.reason != previous) {
    if (r.success) {
      log.Info("probe recovered", {{"probe", r.probe}, {"kind", ProbeKindName(r.kind)}});
    } else {
      log.Warn("probe failed", {{"probe", r.probe},
                                {"kind", ProbeKindName(r.kind)},
                                {"reason", r.reason},
                                {"http_status", std::to_string(r.http_status)},
                                {"detail", r.detail}});
    }
    previous = r.reason;
  }
}

void Daemon::Impl::WriteListenFile() const {
  const std::filesystem::path dir(config.agent.data_dir);
  const json j = {{"public", public_listener.bound.ToString()},
                  {"internal", internal_listener.bound.ToString()},
                  {"egress", egress_bound.ToString()}};
  const auto tmp = dir / "listen.json.tmp";
  {
    std::ofstream out(tmp);
    out << j.dump() << "\n";
  }
  std::filesystem::rename(tmp, dir / "listen.json");
}

std::string Daemon::Impl::Impact() const {
  ImpactFacts f;
  f.now = std::chrono::system_clock::now();
  for (const auto& r : board.Snapshot()) {
    if (r.kind == ProbeKind::kApi && !r.success) f.api_failing = true;
  }
  if (const int64_t ms = last_api_success_ms; ms > 0) {
    f.last_api_success = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  }
  for (const auto& gap : relay->gaps().Snapshot()) {
    if (gap.last_arrival && (!f.last_webhook || *gap.last_arrival > *f.last_webhook)) {
      f.last_webhook = gap.last_arrival;
    }
  }
  if (relay->store().Counts().dead > 0) {
    DeadLetterQuery q;
    q.limit = 1000;
    if (auto page = relay->store().DeadLetters(q)) {
      std::set<std::string> shipments;
      for (const auto& e : page->items) {
        if (!e.shipment_key.empty()) shipments.insert(e.shipment_key);
      }
      f.affected_shipments = static_cast<int>(shipments.size());
    }
  }
  f.rate_limited_calls = rate_limited_calls;
  return DescribeImpact(f);
}

Daemon::Daemon(Config config, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(config), log)) {}

Daemon::~Daemon() { Stop(); }

void Daemon::Start() {
  Impl& d = *impl_;
  // Before any thread starts (bench/soak: the RSS a backlog leaves behind).
  LimitHeapArenas(2);
  std::error_code ec;
  std::filesystem::create_directories(d.config.agent.data_dir, ec);
  if (ec) {
    throw std::runtime_error("cannot create data_dir " + d.config.agent.data_dir + ": " +
                             ec.message());
  }
  std::filesystem::permissions(d.config.agent.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);

  prometheus::BuildGauge()
      .Name("flexport_agent_build_info")
      .Help("Build information of the running agent")
      .Register(d.registry)
      .Add({{"version", AgentVersion()}})
      .Set(1);
  if (d.config.flexport.api_key_expires_at) {
    d.probe_metrics.SetKeyExpiry(ToUnixSeconds(*d.config.flexport.api_key_expires_at));
  }

  d.tracer = MakeTracer(d.config.tracing, d.config.agent.instance, AgentVersion(), d.registry);
  d.credentials = MakeCredentialSource(
      d.config, d.log, [&d](double expiry) { d.probe_metrics.SetTokenExpiry(expiry); },
      &d.registry);
  auto probers = BuildProbers(ProberOptionsFromConfig(d.config), *d.credentials);
  for (const auto& p : probers) d.services.probe_names.push_back(p->Name());
  d.scheduler = std::make_unique<ProbeScheduler>(
      std::move(probers), [&d](const ProbeResult& r) { d.OnProbeResult(r); },
      [&d](const std::string& probe) {
        d.probe_metrics.RecordSkipped(probe);
        d.log.Warn("probe skipped: previous run still in flight", {{"probe", probe}});
      });

  WebhookRelayOptions relay_options;
  relay_options.log = &d.log;
  d.SetUpStorage(relay_options);
  d.relay = std::make_unique<WebhookRelay>(d.config.webhooks, d.config.agent.data_dir, d.registry,
                                           relay_options);
  d.services.config = &d.config;
  d.services.log = &d.log;
  d.services.registry = &d.registry;
  d.services.process = d.process.get();
  d.services.board = &d.board;
  NotifierOptions notifier_options;
  notifier_options.external_url = "http://" + d.config.listen.internal.ToString();
  // The notifier polls its SQLite outbox; once a second keeps idle CPU low and still
  // delivers within a second of an evaluation.
  notifier_options.poll_interval = std::chrono::seconds(1);
  d.notifier = std::make_unique<Notifier>(d.config, d.config.agent.data_dir, d.registry, d.log,
                                          d.clock, notifier_options);
  d.rule_loop = std::make_unique<RuleLoop>(
      d.config, std::vector<const prometheus::Collectable*>{&d.registry, d.process.get()},
      d.registry, d.notifier.get(), d.log);
  d.egress.SetTracer(d.tracer.get());
  d.relay->SetTracer(d.tracer.get());
  d.notifier->SetTracer(d.tracer.get());
  d.services.relay = d.relay.get();
  d.services.notifier = d.notifier.get();
  d.services.rule_loop = d.rule_loop.get();
  d.rule_loop->SetImpactSource([&d] { return d.Impact(); });
  d.rule_loop->SetHousekeeping([&d] { d.heap_trimmer.MaybeTrim(); });
  if (d.cluster) {
    // Standby until the first exchange says whether this replica leads.
    d.notifier->SetDelivering(false);
    d.alert_exchange = std::make_unique<ClusterAlertExchange>(
        ClusterAlertOptions{
            .conninfo = d.config.storage.url,
            .schema = d.config.storage.schema,
            .instance = d.config.agent.instance,
            .lease = std::chrono::duration_cast<std::chrono::milliseconds>(d.config.cluster.lease),
            .quorum = d.config.cluster.alert_quorum,
            .is_leader = [&d] { return d.cluster->IsLeader(); }},
        *d.notifier, d.log);
    d.rule_loop->SetAlertSink([&d](const std::vector<Alert>& alerts, TimePoint now) {
      d.alert_exchange->Exchange(alerts, now);
    });
  }
  d.services.ready = &d.ready;
  d.services.started_at = d.started_at;
  InstallInternalRoutes(d.internal_listener.server, d.services);
  InstallPublicRoutes(d.public_listener.server, d.services);
  for (Listener* l : {&d.internal_listener, &d.public_listener}) {
    // Small JSON answers: without TCP_NODELAY, delayed ACKs add ~40 ms to each response.
    l->server.set_socket_options([l](int sock) {
      l->listen_fd = sock;
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    });
    l->server.set_read_timeout(std::chrono::seconds(l == &d.public_listener ? 5 : 10));
    l->server.set_write_timeout(std::chrono::seconds(10));
  }
  d.public_listener.server.set_payload_max_length(d.config.webhooks.max_body);
  // Flexport delivers webhooks over many concurrent connections and each request waits
  // for its group commit, and the listener faces the internet: slow or idle clients each
  // hold a thread for as long as they trickle bytes (httplib's timeouts are per read). So
  // the pool is elastic (a thread per connection while no thread is idle, surplus threads
  // exit after 5 s idle), idle keep-alive connections are dropped after a second and reads
  // time out sooner. See PublicPoolOptions() for the limits.
  d.public_listener.server.new_task_queue = [&d] {
    return NewHttpTaskQueue(PublicPoolOptions(d.log));
  };
  d.public_listener.server.set_keep_alive_max_count(1000);
  d.public_listener.server.set_keep_alive_timeout(1);
  // The internal listener serves scrapes and a few API calls: a small pool is plenty.
  d.internal_listener.server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  d.internal_listener.Bind(d.config.listen.internal);
  d.public_listener.Bind(d.config.listen.public_addr);
  d.egress_bound = d.egress.Bind(d.config.listen.egress);
  d.egress.Start();
  d.log.Info("listening", {{"listener", "egress"}, {"address", d.egress_bound.ToString()}});
  for (Listener* l : {&d.internal_listener, &d.public_listener}) {
    l->Serve();
    d.log.Info("listening", {{"listener", l->name}, {"address", l->bound.ToString()}});
  }
  d.relay->Start();
  if (d.config.webhooks.reconcile.enabled) {
    d.reconciler = std::make_unique<WebhookReconciler>(
        d.config.flexport, d.config.webhooks.reconcile, d.config.webhooks, *d.relay, *d.credentials,
        d.registry, d.log,
        ReconcilerOptions{.settle = std::chrono::duration_cast<std::chrono::milliseconds>(
                              d.config.webhooks.reconcile.settle),
                          .active = [&d] { return !d.cluster || d.cluster->IsLeader(); }});
    d.reconciler->Start();
  }
  d.notifier->Start();
  d.WriteListenFile();
  d.scheduler->Start();
  d.rule_loop->Start();
  d.ready = true;
  d.log.Info("agent started", {{"version", AgentVersion()},
                               {"instance", d.config.agent.instance},
                               {"probes", std::to_string(d.services.probe_names.size())}});
}

void Daemon::Stop() {
  if (!impl_) return;
  Impl& d = *impl_;
  d.ready = false;
  if (d.rule_loop) d.rule_loop->Stop();
  if (d.scheduler) d.scheduler->Stop();
  d.public_listener.Stop();
  d.egress.Stop();
  d.internal_listener.Stop();
  if (d.reconciler) d.reconciler->Stop();
  if (d.relay) d.relay->Stop();
  if (d.notifier) d.notifier->Stop();
  if (d.cluster) d.cluster->Stop();  // hands the lease over at once
  if (d.tracer) d.tracer->Stop();
}

Daemon::Addresses Daemon::addresses() const {
  return {impl_->public_listener.bound, impl_->internal_listener.bound, impl_->egress_bound};
}

const ProbeBoard& Daemon::board() const { return impl_->board; }

int RunDaemonUntilSignal(Config config, Logger& log) {
  // Block the signals before any thread starts so only sigwait() below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Few threads allocate much: two malloc arenas keep resident memory low and stable.
  mallopt(M_ARENA_MAX, 2);
  Daemon daemon(std::move(config), log);
  try {
    daemon.Start();
  } catch (const alerting::RuleError& e) {
    log.Error("invalid rule file", {{"error", e.what()}});
    daemon.Stop();
    return 78;
  } catch (const std::exception& e) {
    log.Error("cannot start", {{"error", e.what()}});
    daemon.Stop();
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  log.Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  daemon.Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace fxagent
