// [[receivers]], [[routes]] and [[inhibit]]: the alert delivery part of the configuration.
#include <set>

#include "agent/config/config_sections.h"
#include "agent/config/matcher.h"

namespace fxagent::detail {
namespace {

constexpr std::string_view kPagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

std::optional<std::string> CheckMatcher(const std::string& value, bool may_echo) {
  if (ParseMatcher(value)) return std::nullopt;
  return "invalid matcher" + Echo(" ", value, may_echo) +
         ": expected label=\"value\", label!=\"value\", label=~\"regex\" or label!~\"regex\"";
}

std::optional<std::string> CheckSeverity(const std::string& value, bool may_echo) {
  if (value == "P1" || value == "P2" || value == "P3" || value == "P4") return std::nullopt;
  return "unknown severity" + Echo(" ", value, may_echo) + " (expected P1, P2, P3 or P4)";
}

std::optional<std::string> CheckLabelName(const std::string& value, bool may_echo) {
  if (ParseMatcher(value + "=\"\"")) return std::nullopt;
  return "invalid label name" + Echo(" ", value, may_echo);
}

StringCheck KnownReceiver(const std::set<std::string>& names) {
  return [&names](const std::string& value, bool may_echo) -> std::optional<std::string> {
    if (names.contains(value)) return std::nullopt;
    return "unknown receiver" + Echo(" ", value, may_echo);
  };
}

void ReadReceiver(Diagnostics& diag, const toml::table* table, size_t index,
                  std::set<std::string>& names, ReceiverConfig& out) {
  std::string path = "receivers[" + std::to_string(index) + "]";
  TableReader t(diag, table, path, path, {"name", "type", "url", "urls", "routing_key", "timeout"});
  if (!t.Has("name")) {
    diag.Error(t.PosOf("name"), t.Path("name") + ": required");
  } else if (t.String("name", out.name, CheckNotEmpty)) {
    if (!names.insert(out.name).second) {
      diag.Error(t.PosOf("name"), t.Path("name") + ": duplicate receiver name " + Quoted(out.name));
    }
  }
  bool typed = false;
  if (!t.Has("type")) {
    diag.Error(t.PosOf("type"),
               t.Path("type") + ": required (slack, alertmanager, pagerduty or webhook)");
  } else {
    typed = t.String(
        "type", out.type, [](const std::string& v, bool may_echo) -> std::optional<std::string> {
          if (v == "slack" || v == "alertmanager" || v == "pagerduty" || v == "webhook") {
            return std::nullopt;
          }
          return "unknown receiver type" + Echo(" ", v, may_echo) +
                 " (expected slack, alertmanager, pagerduty or webhook)";
        });
  }
  auto check_url = [](const std::string& v, bool may_echo) { return CheckUrl(v, may_echo); };
  if (t.Has("url") && t.Has("urls")) {
    diag.Error(t.PosOf("urls"), t.Path("urls") + ": set either url or urls, not both");
  } else if (t.Has("url")) {
    std::string url;
    if (t.String("url", url, check_url, /*secret=*/true)) out.urls = {url};
  } else if (t.Has("urls")) {
    if (t.StringArray("urls", out.urls, check_url, /*secret=*/true) && out.urls.empty()) {
      diag.Error(t.PosOf("urls"), t.Path("urls") + ": must not be empty");
    }
  }
  bool has_key = t.String("routing_key", out.routing_key, {}, /*secret=*/true);
  t.Duration("timeout", out.timeout);
  if (!typed) return;
  if (out.type == "pagerduty") {
    if (out.urls.empty() && !t.Has("url") && !t.Has("urls")) {
      out.urls = {std::string(kPagerDutyEventsUrl)};
    }
    if ((!has_key && !t.Has("routing_key")) || (has_key && out.routing_key.empty())) {
      diag.Error(t.PosOf("routing_key"),
                 t.Path("routing_key") + ": required for type \"pagerduty\"");
    }
  } else if (!t.Has("url") && !t.Has("urls")) {
    diag.Error(t.PosOf("url"), t.Path("url") + ": required for type " + Quoted(out.type));
  }
}

void ReadRoute(Diagnostics& diag, const toml::table* table, size_t index,
               const std::set<std::string>& names, RouteConfig& out) {
  std::string path = "routes[" + std::to_string(index) + "]";
  TableReader t(diag, table, path, path,
                {"severities", "matchers", "receivers", "group_by", "group_wait", "group_interval",
                 "repeat_interval", "escalate_to", "fallback", "continue"});
  t.StringArray("severities", out.severities, CheckSeverity);
  t.StringArray("matchers", out.matchers, CheckMatcher);
  if (!t.Has("receivers")) {
    diag.Error(t.PosOf("receivers"), t.Path("receivers") + ": required");
  } else if (t.StringArray("receivers", out.receivers, KnownReceiver(names)) &&
             out.receivers.empty()) {
    diag.Error(t.PosOf("receivers"), t.Path("receivers") + ": must not be empty");
  }
  t.StringArray("group_by", out.group_by, CheckLabelName);
  t.Duration("group_wait", out.group_wait, /*allow_zero=*/true);
  t.Duration("group_interval", out.group_interval);
  Duration repeat{};
  if (t.Duration("repeat_interval", repeat)) out.repeat_interval = repeat;
  t.StringArray("escalate_to", out.escalate_to, KnownReceiver(names));
  StringCheck known = KnownReceiver(names);
  t.String("fallback", out.fallback,
           [&known](const std::string& v, bool may_echo) -> std::optional<std::string> {
             if (v.empty()) return std::nullopt;
             return known(v, may_echo);
           });
  t.Bool("continue", out.continue_matching);
}

void ReadInhibit(Diagnostics& diag, const toml::table* table, size_t index, InhibitConfig& out) {
  std::string path = "inhibit[" + std::to_string(index) + "]";
  TableReader t(diag, table, path, path, {"source_matchers", "target_matchers", "equal"});
  for (std::string_view key : {"source_matchers", "target_matchers"}) {
    std::vector<std::string>& field =
        key == "source_matchers" ? out.source_matchers : out.target_matchers;
    if (!t.Has(key)) {
      diag.Error(t.PosOf(key), t.Path(key) + ": required");
    } else if (t.StringArray(key, field, CheckMatcher) && field.empty()) {
      diag.Error(t.PosOf(key), t.Path(key) + ": must not be empty");
    }
  }
  t.StringArray("equal", out.equal, CheckLabelName);
}

}  // namespace

void ReadAlerting(Diagnostics& diag, TableReader& root, Config& out) {
  std::set<std::string> names;
  std::vector<const toml::table*> receivers = root.Tables("receivers");
  for (size_t i = 0; i < receivers.size(); ++i) {
    ReadReceiver(diag, receivers[i], i, names, out.receivers.emplace_back());
  }
  std::vector<const toml::table*> routes = root.Tables("routes");
  for (size_t i = 0; i < routes.size(); ++i) {
    ReadRoute(diag, routes[i], i, names, out.routes.emplace_back());
  }
  std::vector<const toml::table*> inhibits = root.Tables("inhibit");
  for (size_t i = 0; i < inhibits.size(); ++i) {
    ReadInhibit(diag, inhibits[i], i, out.inhibit.emplace_back());
  }
}

}  // namespace fxagent::detail
