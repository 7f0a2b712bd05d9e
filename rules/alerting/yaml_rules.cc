// Prometheus YAML rule files: `groups:` with name, interval, limit and `rules:` holding
// alerting (`alert`) and recording (`record`) rules. Positions come from yaml-cpp marks.
#include <yaml-cpp/yaml.h>

#include <set>

#include "rules/alerting/rule_parse_internal.h"

namespace fxagent::alerting::detail {
namespace {

void ErrorAt(const YAML::Node& n, const std::string& message, Diagnostics& d) {
  YAML::Mark m = n.Mark();
  d.Error(m.line + 1, m.column + 1, message);
}

bool ReadScalar(const YAML::Node& n, const std::string& key, std::string* out, Diagnostics& d) {
  if (!n.IsScalar()) {
    ErrorAt(n, key + " must be a string", d);
    return false;
  }
  *out = n.Scalar();
  return true;
}

void ReadDuration(const YAML::Node& n, const std::string& key, int64_t* out, Diagnostics& d) {
  std::string text;
  if (!ReadScalar(n, key, &text, d)) return;
  int64_t ms = ParseRuleDuration(text);
  if (ms < 0) {
    ErrorAt(n, key + ": invalid duration \"" + text + "\" (expected e.g. 30s, 5m, 1h30m)", d);
    return;
  }
  *out = ms;
}

void ReadMap(const YAML::Node& n, const std::string& key, std::map<std::string, std::string>* out,
             Diagnostics& d) {
  if (n.IsNull()) return;
  if (!n.IsMap()) {
    ErrorAt(n, key + " must be a map of strings", d);
    return;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string name;
    std::string value;
    if (ReadScalar(it->first, key + " key", &name, d) &&
        ReadScalar(it->second, std::string(key).append(".").append(name), &value, d)) {
      (*out)[name] = value;
    }
  }
}

ExprSource SourceOfScalar(std::string_view text, const YAML::Node& n) {
  ExprSource src;
  YAML::Mark m = n.Mark();
  size_t off = m.pos >= 0 ? static_cast<size_t>(m.pos) : 0;
  char c = off < text.size() ? text[off] : '\0';
  if (c == '"' || c == '\'') {
    src.content_offset = off + 1;
  } else if (c == '|' || c == '>') {
    // Block scalar: the content starts on the next line, with its own indentation.
    src.block = true;
    size_t nl = text.find('\n', off);
    size_t start = nl == std::string_view::npos ? text.size() : nl + 1;
    int indent = 0;
    while (start + indent < text.size() && text[start + indent] == ' ') ++indent;
    src.block_line = m.line + 2;
    src.block_indent = indent;
    src.content_offset = start + indent;
  } else {
    src.content_offset = off;
  }
  return src;
}

void ParseRule(std::string_view text, const YAML::Node& n, const std::string& group, RuleSet& out,
               Diagnostics& d) {
  if (!n.IsMap()) {
    ErrorAt(n, "a rule must be a map", d);
    return;
  }
  Rule r;
  r.group = group;
  YAML::Mark at = n.Mark();
  r.line = at.line + 1;
  YAML::Node expr_node;
  size_t errors_before = d.errors.size();
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string k = it->first.as<std::string>("");
    const YAML::Node v = it->second;  // a copy: it-> is a temporary proxy
    if (k == "alert") {
      ReadScalar(v, k, &r.alert, d);
    } else if (k == "record") {
      ReadScalar(v, k, &r.record, d);
    } else if (k == "expr") {
      if (ReadScalar(v, k, &r.expr_text, d)) expr_node = v;
    } else if (k == "for") {
      ReadDuration(v, k, &r.for_ms, d);
    } else if (k == "keep_firing_for") {
      ReadDuration(v, k, &r.keep_firing_for_ms, d);
    } else if (k == "labels") {
      ReadMap(v, k, &r.labels, d);
    } else if (k == "annotations") {
      ReadMap(v, k, &r.annotations, d);
    } else {
      ErrorAt(it->first,
              "unknown key \"" + k +
                  "\" in rule (expected alert, record, expr, for, keep_firing_for, labels, "
                  "annotations)",
              d);
    }
  }
  CheckRule(r, at.line + 1, at.column + 1, d);
  if (expr_node && !r.expr_text.empty()) {
    CompileExpr(text, SourceOfScalar(text, expr_node), r, d);
  }
  if (d.errors.size() == errors_before) out.rules.push_back(std::move(r));
}

void ParseGroup(std::string_view text, const YAML::Node& g, std::set<std::string>& names,
                RuleSet& out, Diagnostics& d) {
  if (!g.IsMap()) {
    ErrorAt(g, "a group must be a map with name and rules", d);
    return;
  }
  std::string name;
  YAML::Node rules;
  for (auto it = g.begin(); it != g.end(); ++it) {
    std::string k = it->first.as<std::string>("");
    if (k == "name") {
      ReadScalar(it->second, k, &name, d);
    } else if (k == "interval") {
      int64_t ignored = 0;
      ReadDuration(it->second, k, &ignored, d);
    } else if (k == "limit") {
      std::string ignored;
      ReadScalar(it->second, k, &ignored, d);
    } else if (k == "rules") {
      rules = it->second;
    } else {
      ErrorAt(it->first,
              "unknown key \"" + k + "\" in group (expected name, interval, limit, rules)", d);
    }
  }
  if (name.empty()) {
    ErrorAt(g, "group has no name", d);
  } else if (!names.insert(name).second) {
    ErrorAt(g, "group name \"" + name + "\" is repeated in the same file", d);
  }
  if (!rules || rules.IsNull()) return;
  if (!rules.IsSequence()) {
    ErrorAt(rules, "rules must be a list", d);
    return;
  }
  for (const YAML::Node& r : rules) ParseRule(text, r, name, out, d);
}

}  // namespace

void ParseYaml(std::string_view text, RuleSet& out, Diagnostics& d) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    d.Error(e.mark.line + 1, e.mark.column + 1, e.msg);
    return;
  }
  if (!root || root.IsNull()) return;
  if (!root.IsMap()) {
    ErrorAt(root, "a rule file must be a map with a groups list", d);
    return;
  }
  std::set<std::string> names;
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string k = it->first.as<std::string>("");
    if (k != "groups") {
      ErrorAt(it->first, "unknown key \"" + k + "\" (expected groups)", d);
      continue;
    }
    const YAML::Node groups = it->second;  // a copy: it-> is a temporary proxy
    if (groups.IsNull()) continue;
    if (!groups.IsSequence()) {
      ErrorAt(groups, "groups must be a list", d);
      continue;
    }
    for (const YAML::Node& g : groups) ParseGroup(text, g, names, out, d);
  }
}

}  // namespace fxagent::alerting::detail
