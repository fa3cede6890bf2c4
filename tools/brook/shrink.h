// `brook sim shrink`: reduces a failing seed's fault schedule to a minimal one that still fails
// the same way, by delta debugging (Zeller's ddmin) over the schedule's events. Everything else
// the seed decides stays as it was; each attempt runs in its own process.
#pragma once

#include <cstdint>
#include <functional>

#include "scenarios/scenario.h"
#include "sim/fault_schedule.h"

namespace brook::tools {

struct ShrinkResult {
    bool failed_at_all = false;     // the seed failed to begin with
    scenarios::Verdict verdict{};   // the failure kept while shrinking
    std::string failure;            // the checker's words for the smallest schedule
    sim::FaultSchedule original;
    sim::FaultSchedule minimal;
    int attempts = 0;
};

// `on_attempt` is told the size of each candidate and whether it still failed.
ShrinkResult shrink_schedule(const scenarios::Scenario& scenario, uint64_t seed,
                             const std::function<void(std::size_t, bool)>& on_attempt);

}  // namespace brook::tools
