// Runs a RapidCheck property at most `runs` times (fewer if RC_PARAMS asks for fewer), inside a
// Catch2 test, failing the test with RapidCheck's report and its replay line. For properties
// whose single run is costly enough that RapidCheck's default of 100 runs would slow the suite.
//
//   bounded_property("log matches model", 60, [] { ... RC_ASSERT(...); });
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <utility>

namespace brook::testing {

template <typename Testable>
void bounded_property(const std::string& description, int runs, Testable&& testable) {
    rc::detail::TestParams params = rc::detail::configuration().testParams;
    params.maxSuccess = std::min(params.maxSuccess, runs);
    rc::detail::TestMetadata metadata;
    metadata.id = description;
    metadata.description = description;
    auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
    if (!result.template is<rc::detail::SuccessResult>()) {
        std::ostringstream message;
        rc::detail::printResultMessage(result, message);
        INFO(message.str());
        FAIL();
    }
}

}  // namespace brook::testing
