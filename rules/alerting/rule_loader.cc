#include "rules/alerting/rule_loader.h"

#include <fstream>
#include <sstream>

#include "rules/alerting/rule_parse_internal.h"
#include "rules/promql/parser.h"
#include "rules/tsdb/labels.h"

namespace fxagent::alerting {
namespace detail {

void LineColAt(std::string_view text, size_t offset, int* line, int* col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++*line;
      *col = 1;
    } else {
      ++*col;
    }
  }
}

size_t OffsetOf(std::string_view text, int line, int col) {
  size_t i = 0;
  for (int l = 1; l < line && i < text.size(); ++i) {
    if (text[i] == '\n') ++l;
  }
  return std::min(text.size(), i + static_cast<size_t>(std::max(col, 1) - 1));
}

bool CompileExpr(std::string_view file_text, const ExprSource& src, Rule& r, Diagnostics& d) {
  promql::ParseResult parsed = promql::ParseExpr(r.expr_text);
  if (!parsed.ok()) {
    const promql::ParseError& e = *parsed.error;
    int line = 0;
    int col = 0;
    if (src.block) {
      line = src.block_line + e.line - 1;
      col = src.block_indent + e.col;
    } else {
      LineColAt(file_text, src.content_offset + e.offset, &line, &col);
    }
    d.Error(line, col,
            "parse error in expr at " + std::to_string(e.line) + ":" + std::to_string(e.col) +
                ": " + e.message);
    return false;
  }
  promql::ValueType t = parsed.expr->Type();
  if (t != promql::ValueType::kVector && t != promql::ValueType::kScalar) {
    int line = 0;
    int col = 0;
    LineColAt(file_text, src.content_offset, &line, &col);
    if (src.block) line = src.block_line, col = src.block_indent + 1;
    d.Error(
        line, col,
        "expr must be an instant vector or a scalar, got " + std::string(promql::ValueTypeName(t)));
    return false;
  }
  r.expr = parsed.expr;
  return true;
}

namespace {

bool IsValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void CheckRule(Rule& r, int line, int col, Diagnostics& d) {
  if (r.alert.empty() == r.record.empty()) {
    d.Error(line, col, "a rule needs exactly one of \"alert\" or \"record\"");
    return;
  }
  if (r.expr_text.empty()) d.Error(line, col, "rule \"" + r.Name() + "\" has no expr");
  for (const auto& [name, value] : r.labels) {
    if (!tsdb::IsValidLabelName(name) || name == "__name__") {
      d.Error(line, col, "rule \"" + r.Name() + "\": invalid label name \"" + name + "\"");
    }
  }
  for (const auto& [name, value] : r.annotations) {
    if (!tsdb::IsValidLabelName(name)) {
      d.Error(line, col, "rule \"" + r.Name() + "\": invalid annotation name \"" + name + "\"");
    }
  }
  if (!r.IsAlert()) {
    if (!IsValidMetricName(r.record)) {
      d.Error(line, col, "invalid recording rule name \"" + r.record + "\"");
    }
    if (r.for_ms != 0 || r.keep_firing_for_ms != 0 || !r.annotations.empty() ||
        !r.severity.empty()) {
      d.Error(line, col,
              "recording rule \"" + r.record +
                  "\": for, keep_firing_for, severity and annotations apply to alerts only");
    }
    return;
  }
  auto label = r.labels.find("severity");
  if (label != r.labels.end()) {
    if (!r.severity.empty() && r.severity != label->second) {
      d.Error(line, col,
              "alert \"" + r.alert + "\": severity \"" + r.severity +
                  "\" contradicts the severity label \"" + label->second + "\"");
    }
    r.severity = label->second;
    r.labels.erase(label);
  }
  if (r.severity.empty()) {
    d.Error(
        line, col,
        "alert \"" + r.alert + "\" has no severity (set severity or a severity label to P1..P4)");
  } else if (!IsValidSeverity(r.severity)) {
    d.Error(line, col,
            "alert \"" + r.alert + "\": severity must be one of P1, P2, P3, P4, got \"" +
                r.severity + "\"");
  }
}

}  // namespace detail

RuleFormat RuleFormatForPath(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  return ends_with(".yml") || ends_with(".yaml") ? RuleFormat::kYaml : RuleFormat::kToml;
}

std::vector<RuleError> ParseRulesAll(std::string_view text, const std::string& file,
                                     RuleFormat format, RuleSet* out) {
  detail::Diagnostics d{file, {}};
  RuleSet parsed;
  if (format == RuleFormat::kYaml) {
    detail::ParseYaml(text, parsed, d);
  } else {
    detail::ParseToml(text, parsed, d);
  }
  for (Rule& r : parsed.rules) r.file = file;
  if (out != nullptr) {
    for (Rule& r : parsed.rules) out->rules.push_back(std::move(r));
  }
  return std::move(d.errors);
}

RuleSet ParseRules(std::string_view text, const std::string& file, RuleFormat format) {
  RuleSet out;
  std::vector<RuleError> errors = ParseRulesAll(text, file, format, &out);
  if (!errors.empty()) throw errors.front();
  return out;
}

namespace {

std::vector<RuleError> LoadInto(const std::vector<std::string>& paths, RuleSet* out,
                                bool stop_at_first) {
  std::vector<RuleError> errors;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      errors.emplace_back(path, 0, 0, "cannot read rule file");
      if (stop_at_first) break;
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::vector<RuleError> file_errors =
        ParseRulesAll(text.str(), path, RuleFormatForPath(path), out);
    errors.insert(errors.end(), file_errors.begin(), file_errors.end());
    if (stop_at_first && !errors.empty()) break;
  }
  return errors;
}

}  // namespace

RuleSet LoadRuleFiles(const std::vector<std::string>& paths) {
  RuleSet out;
  std::vector<RuleError> errors = LoadInto(paths, &out, true);
  if (!errors.empty()) throw errors.front();
  return out;
}

std::vector<RuleError> ValidateRuleFiles(const std::vector<std::string>& paths) {
  RuleSet ignored;
  return LoadInto(paths, &ignored, false);
}

RuleSet DefaultRuleSet() {
  return ParseRules(DefaultRulesToml(), "rules/default.toml", RuleFormat::kToml);
}

RuleSet LoadConfiguredRules(const std::vector<std::string>& paths) {
  return paths.empty() ? DefaultRuleSet() : LoadRuleFiles(paths);
}

}  // namespace fxagent::alerting
