// Fuzzes Prometheus YAML rule files (`groups:`/`rules:`): parse, export, re-parse, evaluate.
#include <cstdint>

#include "fuzz/fuzz_rules_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 32 * 1024) return 0;
  fxagent::fuzz::FuzzRuleText({reinterpret_cast<const char*>(data), size},
                              fxagent::alerting::RuleFormat::kYaml, "fuzz.yml");
  return 0;
}
