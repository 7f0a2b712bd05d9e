#include "agent/notify/receivers/receiver.h"

#include "agent/notify/receivers/alertmanager_receiver.h"
#include "agent/notify/receivers/pagerduty_receiver.h"
#include "agent/notify/receivers/slack_receiver.h"
#include "agent/notify/receivers/webhook_receiver.h"

namespace fxagent {

std::unique_ptr<Receiver> MakeReceiver(const ReceiverConfig& config, const ReceiverContext& ctx) {
  if (config.type == "webhook") return std::make_unique<WebhookReceiver>(config, ctx);
  if (config.type == "alertmanager") return std::make_unique<AlertmanagerReceiver>(config, ctx);
  if (config.type == "slack") return std::make_unique<SlackReceiver>(config, ctx);
  if (config.type == "pagerduty") return std::make_unique<PagerDutyReceiver>(config, ctx);
  return nullptr;
}

std::string RedactUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "…";
  size_t host_start = scheme_end + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  std::string host = url.substr(
      host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  size_t at = host.rfind('@');  // drop user:password@
  if (at != std::string::npos) host = host.substr(at + 1);
  return url.substr(0, host_start) + host + "/…";
}

std::string TruncateText(const std::string& text, size_t max_chars) {
  // Count UTF-8 code points; continuation bytes are 10xxxxxx.
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars <= max_chars) return text;
  if (max_chars == 0) return "";
  size_t keep = max_chars - 1;  // room for the ellipsis
  size_t seen = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (seen == keep) break;
      ++seen;
    }
  }
  std::string out = text.substr(0, i);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out + "…";
}

}  // namespace fxagent
