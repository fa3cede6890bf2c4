// Wall-clock time for the benchmarks: the real elapsed seconds a measurement took. Only tools/
// reads real time; core/ runs on the clock seam.
//
//   auto start = Stopwatch::now();
//   ...
//   double elapsed = seconds_since(start);
#pragma once

#include <chrono>

namespace brook::tools {

using Stopwatch = std::chrono::steady_clock;

inline double seconds_since(Stopwatch::time_point start) {
    return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

}  // namespace brook::tools
