// What the quorum scenarios (quorum_scenario.cc) and the quorum tests' rig
// (tests/quorum/quorum_rig.h) share about QuorumNodes in one simulated world: the Raft timings
// they run with, and which of them leads.
//
//   QuorumNodeOptions options = simulated_quorum_options(id, voters, "cluster", env.random.next());
//   raft::NodeId at = newest_leader(running);   // running: each node, null while it is down
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/quorum/quorum_node.h"

namespace brook::scenarios {

// Timings well apart on the simulated network's latencies: elections in 300 ms, requests
// timing out in 100 ms, a follower's Fetch parked for at most 50 ms (below that timeout).
quorum::QuorumNodeOptions simulated_quorum_options(raft::NodeId id,
                                                   std::vector<raft::NodeId> voters,
                                                   std::string cluster_id, uint64_t seed);

// The running leader of the highest epoch, or kNoNode. Two nodes may both think they lead
// (a deposed leader that has not heard yet); the newer epoch is the one that can commit.
raft::NodeId newest_leader(const std::map<raft::NodeId, const quorum::QuorumNode*>& nodes);

}  // namespace brook::scenarios
