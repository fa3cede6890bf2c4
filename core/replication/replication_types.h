// The values PartitionReplicas takes and gives: the committed metadata of a partition, a
// follower's fetch, an ISR change the leader proposes (Kafka's AlterPartition, v3 shape) and the
// controller's reply to it. Plain values; the broker translates them from and to the wire and
// the metadata image.
//
//   ReplicaFetch fetch{.replica = NodeId(2), .broker_epoch = BrokerEpoch(17),
//                      .leader_epoch = LeaderEpoch(4), .fetch_offset = Offset(120)};
//   replicas.on_fetch(fetch, now_ms);
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "core/base/strong_type.h"
#include "core/metadata/metadata_records.h"
#include "core/protocol/error_code.h"

namespace brook::replication {

using metadata::BrokerEpoch;
using metadata::PartitionEpoch;
using protocol::KafkaError;

// A replica's broker as the committed metadata shows it.
struct ReplicaBroker {
    BrokerEpoch epoch = BrokerEpoch(-1);
    // Registered, unfenced and not in controlled shutdown: may join an ISR (Kafka's
    // isReplicaIsrEligible).
    bool eligible = false;
    bool operator==(const ReplicaBroker&) const = default;
};

// One partition as the committed metadata log left it, with its replicas' brokers.
struct PartitionMetadata {
    NodeId leader = NodeId(-1);
    LeaderEpoch leader_epoch = LeaderEpoch(0);
    PartitionEpoch partition_epoch = PartitionEpoch(0);
    std::vector<NodeId> replicas;
    std::vector<NodeId> isr;
    // The registration of each replica's broker; a replica without one is not registered.
    std::map<NodeId, ReplicaBroker> brokers;
    bool operator==(const PartitionMetadata&) const = default;
};

// A follower's Fetch as the leader's handler saw it. Brook's followers send a fetch only after
// an fsync covered everything below its offset, so `fetch_offset` is the follower's durable end
// (research/replication.md §5a, C3).
struct ReplicaFetch {
    NodeId replica;
    BrokerEpoch broker_epoch;  // ReplicaState.ReplicaEpoch (KIP-903)
    LeaderEpoch leader_epoch;  // CurrentLeaderEpoch
    Offset fetch_offset;
    // The leader answered with a DivergingEpoch: the follower's log differs at or below
    // fetch_offset, so the offset says nothing about what it holds of this leader's log.
    bool diverging = false;
};

// A member of a proposed ISR, at the broker epoch the leader saw it fetch with.
struct IsrMember {
    NodeId id;
    BrokerEpoch broker_epoch;
    bool operator==(const IsrMember&) const = default;
};

// An AlterPartition the leader wants sent: the new ISR, based on the committed partition epoch.
struct IsrProposal {
    uint64_t id = 0;  // matches the reply to the proposal
    LeaderEpoch leader_epoch;
    PartitionEpoch partition_epoch;
    std::vector<IsrMember> new_isr;
    bool operator==(const IsrProposal&) const = default;
};

// The controller's answer to a proposal: an error (Kafka's code, or a transport failure mapped
// to REQUEST_TIMED_OUT or NETWORK_EXCEPTION), or the partition's committed state after it.
struct ProposalReply {
    uint64_t proposal_id = 0;
    KafkaError error = KafkaError::none;
    LeaderEpoch leader_epoch;  // the rest only without an error
    PartitionEpoch partition_epoch;
    std::vector<NodeId> isr;
};

}  // namespace brook::replication
