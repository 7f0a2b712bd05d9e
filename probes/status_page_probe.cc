#include "probes/status_page_probe.h"

#include <variant>

namespace fxagent {

StatusPageProbe::StatusPageProbe(std::string base_url, std::chrono::milliseconds interval,
                                 std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), interval_(interval), timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::optional<HttpRequest> StatusPageProbe::BuildRequest(ProbeResult* /*failure*/) const {
  HttpRequest req;
  req.url = base_url_ + "/api/v2/summary.json";
  req.timeout = timeout_;
  req.headers = {{"Accept", "application/json"}};
  return req;
}

ProbeResult StatusPageProbe::Interpret(const HttpResponse& response) const {
  ProbeResult r = ResultFromResponse(response);
  r.probe = name_;
  r.kind = Kind();
  r.ratelimit = {};  // the status page's limits are not the API's
  if (!r.success) return r;
  auto parsed = ParseStatusPage(response.body);
  if (auto* err = std::get_if<StatusPageError>(&parsed)) {
    r.success = false;
    r.reason = "body";
    r.detail = "status page unavailable: " + err->reason;
    return r;
  }
  r.status_page = std::get<StatusPageReport>(std::move(parsed));
  return r;
}

}  // namespace fxagent
