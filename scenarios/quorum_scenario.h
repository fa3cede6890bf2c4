// The metadata quorum scenarios: three or five QuorumNodes (core/quorum/) talking Kafka's KRaft
// RPCs over the simulated network, a client proposing records to whoever leads, while nodes
// crash (alone or all at once, losing unsynced writes) and partitions cut links or isolate the
// leader. scenarios/quorum_checker.h judges every step; at the end a leader must be elected and
// a fresh record committed on every node (liveness).
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario quorum_scenario();    // "quorum": 3 voters
Scenario quorum5_scenario();   // "quorum-5": 5 voters

}  // namespace brook::scenarios
