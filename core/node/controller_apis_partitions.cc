// The controller's partition APIs (controller_apis.h): AlterPartition, as Kafka's
// ControllerApis.handleAlterPartitionRequest serves it, answered once its records commit.
#include "core/node/controller_apis.h"

namespace brook::node {

using controller::Controller;
using protocol::KafkaError;
using protocol::to_wire;

namespace {

// v0-1 name topics and know neither UNKNOWN_TOPIC_ID nor INELIGIBLE_REPLICA (Kafka answers
// OPERATION_NOT_ATTEMPTED there); v0-2 carry the ISR without broker epochs.
controller::AlterPartitionCommand command_of(const protocol::AlterPartitionRequest& request,
                                             int16_t version) {
    controller::AlterPartitionCommand command{
        NodeId(request.broker_id), metadata::BrokerEpoch(request.broker_epoch), {}};
    for (const auto& topic : request.topics) {
        controller::AlterPartitionTopic& to = command.topics.emplace_back();
        if (version >= 2) {
            to.topic_id = topic.topic_id;
        } else {
            to.topic_name = topic.topic_name;
        }
        for (const auto& partition : topic.partitions) {
            controller::AlterPartitionChange change{
                PartitionId(partition.partition_index),
                LeaderEpoch(partition.leader_epoch),
                metadata::PartitionEpoch(partition.partition_epoch),
                {}};
            if (version >= 3) {
                for (const auto& member : partition.new_isr_with_epochs) {
                    change.new_isr.push_back(
                        {NodeId(member.broker_id), metadata::BrokerEpoch(member.broker_epoch)});
                }
            } else {
                for (int32_t id : partition.new_isr) change.new_isr.push_back({NodeId(id)});
            }
            to.partitions.push_back(std::move(change));
        }
    }
    return command;
}

int16_t error_for(KafkaError error, int16_t version) {
    if (version <= 1 && error == KafkaError::ineligible_replica) {
        error = KafkaError::operation_not_attempted;
    }
    return to_wire(error);
}

}  // namespace

protocol::AlterPartitionResponse ControllerApis::alter_partition(
    const protocol::AlterPartitionRequest& request, int16_t version) {
    protocol::AlterPartitionResponse response;
    controller::AlterPartitionCommand command = command_of(request, version);
    std::optional<controller::AlterPartitionReply> reply =
        active_.run_command<controller::AlterPartitionReply>(
            [&](Controller& controller, Offset, int64_t) {
                return controller.alter_partition(command);
            });  // May suspend.
    response.error_code = to_wire(reply ? reply->error : KafkaError::not_controller);
    if (!reply) return response;
    for (const controller::AlterPartitionTopicResult& topic : reply->topics) {
        auto& to = response.topics.emplace_back();
        to.topic_id = topic.topic_id;
        to.topic_name = topic.topic_name;
        for (const controller::AlterPartitionResult& partition : topic.partitions) {
            auto& answer = to.partitions.emplace_back();
            answer.partition_index = partition.partition.value();
            answer.error_code = error_for(partition.error, version);
            if (partition.error != KafkaError::none) continue;
            answer.leader_id = partition.leader.value();
            answer.leader_epoch = partition.leader_epoch.value();
            answer.partition_epoch = partition.partition_epoch.value();
            for (NodeId id : partition.isr) answer.isr.push_back(id.value());
        }
    }
    return response;
}

}  // namespace brook::node
