// `brook bench sim`: the simulator's throughput per scenario (bench_sim.cc).
#pragma once

#include <cstdint>
#include <string>

namespace brook::tools {

// Runs `seeds` seeds of `scenario` (every scenario when empty) in this process, one core, and
// prints one markdown table line per scenario. Returns an exit status.
int bench_sim(const std::string& scenario, uint64_t seeds);

}  // namespace brook::tools
