/// Internal to the demo: the webhook scenes (stream with duplicates, a mis-signed burst,
/// an app outage with retries, a silence long enough to be a gap), and the app stub the
/// relay forwards to.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace httplib {
class Client;
}  // namespace httplib

namespace fxagent {

/// The integration's own webhook endpoint, in-process: counts deliveries and can be
/// switched to answer 503 ("app outage").
class DemoApp {
 public:
  DemoApp();
  ~DemoApp();
  int port() const;
  void SetFailing(bool failing);
  long received() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WebhookScenes {
  httplib::Client* sim = nullptr;
  httplib::Client* agent = nullptr;  // internal listener
  std::string target;                // the agent's public webhook URL
  DemoApp* app = nullptr;
  int step_seconds = 3;
};

/// Returns 0 when every scene showed what it should, 1 otherwise.
int RunWebhookScenes(const WebhookScenes& scenes);

}  // namespace fxagent
