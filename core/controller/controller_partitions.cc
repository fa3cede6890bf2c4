// The controller's partition commands (controller.h): AlterPartition, after Kafka's
// ReplicationControlManager.alterPartition and validateAlterPartitionData (apache/kafka,
// metadata/src/main/java/org/apache/kafka/controller/ReplicationControlManager.java).
#include <algorithm>
#include <set>

#include "core/base/check.h"
#include "core/controller/controller.h"
#include "core/controller/pending_records.h"

namespace brook::controller {

using metadata::PartitionChangeRecord;
using metadata::PartitionState;

namespace {

std::vector<NodeId> ids_of(const std::vector<AlterPartitionMember>& members) {
    std::vector<NodeId> ids;
    for (const AlterPartitionMember& member : members) ids.push_back(member.id);
    return ids;
}

bool contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Kafka's Replicas.validateIsr: distinct members, each a replica.
bool within_replicas(const std::vector<NodeId>& isr, const std::vector<NodeId>& replicas) {
    std::set<NodeId> distinct(isr.begin(), isr.end());
    return distinct.size() == isr.size() &&
           std::all_of(isr.begin(), isr.end(), [&](NodeId id) { return contains(replicas, id); });
}

}  // namespace

KafkaError Controller::check_alter_partition(const PendingRecords& pending, NodeId requester,
                                             const PartitionState* partition,
                                             const AlterPartitionChange& change) const {
    if (partition == nullptr) return KafkaError::unknown_topic_or_partition;
    // Epochs above the committed ones: this controller is behind (Kafka's answer, so that the
    // leader looks for the active controller).
    if (change.leader_epoch > partition->leader_epoch ||
        change.partition_epoch > partition->partition_epoch) {
        return KafkaError::not_controller;
    }
    if (change.leader_epoch < partition->leader_epoch) return KafkaError::fenced_leader_epoch;
    if (requester != partition->leader) return KafkaError::invalid_request;
    // Checked before the ISR itself, so a resent change that was applied before gets this, never
    // INELIGIBLE_REPLICA, on which the leader would roll back an ISR that is in force.
    if (change.partition_epoch < partition->partition_epoch) {
        return KafkaError::invalid_update_version;
    }
    std::vector<NodeId> isr = ids_of(change.new_isr);
    if (!within_replicas(isr, partition->replicas) || !contains(isr, partition->leader)) {
        return KafkaError::invalid_request;
    }
    // Kafka's ineligibleReplicasForIsr: every member, the kept ones too, registered, unfenced,
    // not in controlled shutdown, and at the broker epoch the leader saw, if it gave one.
    for (const AlterPartitionMember& member : change.new_isr) {
        const metadata::BrokerRegistration* broker = pending.image().broker(member.id);
        if (broker == nullptr || !broker->active() ||
            (member.broker_epoch != BrokerEpoch(-1) && member.broker_epoch != broker->epoch)) {
            return KafkaError::ineligible_replica;
        }
    }
    return KafkaError::none;
}

ControllerResult<AlterPartitionReply> Controller::alter_partition(
    const AlterPartitionCommand& command) {
    PendingRecords pending = begin();
    // Kafka's checkBrokerEpoch: no registration is a stale epoch too.
    const metadata::BrokerRegistration* requester = image_.broker(command.broker_id);
    if (requester == nullptr || requester->epoch != command.broker_epoch) {
        return {{KafkaError::stale_broker_epoch, {}}, {}};
    }
    AlterPartitionReply reply;
    for (const AlterPartitionTopic& request : command.topics) {
        AlterPartitionTopicResult& answer = reply.topics.emplace_back(
            AlterPartitionTopicResult{request.topic_id, request.topic_name, {}});
        bool by_id = request.topic_id != Uuid{};
        const metadata::TopicImage* topic = by_id ? pending.image().topic(request.topic_id)
                                                  : pending.image().topic(request.topic_name);
        for (const AlterPartitionChange& change : request.partitions) {
            AlterPartitionResult& result = answer.partitions.emplace_back();
            result.partition = change.partition;
            if (topic == nullptr) {
                result.error =
                    by_id ? KafkaError::unknown_topic_id : KafkaError::unknown_topic_or_partition;
                continue;
            }
            const PartitionState* partition =
                pending.image().partition(topic->id, change.partition);
            result.error = check_alter_partition(pending, command.broker_id, partition, change);
            if (result.error != KafkaError::none) continue;
            std::vector<NodeId> isr = ids_of(change.new_isr);
            // Kafka's PartitionChangeBuilder writes nothing when nothing changes.
            if (isr != partition->isr) {
                pending.emit(PartitionChangeRecord{
                    .partition_id = change.partition, .topic_id = topic->id, .isr = isr});
                partition = pending.image().partition(topic->id, change.partition);
                ASSERT(partition != nullptr && partition->isr == isr);
            }
            result.leader = partition->leader;
            result.leader_epoch = partition->leader_epoch;
            result.partition_epoch = partition->partition_epoch;
            result.isr = partition->isr;
        }
    }
    return {std::move(reply), finish(std::move(pending))};
}

}  // namespace brook::controller
