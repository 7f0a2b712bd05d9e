#include <httplib.h>

#include "sim/http_util.h"
#include "sim/routes.h"
#include "sim/status_page.h"

namespace fxagent::sim {

void RegisterStatusPageRoutes(httplib::Server& server, SimContext& ctx) {
  server.Get(R"(/api/v2/(.+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const StatusPageState page = ctx.state.StatusPage();
    switch (page.mode) {
      case StatusPageMode::kHtml:
        res.status = 503;
        res.set_content(
            "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
            "<body><h1>Service Unavailable</h1><p>The status page is temporarily "
            "unavailable.</p></body></html>",
            "text/html");
        return;
      case StatusPageMode::kInvalidJson:
        res.status = 200;
        res.set_content(R"({"page": {"id": "fxsimstatuspage", "name": "Flexport", "status": {)",
                        "application/json");
        return;
      case StatusPageMode::kNotFound:
        res.status = 404;
        res.set_content("<html><body><h1>404 Not Found</h1></body></html>", "text/html");
        return;
      case StatusPageMode::kHang:
        if (!ctx.state.SleepFor(std::chrono::milliseconds(page.hang_ms))) {
          res.status = 503;
          return;
        }
        break;
      case StatusPageMode::kOk:
        break;
    }
    const auto doc =
        StatusPageDocument(page, req.matches[1].str(), std::chrono::system_clock::now());
    if (doc.is_null()) {
      ReplyError(res, 404, "no such status page document");
      return;
    }
    ReplyJson(res, 200, doc);
  });
}

}  // namespace fxagent::sim
