// Shared helpers of the TOML and YAML rule-file readers. Internal.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/alerting/rule.h"

namespace fxagent::alerting::detail {

struct Diagnostics {
  std::string file;
  std::vector<RuleError> errors;
  void Error(int line, int col, std::string message) {
    errors.emplace_back(file, line, col, std::move(message));
  }
};

/// 1-based line and column (bytes) of a byte offset in text.
void LineColAt(std::string_view text, size_t offset, int* line, int* col);
/// Byte offset of a 1-based line/column in text (clamped to the text).
size_t OffsetOf(std::string_view text, int line, int col);

/// Where an expression's first character sits in the rule file, and how the scalar was
/// written, so a PromQL error offset maps back to a file position.
struct ExprSource {
  size_t content_offset = 0;  ///< file offset of the first character of the expression
  bool block = false;         ///< YAML block scalar / TOML multi-line string
  int block_line = 0;         ///< block: file line of the expression's first line
  int block_indent = 0;       ///< block: columns of indentation stripped per line
};

/// Parses r.expr_text into r.expr; on error reports it at the mapped file position.
/// Also checks the rule-level invariants that do not depend on the format.
bool CompileExpr(std::string_view file_text, const ExprSource& src, Rule& r, Diagnostics& d);

/// Checks name, labels, severity of a parsed rule; reports at (line, col).
void CheckRule(Rule& r, int line, int col, Diagnostics& d);

void ParseToml(std::string_view text, RuleSet& out, Diagnostics& d);
void ParseYaml(std::string_view text, RuleSet& out, Diagnostics& d);

}  // namespace fxagent::alerting::detail
