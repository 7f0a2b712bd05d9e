/// Skips that CI cannot lose silently: FXAGENT_SKIP_OR_FAIL_IN_CI() << "why"; skips the
/// test like GTEST_SKIP(), except when the CI environment variable is set (.ci/run, CI
/// jobs), where it fails it: there every tool a test needs is installed and the test runs
/// with the privileges it needs, so a skip means a check was lost.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

namespace fxagent::testing {

inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0';
}

}  // namespace fxagent::testing

#define FXAGENT_SKIP_OR_FAIL_IN_CI()                                                          \
  return GTEST_MESSAGE_(::fxagent::testing::InCi() ? "CI is set, so this skip fails: " : "",  \
                        ::fxagent::testing::InCi() ? ::testing::TestPartResult::kFatalFailure \
                                                   : ::testing::TestPartResult::kSkip)
