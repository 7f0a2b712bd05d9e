/// Prober for the Flexport status page (Atlassian Statuspage v2 `summary.json`). HTML, bad
/// JSON or missing fields make it fail with reason "body": "status page unavailable",
/// never an outage. Thread-safe.
#pragma once

#include "probes/prober.h"

namespace fxagent {

class StatusPageProbe : public Prober {
 public:
  StatusPageProbe(std::string base_url, std::chrono::milliseconds interval,
                  std::chrono::milliseconds timeout);
  const std::string& Name() const override { return name_; }
  ProbeKind Kind() const override { return ProbeKind::kStatusPage; }
  std::chrono::milliseconds Interval() const override { return interval_; }
  std::optional<HttpRequest> BuildRequest(ProbeResult* failure) const override;
  ProbeResult Interpret(const HttpResponse& response) const override;

 private:
  std::string name_ = "status_page";
  std::string base_url_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds timeout_;
};

}  // namespace fxagent
