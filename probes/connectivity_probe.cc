#include "probes/connectivity_probe.h"

namespace fxagent {

ConnectivityProbe::ConnectivityProbe(std::string url, std::chrono::milliseconds interval,
                                     std::chrono::milliseconds timeout)
    : url_(std::move(url)), interval_(interval), timeout_(timeout) {}

std::optional<HttpRequest> ConnectivityProbe::BuildRequest(ProbeResult* /*failure*/) const {
  HttpRequest req;
  req.method = "HEAD";
  req.url = url_;
  req.timeout = timeout_;
  return req;
}

ProbeResult ConnectivityProbe::Interpret(const HttpResponse& response) const {
  ProbeResult r = ResultFromResponse(response);
  r.probe = name_;
  r.kind = Kind();
  r.ratelimit = {};
  // Any HTTP answer proves the network works; only transport errors count as down.
  r.success = response.status != 0;
  if (r.success) {
    r.reason.clear();
    r.detail.clear();
  }
  return r;
}

}  // namespace fxagent
