/// Loading and validating rule files: TOML (SPEC §6, `[[rules]]`) and Prometheus YAML
/// rule files (`groups:` / `rules:`), chosen by extension (.yml/.yaml = YAML, else TOML).
/// Every error is reported as `file:line:col: message`; PromQL errors point at the rule
/// file position of the offending character inside `expr`. Thread-safety: pure functions
/// (file reads only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/alerting/rule.h"

namespace fxagent::alerting {

enum class RuleFormat { kToml, kYaml };

/// Format implied by a file name's extension.
RuleFormat RuleFormatForPath(std::string_view path);

/// Loads and concatenates the files in order. Throws RuleError (the first error).
RuleSet LoadRuleFiles(const std::vector<std::string>& paths);

/// Every error in every file (empty = valid).
std::vector<RuleError> ValidateRuleFiles(const std::vector<std::string>& paths);

/// Parses rule text; `file` only names the source in errors. Throws RuleError.
RuleSet ParseRules(std::string_view text, const std::string& file, RuleFormat format);

/// Every error in the text (empty = valid); rules that parsed are appended to `out`.
std::vector<RuleError> ParseRulesAll(std::string_view text, const std::string& file,
                                     RuleFormat format, RuleSet* out);

/// The default rule set (rules/default.toml), compiled into the binary.
std::string_view DefaultRulesToml();
/// DefaultRulesToml() parsed; errors are reported against "rules/default.toml".
RuleSet DefaultRuleSet();

/// LoadRuleFiles(paths), or DefaultRuleSet() when `paths` is empty ([rules].files unset).
RuleSet LoadConfiguredRules(const std::vector<std::string>& paths);

}  // namespace fxagent::alerting
