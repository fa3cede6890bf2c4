// What a quorum node tells about the quorum: the data of Kafka's DescribeQuorum answer
// (`brook cluster quorum`, `kafka-metadata-quorum describe --status/--replication`). The node
// fills it from its Raft state; the channel serves it as DescribeQuorum on the controller
// listener. Plain values, no behaviour.
#pragma once

#include <cstdint>
#include <vector>

#include "core/raft/raft_types.h"

namespace brook::quorum {

// Kafka's DescribeQuorumResponse ReplicaState.
struct ReplicaStatus {
    raft::NodeId id;
    raft::Offset log_end_offset = raft::Offset(-1);  // -1: not known (not the leader's view)
    int64_t last_fetch_ms = -1;                      // wall-clock ms of the last valid Fetch
    int64_t last_caught_up_ms = -1;                  // last time it had fetched the leader's end
};

struct QuorumStatus {
    raft::NodeId leader_id = raft::kNoNode;
    raft::LeaderEpoch leader_epoch = raft::LeaderEpoch(0);
    raft::Offset high_watermark = raft::Offset(-1);
    std::vector<ReplicaStatus> voters;     // by node id
    std::vector<ReplicaStatus> observers;  // by node id
};

}  // namespace brook::quorum
