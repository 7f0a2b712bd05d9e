/// Reads the panel queries out of a Grafana dashboard and substitutes Grafana's
/// template variables the way Grafana does before sending them to Prometheus. Pure
/// functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fxagent::ecosystem {

struct PanelQuery {
  std::string panel;   // panel title
  std::string ref_id;  // target refId
  std::string expr;
};

/// Every targets[].expr of every panel, including panels nested in collapsed rows.
std::vector<PanelQuery> ExtractQueries(const nlohmann::json& dashboard);
/// Every panel that is not a row, including nested ones.
std::vector<nlohmann::json> Panels(const nlohmann::json& dashboard);

struct Variables {
  std::string instance = ".*";  // already a regex, as Grafana formats it for =~
  std::string datasource = "prometheus";
  std::string rate_interval = "1m";
  std::string interval = "15s";
  std::string range = "5m";
};

/// Replaces $name, ${name} and [[name]] for instance, datasource, __rate_interval,
/// __interval and __range. Names that only share a prefix ($__interval_ms) are left.
std::string Substitute(const std::string& expr, const Variables& vars);
/// Template variables still present after substitution (empty = none).
std::vector<std::string> Unresolved(const std::string& expr);
/// Grafana's regex escaping of a single variable value inside a PromQL string literal
/// ("127.0.0.1:9464" -> "127\\.0\\.0\\.1:9464").
std::string PromQLRegexEscape(const std::string& value);

}  // namespace fxagent::ecosystem
