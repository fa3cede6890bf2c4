// `brook bench runtime`: fiber switch cost and simulator speed, with baselines (bench_runtime.cc).
#pragma once

#include <cstdint>

namespace brook::tools {

int bench_runtime(uint64_t seeds);

}  // namespace brook::tools
