#include "rules/alerting/template.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fxagent::alerting {
namespace {

std::string Expand(std::string_view t, double value = 0.5) {
  static const std::map<std::string, std::string> kLabels{{"job", "api"}, {"instance", "a:1"}};
  return ExpandTemplate(t, TemplateData{&kLabels, value});
}

TEST(Template, LabelsAndValue) {
  EXPECT_EQ(Expand("{{ $labels.job }} at {{$labels.instance}}: {{ $value }}"), "api at a:1: 0.5");
  EXPECT_EQ(Expand("{{ .Labels.job }} {{ .Value }}"), "api 0.5");
  EXPECT_EQ(Expand("{{ $labels.missing }}"), "");
  EXPECT_EQ(Expand("{{ $labels }}"), "map[instance:a:1 job:api]");
  EXPECT_EQ(Expand("no actions"), "no actions");
}

TEST(Template, Functions) {
  EXPECT_EQ(Expand("{{ $value | humanize }}", 1234567), "1.235M");
  EXPECT_EQ(Expand("{{ humanize $value }}", 0.00123), "1.23m");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", 90061), "1d 1h 1m 1s");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", 0.25), "250ms");
  EXPECT_EQ(Expand("{{ $value | humanizePercentage }}", 0.1234), "12.34%");
  EXPECT_EQ(Expand("{{ printf \"%.2f\" $value }}", 3.14159), "3.14");
  EXPECT_EQ(Expand("{{ $value | printf \"%.1f\" }}", 2.25), "2.2");
  EXPECT_EQ(Expand("{{ $labels.job | toUpper }}"), "API");
  EXPECT_EQ(Expand("{{ humanize1024 1048576 }}"), "1Mi");
  EXPECT_EQ(Expand("a {{- \" b \" -}} c"), "a b c");
  EXPECT_EQ(Expand("{{/* comment */}}x"), "x");
}

TEST(Template, GoFloatFormatting) {
  EXPECT_EQ(GoFormatFloat(1e6), "1e+06");
  EXPECT_EQ(GoFormatFloat(123456), "123456");
  EXPECT_EQ(GoFormatFloat(0.0001), "0.0001");
  EXPECT_EQ(GoFormatFloat(0.00001), "1e-05");
  EXPECT_EQ(GoFormatFloat(std::nan("")), "NaN");
  EXPECT_EQ(GoFormatFloat(-INFINITY), "-Inf");
  EXPECT_EQ(Humanize(0), "0");
  EXPECT_EQ(HumanizeDuration(59), "59s");
  EXPECT_EQ(HumanizeDuration(-61), "-1m 1s");
}

TEST(Template, UnknownConstructsStayVisibleAndNeverCrash) {
  EXPECT_EQ(Expand("{{ if $value }}x{{ end }}"), "{{ if $value }}x{{ end }}");
  EXPECT_EQ(Expand("{{ nosuchfunc $value }}"), "{{ nosuchfunc $value }}");
  EXPECT_EQ(Expand("{{ $value"), "{{ $value");
  EXPECT_EQ(Expand("{{ \"unterminated }}"), "{{ \"unterminated }}");
  EXPECT_EQ(Expand("{{ printf \"%d\" $value }}", 1), "%!d(float64=1)");
  EXPECT_EQ(Expand("{{ printf \"%s %s\" $labels.job }}"), "api %!s(MISSING)");
  EXPECT_EQ(Expand("{{ | }}"), "{{ | }}");
  EXPECT_EQ(Expand("{{}}"), "{{}}");
  EXPECT_EQ(Expand("{{ humanize \"abc\" }}"), "{{ humanize \"abc\" }}");
}

}  // namespace
}  // namespace fxagent::alerting
