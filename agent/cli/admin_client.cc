#include "agent/cli/admin_client.h"

#include <httplib.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/config/units.h"

namespace fxagent {
namespace {

ListenAddress InternalAddress(const Config& config) {
  ListenAddress addr = config.listen.internal;
  if (addr.port == 0) {
    std::ifstream in(config.agent.data_dir + "/listen.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_object() && j.contains("internal") && j["internal"].is_string()) {
      if (auto parsed = ParseListenAddress(j["internal"].get<std::string>())) addr = *parsed;
    }
  }
  // A wildcard bind is reached over loopback.
  if (addr.host == "0.0.0.0") addr.host = "127.0.0.1";
  if (addr.host == "::") addr.host = "::1";
  return addr;
}

}  // namespace

AdminResponse CallAgent(const Config& config, const std::string& method, const std::string& path,
                        const std::string& json_body) {
  const ListenAddress addr = InternalAddress(config);
  AdminResponse out;
  if (addr.port == 0) {
    out.error = "cannot find the agent's internal listener (is it running?)";
    return out;
  }
  httplib::Client client(addr.host, addr.port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(30));
  httplib::Headers headers;
  if (!config.listen.admin_token.empty()) {
    headers.emplace("Authorization", "Bearer " + config.listen.admin_token);
  }
  const std::string body = json_body.empty() ? "{}" : json_body;
  httplib::Result res = method == "GET"      ? client.Get(path.c_str(), headers)
                        : method == "DELETE" ? client.Delete(path.c_str(), headers)
                        : method == "PATCH"
                            ? client.Patch(path.c_str(), headers, body, "application/json")
                            : client.Post(path.c_str(), headers, body, "application/json");
  if (!res) {
    out.error =
        "cannot reach the agent at " + addr.ToString() + ": " + httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.body = res->body;
  return out;
}

int PrintAdminResponse(const AdminResponse& r) {
  if (r.status == 0) {
    std::cerr << "error: " << r.error << "\n";
    return 1;
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::ostream& out = r.status >= 200 && r.status < 300 ? std::cout : std::cerr;
  out << (j.is_discarded() ? r.body : j.dump(2) + "\n");
  return r.status >= 200 && r.status < 300 ? 0 : 1;
}

}  // namespace fxagent
