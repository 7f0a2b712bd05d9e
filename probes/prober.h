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

#include "probes/http_types.h"
#include "probes/probe_result.h"

namespace fxagent {

struct Config;
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

/// The prober table: one API prober per `[probes].endpoints` entry, then the subscription,
/// status page and connectivity probers where configured.
std::vector<std::unique_ptr<Prober>> BuildProbers(const Config& config,
                                                  CredentialSource& credentials);

}  // namespace fxagent
