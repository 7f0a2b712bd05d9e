// TOML rule files (SPEC §6): `[[rules]]` tables with alert/record, severity, expr, for,
// keep_firing_for, labels and annotations.
#include <toml++/toml.h>

#include "rules/alerting/rule_parse_internal.h"

namespace fxagent::alerting::detail {
namespace {

struct Pos {
  int line = 0;
  int col = 0;
};

Pos PosOf(const toml::source_region& src) {
  return Pos{static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)};
}

bool ReadString(const toml::node& node, std::string_view key, std::string* out, Diagnostics& d) {
  const auto* s = node.as_string();
  if (s == nullptr) {
    Pos p = PosOf(node.source());
    d.Error(p.line, p.col, std::string(key) + " must be a string");
    return false;
  }
  *out = s->get();
  return true;
}

void ReadDuration(const toml::node& node, std::string_view key, int64_t* out, Diagnostics& d) {
  std::string text;
  if (!ReadString(node, key, &text, d)) return;
  int64_t ms = ParseRuleDuration(text);
  if (ms < 0) {
    Pos p = PosOf(node.source());
    d.Error(p.line, p.col,
            std::string(key) + ": invalid duration \"" + text +
                "\" (expected e.g. \"30s\", \"5m\", \"1h30m\")");
    return;
  }
  *out = ms;
}

void ReadStringTable(const toml::node& node, std::string_view key,
                     std::map<std::string, std::string>* out, Diagnostics& d) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    Pos p = PosOf(node.source());
    d.Error(p.line, p.col, std::string(key) + " must be a table of strings");
    return;
  }
  for (auto&& [name, value] : *table) {
    std::string s;
    if (ReadString(value, std::string(key) + "." + std::string(name.str()), &s, d)) {
      (*out)[std::string(name.str())] = s;
    }
  }
}

// Where the string value's content begins in the file, and whether it spans lines.
ExprSource SourceOfString(std::string_view text, const toml::node& node) {
  ExprSource src;
  Pos p = PosOf(node.source());
  size_t off = OffsetOf(text, p.line, p.col);
  std::string_view rest = text.substr(off);
  if (rest.starts_with("'''") || rest.starts_with("\"\"\"")) {
    off += 3;
    if (text.substr(off).starts_with("\r\n")) {
      off += 2;
    } else if (text.substr(off).starts_with("\n")) {
      off += 1;
    }
  } else if (rest.starts_with("'") || rest.starts_with("\"")) {
    off += 1;
  }
  src.content_offset = off;
  return src;
}

void ParseRuleTable(std::string_view text, const toml::table& t, RuleSet& out, Diagnostics& d) {
  Rule r;
  Pos at = PosOf(t.source());
  r.line = at.line;
  const toml::node* expr_node = nullptr;
  size_t errors_before = d.errors.size();
  for (auto&& [key, node] : t) {
    std::string_view k = key.str();
    if (k == "alert") {
      ReadString(node, k, &r.alert, d);
    } else if (k == "record") {
      ReadString(node, k, &r.record, d);
    } else if (k == "severity") {
      ReadString(node, k, &r.severity, d);
    } else if (k == "expr") {
      if (ReadString(node, k, &r.expr_text, d)) expr_node = &node;
    } else if (k == "for") {
      ReadDuration(node, k, &r.for_ms, d);
    } else if (k == "keep_firing_for") {
      ReadDuration(node, k, &r.keep_firing_for_ms, d);
    } else if (k == "labels") {
      ReadStringTable(node, k, &r.labels, d);
    } else if (k == "annotations") {
      ReadStringTable(node, k, &r.annotations, d);
    } else {
      Pos p = PosOf(key.source());
      if (p.line == 0) p = PosOf(node.source());
      d.Error(p.line, p.col,
              "unknown key \"" + std::string(k) +
                  "\" in [[rules]] (expected alert, record, severity, expr, for, "
                  "keep_firing_for, labels, annotations)");
    }
  }
  CheckRule(r, at.line, at.col, d);
  if (expr_node != nullptr && !r.expr_text.empty()) {
    CompileExpr(text, SourceOfString(text, *expr_node), r, d);
  }
  if (d.errors.size() == errors_before) out.rules.push_back(std::move(r));
}

}  // namespace

void ParseToml(std::string_view text, RuleSet& out, Diagnostics& d) {
  toml::table root;
  try {
    root = toml::parse(text, d.file);
  } catch (const toml::parse_error& e) {
    Pos p = PosOf(e.source());
    d.Error(p.line, p.col, std::string(e.description()));
    return;
  }
  for (auto&& [key, node] : root) {
    if (key.str() == "rules") continue;
    Pos p = PosOf(key.source());
    if (p.line == 0) p = PosOf(node.source());
    d.Error(p.line, p.col,
            "unknown key \"" + std::string(key.str()) + "\" (a rule file holds [[rules]] only)");
  }
  const toml::node* rules = root.get("rules");
  if (rules == nullptr) return;
  const toml::array* arr = rules->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    Pos p = PosOf(rules->source());
    d.Error(p.line, p.col, "rules must be an array of tables ([[rules]])");
    return;
  }
  for (const toml::node& n : *arr) ParseRuleTable(text, *n.as_table(), out, d);
}

}  // namespace fxagent::alerting::detail
