#include "tests/support/agent_process.h"

#include <httplib.h>

#include <filesystem>

namespace fxagent::testing {
namespace {

// The Subprocess's directory, after removing what a previous agent left in data_dir.
const std::string& RemoveStaleListenFile(const std::string& data_dir, const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove(data_dir + "/listen.json", ec);
  return dir;
}

}  // namespace

nlohmann::json ListenAddresses(const std::string& data_dir) {
  nlohmann::json j = nlohmann::json::parse(ReadFile(data_dir + "/listen.json"), nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

std::pair<std::string, int> HostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, 0};
  return {address.substr(0, colon), std::atoi(address.c_str() + colon + 1)};
}

AgentProcess::AgentProcess(const std::string& dir, const std::string& name,
                           std::vector<std::string> argv, std::vector<std::string> extra_env,
                           std::string data_dir)
    : Subprocess(RemoveStaleListenFile(data_dir, dir), name, std::move(argv), std::move(extra_env)),
      data_dir_(std::move(data_dir)) {}

std::string AgentProcess::Address(const std::string& listener) const {
  const nlohmann::json listen = ListenAddresses(data_dir_);
  const auto it = listen.find(listener);
  return it != listen.end() && it->is_string() ? it->get<std::string>() : "";
}

bool AgentProcess::WaitListening(const std::string& listener, std::chrono::milliseconds timeout) {
  return WaitFor([&] { return HostPort(Address(listener)).second > 0; }, timeout);
}

bool AgentProcess::WaitReady(bool first_probe_round, std::chrono::milliseconds timeout) {
  const auto [host, port] = HostPort(Address("internal"));
  if (port <= 0) return false;
  httplib::Client internal(host, port);
  internal.set_connection_timeout(std::chrono::seconds(1));
  return WaitFor(
      [&] {
        auto res = internal.Get("/readyz");
        if (!res || res->status != 200) return false;
        if (!first_probe_round) return true;
        const auto j = nlohmann::json::parse(res->body, nullptr, false);
        return j.is_object() && j.value("first_probe_round_done", false);
      },
      timeout);
}

std::string AgentProcess::Logs() const {
  return "--- stdout ---\n" + Stdout() + "\n--- stderr ---\n" + Stderr();
}

}  // namespace fxagent::testing
