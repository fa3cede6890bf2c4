// Typed calls about the cluster itself over one KafkaConnection: DescribeQuorum (the metadata
// quorum's leader, epoch, high watermark and each replica's progress) and DescribeCluster (the
// cluster id, the controller and the live brokers). What `brook cluster quorum` and `brook
// cluster describe` ask, on a broker's listener or on a controller listener. A controller
// listener may not answer ApiVersions, so these go out at a fixed version (the highest Brook's
// codec has), not a negotiated one.
//
//   TRY_ASSIGN(auto kafka, KafkaConnection::connect(env.network, controller, deadline));
//   TRY_ASSIGN(QuorumDescription quorum, describe_quorum(*kafka, deadline));
//   if (quorum.leader.value() >= 0) print(quorum.leader, quorum.leader_epoch);
//
// A Result error means the connection failed or the answer carried a Kafka error (the error
// names it: "DescribeQuorum: NOT_LEADER_OR_FOLLOWER").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/client/kafka_connection.h"

namespace brook::client {

// The version each call is sent at: DescribeQuorum v2 and DescribeCluster v1 are the highest
// Brook's codec has (and Kafka 3.9's).
inline constexpr int16_t kDescribeQuorumVersion = 2;
inline constexpr int16_t kDescribeClusterVersion = 1;

// One replica of the metadata partition as the quorum leader sees it (Kafka's
// DescribeQuorumResponse ReplicaState); -1 where the leader does not know.
struct QuorumReplica {
    NodeId id{-1};
    Offset log_end_offset{-1};
    int64_t last_fetch_ms = -1;       // wall clock of its last Fetch
    int64_t last_caught_up_ms = -1;   // wall clock of the last time it had the leader's end

    bool operator==(const QuorumReplica&) const = default;
};

struct QuorumDescription {
    NodeId leader{-1};  // -1: no leader known by the node asked
    LeaderEpoch leader_epoch{-1};
    Offset high_watermark{-1};
    std::vector<QuorumReplica> voters;
    std::vector<QuorumReplica> observers;

    bool operator==(const QuorumDescription&) const = default;
};

// DescribeQuorum for `__cluster_metadata`-0. May suspend.
Result<QuorumDescription> describe_quorum(KafkaConnection& kafka, Instant deadline);

struct ClusterBroker {
    NodeId id{-1};
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;

    bool operator==(const ClusterBroker&) const = default;
};

struct ClusterDescription {
    std::string cluster_id;
    NodeId controller{-1};
    std::vector<ClusterBroker> brokers;  // as the broker answered (Brook: by id)

    bool operator==(const ClusterDescription&) const = default;
};

// DescribeCluster (the brokers, not the controllers). May suspend.
Result<ClusterDescription> describe_cluster(KafkaConnection& kafka, Instant deadline);

}  // namespace brook::client
