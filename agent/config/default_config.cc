// The embedded default configuration: real Flexport, secrets from the environment. Used
// by `flexport-agent run` without -c; keep it in step with SPEC §3 and the README.
#include "agent/config/config.h"

namespace fxagent {
namespace {

constexpr const char* kDefaultConfig = R"toml(# flexport-agent embedded default configuration.
[agent]
instance = "${FLEXPORT_AGENT_INSTANCE:-}"        # empty = hostname
data_dir = "${FLEXPORT_AGENT_DATA_DIR:-/var/lib/flexport-agent}"

[listen]
public   = "0.0.0.0:8080"
internal = "127.0.0.1:9464"
egress   = "127.0.0.1:9465"
admin_token = "${AGENT_ADMIN_TOKEN:-}"

[flexport]
api_base = "https://api.flexport.com"
api_version = "2"
api_key = "${FLEXPORT_API_KEY}"
status_page = "https://status.flexport.com"

[probes]
interval = "15s"
timeout = "10s"
endpoints = ["/shipments?per=1", "/bookings?per=1", "/purchase_orders?per=1",
             "/invoices?per=1", "/products?per=1"]
status_page_interval = "60s"
subscription_interval = "5m"

[webhooks]
path = "/webhooks/flexport"
secrets = ["${FLEXPORT_WEBHOOK_SECRET:-}"]
allow_sha1 = false
forward_to = "${FLEXPORT_AGENT_FORWARD_TO:-}"
max_body = "1MiB"
dedup_window = "72h"
max_attempts = 12

[proxy]
max_concurrency = 64
queue_on_429 = false

[rules]
files = []                                        # empty = the built-in default rule set
evaluation_interval = "5s"

[severity]
P1 = "15m"
P2 = "30m"
P3 = "2h"
P4 = "8h"

[tracing]
otlp_endpoint = "${OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:-}"

[storage]
url = "${FLEXPORT_AGENT_STORAGE_URL:-}"           # empty = embedded SQLite in data_dir
schema = "flexport_agent"
)toml";

}  // namespace

const std::string& DefaultConfigText() {
  static const std::string* const text = new std::string(kDefaultConfig);
  return *text;
}

}  // namespace fxagent
