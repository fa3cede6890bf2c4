// `brook sim shrink`: reduces a failing seed to a small run that still fails the same way. First
// the fault schedule, by delta debugging (Zeller's ddmin) over its events; then the workload,
// greedily: each of the scenario's workload parameters (Scenario::workload_parameters) is
// halved while the failure persists, then tried once one lower. Everything else the seed decides
// stays as it was; each attempt runs in its own process.
//
//   ShrinkResult shrink = shrink_seed(*scenario, seed, [](const std::string& tried, bool fails) {
//       fmt::print("{}: {}\n", tried, fails ? "still fails" : "passes");
//   });
//   sim::ScheduleFile file{shrink.overrides, shrink.minimal};  // what replay --schedule reads
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "scenarios/scenario.h"
#include "sim/fault_schedule.h"

namespace brook::tools {

struct ShrinkResult {
    bool failed_at_all = false;     // the seed failed to begin with
    scenarios::Verdict verdict{};   // the failure kept while shrinking
    std::string failure;            // the checker's words for the smallest run
    sim::FaultSchedule original;
    sim::FaultSchedule minimal;
    // The workload parameters that could be lowered below the seed's draw, with their values.
    std::map<std::string, std::string> overrides;
    // The seed's draw of each overridden parameter.
    std::map<std::string, std::string> drawn;
    int attempts = 0;
};

// `on_attempt` is told each candidate ("3 events", "producers=1") and whether it still failed.
ShrinkResult shrink_seed(const scenarios::Scenario& scenario, uint64_t seed,
                         const std::function<void(const std::string&, bool)>& on_attempt);

}  // namespace brook::tools
