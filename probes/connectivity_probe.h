/// Prober for the agent's own network: a request to a URL outside Flexport, so a local
/// outage is told from Flexport's. Any HTTP answer is success. Thread-safe.
#pragma once

#include "probes/prober.h"

namespace fxagent {

/// A plain GET to a URL outside Flexport; tells the agent's own network from Flexport's.
class ConnectivityProbe : public Prober {
 public:
  ConnectivityProbe(std::string url, std::chrono::milliseconds interval,
                    std::chrono::milliseconds timeout);
  const std::string& Name() const override { return name_; }
  ProbeKind Kind() const override { return ProbeKind::kConnectivity; }
  std::chrono::milliseconds Interval() const override { return interval_; }
  std::optional<HttpRequest> BuildRequest(ProbeResult* failure) const override;
  ProbeResult Interpret(const HttpResponse& response) const override;

 private:
  std::string name_ = "connectivity";
  std::string url_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds timeout_;
};

}  // namespace fxagent
