// Which partitions this node serves to producers and consumers: those it leads, in the leader
// epoch the client believes in. Kafka's checks (ReplicaManager.getPartitionOrError and
// Partition.checkCurrentLeaderEpoch), on the replica state the partition holds
// (cluster::Partition; a single node leads everything in epoch 0).
#include "core/broker/request_handlers.h"

namespace brook::broker {

using protocol::KafkaError;

std::shared_ptr<cluster::Partition> led_partition(const BrokerServices& services,
                                                  std::string_view topic, int32_t index,
                                                  int32_t current_leader_epoch,
                                                  KafkaError& error) {
    std::shared_ptr<cluster::Partition> partition =
        services.topics.partition(topic, PartitionId(index));
    if (partition == nullptr) {
        error = KafkaError::unknown_topic_or_partition;
        return nullptr;
    }
    // A partition of the cluster that this node has no replica of: another broker's.
    if (!partition->hosted_locally()) {
        error = KafkaError::not_leader_or_follower;
        return nullptr;
    }
    if (current_leader_epoch != kNoLeaderEpoch) {
        LeaderEpoch ours = partition->leader_epoch();
        if (ours > LeaderEpoch(current_leader_epoch)) {
            error = KafkaError::fenced_leader_epoch;  // the client's metadata is older
            return nullptr;
        }
        if (ours < LeaderEpoch(current_leader_epoch)) {
            error = KafkaError::unknown_leader_epoch;  // ours is older: not applied yet
            return nullptr;
        }
    }
    if (!partition->led_locally()) {
        error = KafkaError::not_leader_or_follower;
        return nullptr;
    }
    error = KafkaError::none;
    return partition;
}

}  // namespace brook::broker
