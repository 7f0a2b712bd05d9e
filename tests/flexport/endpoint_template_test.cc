#include "flexport/endpoint_template.h"

#include <gtest/gtest.h>

namespace fxagent {
namespace {

struct Case {
  const char* in;
  const char* out;
};

class EndpointTemplateTest : public ::testing::TestWithParam<Case> {};

TEST_P(EndpointTemplateTest, Templates) {
  EXPECT_EQ(TemplateEndpoint(GetParam().in), GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    Paths, EndpointTemplateTest,
    ::testing::Values(Case{"/shipments?per=1", "/shipments"},
                      Case{"/shipments/123?per=1", "/shipments/:id"},
                      Case{"/shipments/123/legs/456", "/shipments/:id/legs/:id"},
                      Case{"/shipments/3f2b8c1e-5a4d-4c3b-9e2f-1a2b3c4d5e6f", "/shipments/:id"},
                      Case{"/events/evt_8f3a2b", "/events/:id"},
                      Case{"/bookings/FLEX-123456", "/bookings/:id"},
                      Case{"/documents/0123456789abcdef0123", "/documents/:id"},
                      Case{"/v2/shipments", "/v2/shipments"}, Case{"/", "/"}, Case{"", "/"},
                      Case{"//shipments//", "/shipments"}, Case{"/webhooks#frag", "/webhooks"},
                      Case{"/a/b/c/d/e/f/g/h/i/j", "/a/b/c/d/e/f/g/h/..."},
                      Case{"/purchase_orders?per=1&page=2", "/purchase_orders"}));

}  // namespace
}  // namespace fxagent
