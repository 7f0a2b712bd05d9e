#include "sim/sim_main.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "sim/scenarios.h"
#include "sim/sim_server.h"

#ifndef FXAGENT_VERSION
#define FXAGENT_VERSION "0.0.0"
#endif

namespace fxagent::sim {
namespace {

/// "127.0.0.1:0", "[::1]:8080", ":8080" -> host, port.
bool ParseListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "127.0.0.1";
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5) {
    return false;
  }
  *port = std::stoi(p);
  *host = h;
  return *port <= 65535;
}

bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int SimMain(int argc, char** argv) {
  SimOptions options;
  if (const char* key = std::getenv("FLEXPORT_SIM_API_KEY"); key != nullptr && *key != '\0') {
    options.api_key = key;
  }
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  std::string scenario = "healthy";
  std::string header_style = "x";

  CLI::App app{
      "flexport-sim: a fake Flexport API, status page and webhook sender with fault "
      "injection (control API under /_sim/)"};
  app.set_version_flag("--version", std::string("flexport-sim ") + FXAGENT_VERSION);
  app.add_option("--listen", listen, "address to listen on, host:port (port 0 = any)")
      ->capture_default_str();
  app.add_option("--api-key", options.api_key,
                 "accepted API key (default: $FLEXPORT_SIM_API_KEY or sim-key)");
  app.add_option("--webhook-secret", options.webhook_secret, "webhook signing secret");
  app.add_option("--webhook-target", options.webhook_target,
                 "default URL the webhook sender posts to");
  app.add_option("--port-file", port_file, "write the bound port to this file (atomically)");
  app.add_option("--scenario", scenario, "scenario to start in")->capture_default_str();
  app.add_option("--seed", options.seed, "random seed")->capture_default_str();
  app.add_option("--latency-ms", options.latency_ms, "base latency of API responses")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rate-limit-capacity", options.rate_limit.capacity, "token bucket capacity")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--rate-limit-refill", options.rate_limit.refill_per_sec,
                 "token bucket refill per second")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rate-limit-headers", header_style, "x | x-epoch | ietf | structured")
      ->capture_default_str()
      ->check(CLI::IsMember({"x", "x-epoch", "ietf", "structured"}));
  app.add_option("--token-daily-limit", options.token_daily_limit,
                 "POST /oauth/token requests allowed per day (0 = unlimited)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  bool quiet = false;
  app.add_flag("--quiet", quiet, "do not log control actions to stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  options.rate_limit.header_style = *ParseHeaderStyle(header_style);

  std::string host;
  int port = 0;
  if (!ParseListen(listen, &host, &port)) {
    std::cerr << "flexport-sim: --listen must be host:port, got '" << listen << "'\n";
    return 2;
  }
  const auto& names = ScenarioNames();
  if (std::find(names.begin(), names.end(), scenario) == names.end()) {
    std::cerr << "flexport-sim: unknown scenario '" << scenario << "'; known:";
    for (const auto& n : names) std::cerr << " " << n;
    std::cerr << "\n";
    return 2;
  }

  // Block the shutdown signals before any thread starts so that only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A webhook target that closes early must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  SimServer server(options);
  if (!quiet) {
    server.set_log([](std::string_view line) { std::cerr << "flexport-sim: " << line << "\n"; });
  }
  server.state().ApplyScenario(scenario);
  const int bound = server.Start(host, port);
  if (bound < 0) {
    std::cerr << "flexport-sim: cannot listen on " << listen << "\n";
    return 1;
  }
  std::cout << "flexport-sim listening on " << server.BaseUrl() << std::endl;
  if (!port_file.empty() && !WritePortFile(port_file, bound)) {
    std::cerr << "flexport-sim: cannot write port file " << port_file << "\n";
    server.Stop();
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  if (!quiet) std::cerr << "flexport-sim: shutting down\n";
  server.Stop();
  return 0;
}

}  // namespace fxagent::sim
