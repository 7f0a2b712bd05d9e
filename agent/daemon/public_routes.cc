#include <httplib.h>

#include "agent/daemon/http_routes.h"
#include "agent/webhooks/relay.h"

namespace fxagent {
namespace {

void Send(httplib::Response& res, const WebhookResponse& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type.c_str());
}

}  // namespace

void InstallPublicRoutes(httplib::Server& server, const DaemonServices& services) {
  const DaemonServices& s = services;
  const std::string path = s.config->webhooks.path;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  // Refuse an oversized body from its Content-Length, before reading it.
  server.set_pre_routing_handler([&s, path](const httplib::Request& req, httplib::Response& res) {
    if (req.path != path || !req.has_header("Content-Length")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const uint64_t length =
        std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (length <= s.relay->receiver().MaxBody()) return httplib::Server::HandlerResponse::Unhandled;
    Send(res, s.relay->receiver().RejectTooLarge());
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  server.Post(path, [&s](const httplib::Request& req, httplib::Response& res) {
    WebhookRequest w;
    w.path = req.path;
    w.headers.assign(req.headers.begin(), req.headers.end());
    w.body = req.body;
    if (req.has_header("Content-Length")) {
      w.content_length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    }
    Send(res, s.relay->receiver().Handle(w));
  });
  server.set_error_handler([&s, path](const httplib::Request& req, httplib::Response& res) {
    // httplib itself answers 413 for a chunked body over the limit: count it too.
    if (res.status == 413 && req.path == path) {
      Send(res, s.relay->receiver().RejectTooLarge());
      return;
    }
    if (res.body.empty()) {
      res.set_content(
          res.status == 404 ? "{\"error\":\"not found\"}\n" : "{\"error\":\"bad request\"}\n",
          "application/json");
    }
  });
}

}  // namespace fxagent
