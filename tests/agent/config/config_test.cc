#include <gtest/gtest.h>

#include "agent/config/config.h"

TEST(ConfigError, FormatsPosition) {
  fxagent::ConfigError e("a.toml", 3, 7, "probes.interval: bad");
  EXPECT_STREQ(e.what(), "a.toml:3:7: probes.interval: bad");
}
