// The controller's inputs and answers as plain values. The glue translates Kafka's requests
// (BrokerRegistration, BrokerHeartbeat, CreateTopics, ...) into these and these back into
// responses; the controller never sees the wire. Errors are Kafka's codes.
//
//   RegisterBrokerCommand command{.broker_id = NodeId(1), .incarnation_id = id, .listeners = ...};
//   ControllerResult<RegisterBrokerReply> result = controller.register_broker(command, next, now);
//   append(result.records);   // then controller.replay(record, offset) for each, in order
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/metadata/metadata_records.h"
#include "core/protocol/error_code.h"

namespace brook::controller {

using metadata::BrokerEpoch;
using metadata::MetadataRecord;
using metadata::Uuid;
using protocol::KafkaError;

// What a command answers and the records that carry it out, to append in this order.
template <typename Reply>
struct ControllerResult {
    Reply reply;
    std::vector<MetadataRecord> records;
};

// ---- brokers ----

struct RegisterBrokerCommand {
    NodeId broker_id;
    Uuid incarnation_id{};
    std::vector<metadata::BrokerEndpoint> listeners;
    std::vector<metadata::BrokerFeature> features;
    std::optional<std::string> rack;
};

struct RegisterBrokerReply {
    KafkaError error = KafkaError::none;
    BrokerEpoch broker_epoch = BrokerEpoch(-1);
};

struct HeartbeatCommand {
    NodeId broker_id;
    BrokerEpoch broker_epoch;
    Offset current_metadata_offset = Offset(-1);  // the last metadata offset the broker applied
    bool want_fence = false;
    bool want_shutdown = false;
};

struct HeartbeatReply {
    KafkaError error = KafkaError::none;
    bool is_caught_up = false;
    bool is_fenced = true;
    bool should_shut_down = false;
};

struct UnregisterBrokerCommand {
    NodeId broker_id;
};

// ---- topics and configs ----

struct CreateTopicCommand {
    std::string name;
    int32_t num_partitions = -1;      // -1: num.partitions
    int16_t replication_factor = -1;  // -1: default.replication.factor
    // Replicas by partition id (0, 1, ...); if given, num_partitions and replication_factor
    // must be -1. Kafka's CreatableReplicaAssignment.
    std::vector<std::vector<NodeId>> assignment;
    std::map<std::string, std::string> configs;
};

struct CreateTopicsCommand {
    std::vector<CreateTopicCommand> topics;
    bool validate_only = false;
};

struct CreateTopicResult {
    std::string name;
    KafkaError error = KafkaError::none;
    std::string error_message;
    Uuid topic_id{};
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
};

struct DeleteTopicsCommand {
    std::vector<std::string> names;
};

struct DeleteTopicResult {
    std::string name;
    KafkaError error = KafkaError::none;
    Uuid topic_id{};
};

struct CreatePartitionsCommand {
    std::string topic;
    int32_t count = 0;  // the new total
    // Replicas of each new partition, or empty to have them placed.
    std::vector<std::vector<NodeId>> assignment;
    bool validate_only = false;
};

struct CreatePartitionsReply {
    KafkaError error = KafkaError::none;
    std::string error_message;
};

enum class ConfigOperation : int8_t {
    set = 0,
    remove = 1
};  // IncrementalAlterConfigs' SET, DELETE

struct ConfigChange {
    std::string name;
    ConfigOperation operation = ConfigOperation::set;
    std::string value;  // for set
};

struct AlterConfigsCommand {
    metadata::ConfigResourceType resource_type = metadata::ConfigResourceType::topic;
    std::string resource_name;
    std::vector<ConfigChange> changes;
    bool validate_only = false;
};

struct AlterConfigsReply {
    KafkaError error = KafkaError::none;
    std::string error_message;
};

// ---- partitions ----

// A member of the ISR an AlterPartition asks for, at the broker epoch the leader saw it at
// (AlterPartition v3's NewIsrWithEpochs); -1 (v0-2's NewIsr) skips the epoch check.
struct AlterPartitionMember {
    NodeId id;
    BrokerEpoch broker_epoch = BrokerEpoch(-1);
};

struct AlterPartitionChange {
    PartitionId partition;
    LeaderEpoch leader_epoch;
    metadata::PartitionEpoch partition_epoch;  // the epoch the change is based on
    std::vector<AlterPartitionMember> new_isr;
};

// A topic by id (AlterPartition v2+) or, when the id is all zero, by name (v0-1).
struct AlterPartitionTopic {
    Uuid topic_id{};
    std::string topic_name;
    std::vector<AlterPartitionChange> partitions;
};

// A partition leader's ISR changes (Kafka's AlterPartition, KIP-497).
struct AlterPartitionCommand {
    NodeId broker_id;
    BrokerEpoch broker_epoch;
    std::vector<AlterPartitionTopic> topics;
};

// One partition's answer: an error, or its state once the change is applied.
struct AlterPartitionResult {
    PartitionId partition;
    KafkaError error = KafkaError::none;
    NodeId leader = metadata::kNoLeader;
    LeaderEpoch leader_epoch = LeaderEpoch(-1);
    metadata::PartitionEpoch partition_epoch = metadata::PartitionEpoch(-1);
    std::vector<NodeId> isr;
    bool operator==(const AlterPartitionResult&) const = default;
};

struct AlterPartitionTopicResult {
    Uuid topic_id{};
    std::string topic_name;
    std::vector<AlterPartitionResult> partitions;
};

// The error is the whole request's (STALE_BROKER_EPOCH); the topics then are empty. The
// controller answers with Kafka's newest codes (UNKNOWN_TOPIC_ID, INELIGIBLE_REPLICA); the
// request handler maps them to what an older version knows.
struct AlterPartitionReply {
    KafkaError error = KafkaError::none;
    std::vector<AlterPartitionTopicResult> topics;
};

// ---- producer ids ----

struct AllocateProducerIdsCommand {
    NodeId broker_id;
    BrokerEpoch broker_epoch;
};

struct AllocateProducerIdsReply {
    KafkaError error = KafkaError::none;
    ProducerId first_producer_id = ProducerId(-1);
    int32_t producer_id_length = 0;
};

}  // namespace brook::controller
