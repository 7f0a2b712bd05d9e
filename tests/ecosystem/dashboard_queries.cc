#include "tests/ecosystem/dashboard_queries.h"

#include <regex>

namespace fxagent::ecosystem {
namespace {

void Collect(const nlohmann::json& panels, std::vector<nlohmann::json>* out) {
  if (!panels.is_array()) return;
  for (const auto& p : panels) {
    if (p.value("type", "") == "row") {
      if (p.contains("panels")) Collect(p["panels"], out);
      continue;
    }
    out->push_back(p);
  }
}

}  // namespace

std::vector<nlohmann::json> Panels(const nlohmann::json& dashboard) {
  std::vector<nlohmann::json> out;
  if (dashboard.contains("panels")) Collect(dashboard["panels"], &out);
  return out;
}

std::vector<PanelQuery> ExtractQueries(const nlohmann::json& dashboard) {
  std::vector<PanelQuery> out;
  for (const auto& p : Panels(dashboard)) {
    if (!p.contains("targets") || !p["targets"].is_array()) continue;
    for (const auto& t : p["targets"]) {
      if (!t.contains("expr") || !t["expr"].is_string()) continue;
      out.push_back({p.value("title", ""), t.value("refId", ""), t["expr"].get<std::string>()});
    }
  }
  return out;
}

std::string Substitute(const std::string& expr, const Variables& vars) {
  static const std::regex kVar(
      R"(\$\{(\w+)\}|\[\[(\w+)\]\]|\$(__rate_interval|__interval|__range|instance|datasource)(?!\w))");
  std::string out;
  auto begin = std::sregex_iterator(expr.begin(), expr.end(), kVar);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    std::string name = m[1].matched ? m[1].str() : m[2].matched ? m[2].str() : m[3].str();
    std::string value;
    if (name == "instance") {
      value = vars.instance;
    } else if (name == "datasource") {
      value = vars.datasource;
    } else if (name == "__rate_interval") {
      value = vars.rate_interval;
    } else if (name == "__interval") {
      value = vars.interval;
    } else if (name == "__range") {
      value = vars.range;
    } else {
      continue;  // unknown: left in place, reported by Unresolved()
    }
    out += expr.substr(last, m.position(0) - last) + value;
    last = m.position(0) + m.length(0);
  }
  return out + expr.substr(last);
}

std::vector<std::string> Unresolved(const std::string& expr) {
  static const std::regex kAny(R"(\$\{?\w+\}?|\[\[\w+\]\])");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kAny); it != std::sregex_iterator();
       ++it) {
    out.push_back(it->str());
  }
  return out;
}

std::string PromQLRegexEscape(const std::string& value) {
  static const std::string kMeta = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : value) {
    if (kMeta.find(c) != std::string::npos) out += "\\\\";
    out += c;
  }
  return out;
}

}  // namespace fxagent::ecosystem
