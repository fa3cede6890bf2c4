// How many times a text occurs in a simulation's kept trace lines (log lines included), for
// tests that check a log line was written exactly once.
//
//   sim.trace().keep_lines(true);
//   ...
//   REQUIRE(count_in_trace(sim.trace(), "closing connection from") == 1);
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sim/trace.h"

namespace brook::testing {

inline std::size_t count_in_trace(const sim::Trace& trace, std::string_view needle) {
    std::size_t count = 0;
    const std::string& lines = trace.lines();
    for (auto at = lines.find(needle); at != std::string::npos; at = lines.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

}  // namespace brook::testing
