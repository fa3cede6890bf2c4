#include "core/client/cluster_calls.h"

#include <fmt/format.h>

#include "core/client/client_errors.h"

namespace brook::client {

using namespace protocol;

namespace {

// The one partition every quorum RPC names.
constexpr std::string_view kMetadataTopic = "__cluster_metadata";

// "DescribeQuorum (the broker's message): NOT_LEADER_OR_FOLLOWER", as kafka_failure words it.
Error answered_error(std::string_view api, int16_t code,
                     const std::optional<std::string>& message) {
    std::string where(api);
    if (message && !message->empty()) where += fmt::format(" ({})", *message);
    return kafka_failure(where, kafka_error_from_wire(code));
}

std::vector<QuorumReplica> replicas_of(
    const std::vector<DescribeQuorumResponse::ReplicaState>& states) {
    std::vector<QuorumReplica> replicas;
    for (const auto& state : states) {
        replicas.push_back({NodeId(state.replica_id), Offset(state.log_end_offset),
                            state.last_fetch_timestamp, state.last_caught_up_timestamp});
    }
    return replicas;
}

}  // namespace

Result<QuorumDescription> describe_quorum(KafkaConnection& kafka, Instant deadline) {
    DescribeQuorumRequest request;
    auto& topic = request.topics.emplace_back();
    topic.topic_name = std::string(kMetadataTopic);
    topic.partitions.push_back({.partition_index = 0});
    TRY_ASSIGN(DescribeQuorumResponse response,
               kafka.call<DescribeQuorumResponse>(request, kDescribeQuorumVersion, deadline));
    if (response.error_code != 0) {
        return answered_error("DescribeQuorum", response.error_code, response.error_message);
    }
    for (const auto& answered : response.topics) {
        if (answered.topic_name != kMetadataTopic) continue;
        for (const auto& partition : answered.partitions) {
            if (partition.partition_index != 0) continue;
            if (partition.error_code != 0) {
                return answered_error("DescribeQuorum", partition.error_code,
                                      partition.error_message);
            }
            return QuorumDescription{NodeId(partition.leader_id),
                                     LeaderEpoch(partition.leader_epoch),
                                     Offset(partition.high_watermark),
                                     replicas_of(partition.current_voters),
                                     replicas_of(partition.observers)};
        }
    }
    return Error(ErrorCode::corruption,
                 fmt::format("DescribeQuorum answer lacks {}-0", kMetadataTopic));
}

Result<ClusterDescription> describe_cluster(KafkaConnection& kafka, Instant deadline) {
    DescribeClusterRequest request;
    TRY_ASSIGN(DescribeClusterResponse response,
               kafka.call<DescribeClusterResponse>(request, kDescribeClusterVersion, deadline));
    if (response.error_code != 0) {
        return answered_error("DescribeCluster", response.error_code, response.error_message);
    }
    ClusterDescription description{response.cluster_id, NodeId(response.controller_id), {}};
    for (const auto& broker : response.brokers) {
        description.brokers.push_back(
            {NodeId(broker.broker_id), broker.host, broker.port, broker.rack});
    }
    return description;
}

}  // namespace brook::client
