/// Internal to the demo: a stand-in Slack incoming webhook that prints every message the
/// agent posts (rendered as it would read in Slack), the demo's short-window rules, and
/// the closing incident view (list and post-incident report).
#pragma once

#include <memory>
#include <string>

namespace httplib {
class Client;
}  // namespace httplib

namespace fxagent {

class DemoSlack {
 public:
  DemoSlack();
  ~DemoSlack();
  int port() const;
  int messages() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The demo's rules: the default rules' conditions with windows of seconds, so incidents
/// open and resolve while each scene is on screen.
std::string DemoRulesToml();

/// Prints the incidents the agent kept and the Markdown report of the first one.
void PrintIncidents(httplib::Client& agent);

}  // namespace fxagent
