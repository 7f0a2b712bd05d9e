/// A small, safe subset of Prometheus' alert templates (Go text/template): `{{ $labels.x }}`,
/// `{{ $value }}`, `{{ .Labels.x }}`, `{{ $labels }}`, pipelines into `humanize`,
/// `humanize1024`, `humanizeDuration`, `humanizePercentage`, `printf "%.2f"`, `toUpper`,
/// `toLower`, and `{{- -}}` trimming. Anything else (if/range/unknown functions, syntax
/// errors) is left in the output verbatim; expansion never fails or throws.
/// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace fxagent::alerting {

struct TemplateData {
  const std::map<std::string, std::string>* labels = nullptr;
  double value = 0;
};

std::string ExpandTemplate(std::string_view text, const TemplateData& data);

/// Go's fmt %v of a float64 ("0.5", "1e+06", "+Inf").
std::string GoFormatFloat(double v);
/// Prometheus' template functions.
std::string Humanize(double v);
std::string Humanize1024(double v);
std::string HumanizeDuration(double seconds);
std::string HumanizePercentage(double ratio);

}  // namespace fxagent::alerting
