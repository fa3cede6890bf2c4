// The counter scenarios: the toy primary-backup counter (core/counter/) on three simulated
// nodes, with clients incrementing while nodes crash, links partition and disks lose what was
// not synced. See counter_scenario.cc for the phases and counter_checker.h for the verdict.
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

// The service as written: must pass every seed.
Scenario counter_scenario();
// Negative: the service acknowledges before its disk write is durable. Must fail, which shows
// that the checker and the crash model can see a lost acknowledged write.
Scenario counter_unsynced_scenario();

}  // namespace brook::scenarios
