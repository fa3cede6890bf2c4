// The cluster scenario: three KRaft nodes (core/node/kraft_node.h: quorum voter, controller and
// broker each) formatted with one cluster id, as processes n1..n3 of the ClusterRun frame, and
// Brook's clients over the simulated network: an admin creating topics through each broker in
// turn (and creating existing ones again), a producer writing to their partitions, a prober
// asking the others for Metadata while a broker is down past broker.session.timeout.ms. Faults,
// each family on or off per seed: single crashes, long crashes (fenced), restarts of the whole
// quorum, partitions (two nodes, or one isolated), clock jumps. After the quiet phase and after
// a last crash of every node, scenarios/cluster_checker.h judges: topics everywhere with one id
// and their partition count, even placement, fencing, every partition reachable (liveness),
// acknowledged records read back. docs/design/cluster.md, "The cluster scenario".
#pragma once

#include "scenarios/scenario.h"

namespace brook::scenarios {

Scenario cluster_scenario();  // "cluster"

}  // namespace brook::scenarios
