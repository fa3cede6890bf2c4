#include "scenarios/simulated_quorum.h"

#include <utility>

namespace brook::scenarios {

quorum::QuorumNodeOptions simulated_quorum_options(raft::NodeId id,
                                                   std::vector<raft::NodeId> voters,
                                                   std::string cluster_id, uint64_t seed) {
    quorum::QuorumNodeOptions options;
    options.raft.node_id = id;
    options.raft.cluster_id = std::move(cluster_id);
    options.raft.voters = std::move(voters);
    options.raft.election_timeout_ms = 300;
    options.raft.fetch_timeout_ms = 600;
    options.raft.election_backoff_ms = 60;
    options.raft.request_timeout_ms = 100;
    options.raft.fetch_poll_ms = 10;
    options.raft.fetch_max_entries = 8;
    options.raft.seed = seed;
    options.fetch_park_time = milliseconds(50);
    return options;
}

raft::NodeId newest_leader(const std::map<raft::NodeId, const quorum::QuorumNode*>& nodes) {
    raft::NodeId found = raft::kNoNode;
    LeaderEpoch best = LeaderEpoch(-1);
    for (const auto& [id, node] : nodes) {
        if (node && node->raft().role() == raft::Role::leader && node->raft().epoch() > best) {
            best = node->raft().epoch();
            found = id;
        }
    }
    return found;
}

}  // namespace brook::scenarios
