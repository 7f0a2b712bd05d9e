// Fuzzes TOML rule files (SPEC §6): parse, export, re-parse, evaluate.
#include <cstdint>

#include "fuzz/fuzz_rules_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 32 * 1024) return 0;
  fxagent::fuzz::FuzzRuleText({reinterpret_cast<const char*>(data), size},
                              fxagent::alerting::RuleFormat::kToml, "fuzz.toml");
  return 0;
}
