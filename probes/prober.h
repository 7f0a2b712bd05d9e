/// The prober interface (as blackbox_exporter's Probers): each prober builds one request
/// per run and interprets its response. Implementations are immutable after
/// construction apart from their CredentialSource, so calls from one scheduler thread and
/// from `check` are safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flexport/http_types.h"
#include "probes/probe_result.h"

namespace fxagent {

class CredentialSource;

class Prober {
 public:
  virtual ~Prober() = default;
  virtual const std::string& Name() const = 0;
  virtual ProbeKind Kind() const = 0;
  virtual std::chrono::milliseconds Interval() const = 0;
  /// nullopt when the request cannot be built (e.g. no credential); `failure` then says why.
  virtual std::optional<HttpRequest> BuildRequest(ProbeResult* failure) const = 0;
  virtual ProbeResult Interpret(const HttpResponse& response) const = 0;
};

/// What the prober table needs from `[flexport]` and `[probes]`; the agent fills it from
/// its configuration (agent/daemon/prober_options.h), so probes/ never sees agent/config.
struct ProberTableOptions {
  std::string api_base;
  std::string api_version;
  std::string status_page;  // "" = no status page prober
  std::vector<std::string> endpoints;
  std::chrono::milliseconds interval{15000};
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds status_page_interval{60000};
  std::chrono::milliseconds subscription_interval{300000};
  std::string connectivity_check;  // "" = no connectivity prober
};

/// The prober table: one API prober per `endpoints` entry, then the subscription, status
/// page and connectivity probers where configured.
std::vector<std::unique_ptr<Prober>> BuildProbers(const ProberTableOptions& options,
                                                  CredentialSource& credentials);

}  // namespace fxagent
