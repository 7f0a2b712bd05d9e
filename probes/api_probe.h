/// Prober for one Flexport API endpoint (`GET {api_base}{endpoint}` with Bearer auth and
/// Flexport-Version). Also used for the webhook subscription check. Thread-safe.
#pragma once

#include <string>

#include "flexport/credentials.h"
#include "probes/prober.h"

namespace fxagent {

struct ApiProbeOptions {
  std::string api_base;
  std::string api_version;
  std::string endpoint;  // path and query, e.g. "/shipments?per=1"
  std::chrono::milliseconds interval{15000};
  std::chrono::milliseconds timeout{10000};
};

class ApiProbe : public Prober {
 public:
  ApiProbe(ApiProbeOptions options, CredentialSource& credentials, std::string name);
  const std::string& Name() const override { return name_; }
  ProbeKind Kind() const override { return ProbeKind::kApi; }
  std::chrono::milliseconds Interval() const override { return options_.interval; }
  std::optional<HttpRequest> BuildRequest(ProbeResult* failure) const override;
  ProbeResult Interpret(const HttpResponse& response) const override;

 protected:
  const ApiProbeOptions& options() const { return options_; }

 private:
  ApiProbeOptions options_;
  CredentialSource& credentials_;
  std::string name_;
};

}  // namespace fxagent
