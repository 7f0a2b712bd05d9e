#include "probes/api_probe.h"

#include <nlohmann/json.hpp>

#include "flexport/endpoint_template.h"

namespace fxagent {

ApiProbe::ApiProbe(ApiProbeOptions options, CredentialSource& credentials, std::string name)
    : options_(std::move(options)), credentials_(credentials), name_(std::move(name)) {}

std::optional<HttpRequest> ApiProbe::BuildRequest(ProbeResult* failure) const {
  std::string error;
  auto token = credentials_.BearerToken(&error);
  if (!token) {
    if (failure != nullptr) {
      failure->reason = "auth";
      failure->detail = "no credential: " + error;
    }
    return std::nullopt;
  }
  HttpRequest req;
  req.url = options_.api_base + options_.endpoint;
  req.timeout = options_.timeout;
  req.headers = {{"Authorization", "Bearer " + *token},
                 {"Flexport-Version", options_.api_version},
                 {"Accept", "application/json"}};
  return req;
}

ProbeResult ApiProbe::Interpret(const HttpResponse& response) const {
  ProbeResult r = ResultFromResponse(response);
  r.probe = name_;
  r.kind = Kind();
  r.endpoint = TemplateEndpoint(options_.endpoint);
  if (response.status == 401) credentials_.Invalidate();
  return r;
}

}  // namespace fxagent
