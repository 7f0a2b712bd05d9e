/// Helpers for the webhook relay tests: a temporary directory, a settable clock and
/// registry metric values, all from tests/support.
#pragma once

#include "tests/support/fake_clock.h"
#include "tests/support/metric_value.h"
#include "tests/support/temp_dir.h"
