// OffsetForLeaderEpoch: where a leader epoch ended in this leader's log (KIP-101, KIP-279). A
// consumer asks it after a leader change to find whether the records it read were truncated
// (KIP-320; the Java consumer validates only when v3 is offered); a follower asks it (v3+
// with its replica id) to find where its log diverged. Both are answered by the leader only,
// as Kafka does (Partition.lastOffsetForLeaderEpoch with fetchOnlyFromLeader): per partition,
// UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH or
// UNKNOWN_LEADER_EPOCH for a current_leader_epoch older or newer than the partition's (-1
// skips that check), else the log's answer (PartitionLog::end_offset_for_epoch): the largest
// epoch <= the one asked for and its end offset, or -1/-1 when the log has no such epoch.
#include "core/broker/request_handlers.h"

namespace brook::broker {

using protocol::KafkaError;
using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

namespace {

OffsetForLeaderEpochResponse::EpochEndOffset end_offset_of(
    BrokerServices& services, const std::string& topic,
    const OffsetForLeaderEpochRequest::OffsetForLeaderPartition& request) {
    OffsetForLeaderEpochResponse::EpochEndOffset out;
    out.partition = request.partition;
    KafkaError error = KafkaError::none;
    std::shared_ptr<cluster::Partition> partition =
        led_partition(services, topic, request.partition, request.current_leader_epoch, error);
    if (!partition) {
        out.error_code = to_wire(error);
        return out;
    }
    std::shared_ptr<log::PartitionLog> log = partition->log();
    if (!log || log->offline()) {
        out.error_code = to_wire(KafkaError::kafka_storage_error);
        return out;
    }
    log::EpochEndOffset found = log->end_offset_for_epoch(LeaderEpoch(request.leader_epoch));
    out.leader_epoch = found.epoch.value();
    out.end_offset = found.end_offset.value();
    return out;
}

}  // namespace

OffsetForLeaderEpochResponse handle_offset_for_leader_epoch(
    BrokerServices& services, const RequestContext& context,
    const OffsetForLeaderEpochRequest& request) {
    OffsetForLeaderEpochResponse response;
    for (const auto& topic : request.topics) {
        auto& topic_out = response.topics.emplace_back();
        topic_out.topic = topic.topic;
        for (const auto& partition : topic.partitions) {
            topic_out.partitions.push_back(end_offset_of(services, topic.topic, partition));
        }
    }
    return response;
}

}  // namespace brook::broker
