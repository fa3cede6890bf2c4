// group-churn: two consumer groups of Brook consumers (subscribe mode, auto commit) share one
// topic while a producer (acks=all) keeps writing. During the fault phase members leave and
// come back, crash and restart (some static, by group.instance.id), stall behind network
// partitions past their session timeout, the broker crashes and restarts, and connections
// reset. Then the faults stop and the run checks, with GroupChecker, that no partition had two
// owners in one generation, commits never went backward and were honoured by the next owner,
// every acknowledged record reached each group, and that each group stabilised (one
// generation, every partition owned once, every member stable) within a bounded time - a
// liveness failure otherwise.
//
//   brook sim run --scenario group-churn --seeds 1..40
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario group_churn_scenario();

}  // namespace brook::scenarios
