// The records of the cluster's metadata log in Kafka's shapes (KIP-631; apache/kafka
// metadata/src/main/resources/common/metadata/*.json): what the controller writes and every
// node applies to its MetadataImage. Plain values, no behaviour; metadata_record_codec.h gives
// them Kafka's bytes.
//
//   MetadataRecord record = TopicRecord{.name = "orders", .topic_id = id};
//   if (const auto* topic = std::get_if<TopicRecord>(&record)) ...
//
// Field names follow Kafka's schemas. Fields of the schemas that Brook does not model (log
// directories, eligible leader replicas, leader recovery state, ZooKeeper migration) are left
// out: the codec writes their defaults and skips them when reading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/strong_type.h"
#include "core/protocol/uuid.h"

namespace brook::metadata {

using protocol::Uuid;

// Kafka's broker epoch: the offset of the broker's RegisterBrokerRecord in the metadata log.
using BrokerEpoch = StrongInt<int64_t, struct BrokerEpochTag>;
// Kafka's partition epoch: grows by one with every change to a partition.
using PartitionEpoch = StrongInt<int32_t, struct PartitionEpochTag>;

// Kafka's "-1": no leader. PartitionChangeRecord's "-2": the leader did not change.
inline constexpr NodeId kNoLeader = NodeId(-1);
inline constexpr NodeId kLeaderUnchanged = NodeId(-2);

// ConfigResource.Type's numbers, as ConfigRecord carries them.
enum class ConfigResourceType : int8_t {
    unknown = 0,
    topic = 2,
    broker = 4,
};

struct BrokerEndpoint {
    std::string name;  // the listener name, e.g. "PLAINTEXT"
    std::string host;
    uint16_t port = 0;
    int16_t security_protocol = 0;  // SecurityProtocol's id: 0 PLAINTEXT, 1 SSL, ...
    bool operator==(const BrokerEndpoint&) const = default;
};

struct BrokerFeature {
    std::string name;
    int16_t min_supported_version = 0;
    int16_t max_supported_version = 0;
    bool operator==(const BrokerFeature&) const = default;
};

// Type 0. A broker's registration; a newer one for the same id replaces the older.
struct RegisterBrokerRecord {
    NodeId broker_id;
    Uuid incarnation_id{};
    BrokerEpoch broker_epoch;
    std::vector<BrokerEndpoint> endpoints;
    std::vector<BrokerFeature> features;
    std::optional<std::string> rack;
    bool fenced = true;
    bool in_controlled_shutdown = false;  // v1+
    bool operator==(const RegisterBrokerRecord&) const = default;
};

// Type 1. The registration of broker_id at broker_epoch is gone.
struct UnregisterBrokerRecord {
    NodeId broker_id;
    BrokerEpoch broker_epoch;
    bool operator==(const UnregisterBrokerRecord&) const = default;
};

// Type 2.
struct TopicRecord {
    std::string name;
    Uuid topic_id{};
    bool operator==(const TopicRecord&) const = default;
};

// Type 3. A new partition, or the whole state of one in a snapshot.
struct PartitionRecord {
    PartitionId partition_id = PartitionId(-1);
    Uuid topic_id{};
    std::vector<NodeId> replicas;  // in preferred order
    std::vector<NodeId> isr;
    NodeId leader = kNoLeader;
    LeaderEpoch leader_epoch = LeaderEpoch(-1);
    PartitionEpoch partition_epoch = PartitionEpoch(-1);
    bool operator==(const PartitionRecord&) const = default;
};

// Type 4. A config key of a resource is set (a value) or removed (nullopt).
struct ConfigRecord {
    ConfigResourceType resource_type = ConfigResourceType::unknown;
    std::string resource_name;  // a topic name, a broker id, or "" for the cluster's default
    std::string name;
    std::optional<std::string> value;
    bool operator==(const ConfigRecord&) const = default;
};

// Type 5. What changed in a partition; absent fields did not. Applying one bumps the partition
// epoch always and the leader epoch whenever `leader` is not kLeaderUnchanged (Kafka's
// PartitionRegistration.merge).
struct PartitionChangeRecord {
    PartitionId partition_id = PartitionId(-1);
    Uuid topic_id{};
    std::optional<std::vector<NodeId>> isr;       // tag 0
    NodeId leader = kLeaderUnchanged;             // tag 1
    std::optional<std::vector<NodeId>> replicas;  // tag 2
    bool operator==(const PartitionChangeRecord&) const = default;
};

// Type 7. The broker is fenced: it leads nothing and is in no ISR (with the exception of a
// partition's last ISR member, kept so the partition can come back with it).
struct FenceBrokerRecord {
    NodeId id;
    BrokerEpoch epoch;
    bool operator==(const FenceBrokerRecord&) const = default;
};

// Type 8.
struct UnfenceBrokerRecord {
    NodeId id;
    BrokerEpoch epoch;
    bool operator==(const UnfenceBrokerRecord&) const = default;
};

// Type 9. The topic, its partitions and its configs are gone.
struct RemoveTopicRecord {
    Uuid topic_id{};
    bool operator==(const RemoveTopicRecord&) const = default;
};

// Type 12. A finalized feature level; Brook writes only metadata.version.
struct FeatureLevelRecord {
    std::string name;
    int16_t feature_level = 0;
    bool operator==(const FeatureLevelRecord&) const = default;
};

// Type 15. The next producer id block starts at next_producer_id.
struct ProducerIdsRecord {
    NodeId broker_id;
    BrokerEpoch broker_epoch = BrokerEpoch(-1);
    ProducerId next_producer_id;
    bool operator==(const ProducerIdsRecord&) const = default;
};

// The values of BrokerRegistrationChangeRecord's tri-state fields.
enum class FencingChange : int8_t { unfenced = -1, none = 0, fenced = 1 };
enum class ShutdownChange : int8_t { none = 0, in_controlled_shutdown = 1 };

// Type 17. A change of a registered broker's state (Kafka's newer form of Fence/Unfence).
struct BrokerRegistrationChangeRecord {
    NodeId broker_id;
    BrokerEpoch broker_epoch;
    FencingChange fenced = FencingChange::none;                    // tag 0
    ShutdownChange in_controlled_shutdown = ShutdownChange::none;  // tag 1, v1+
    bool operator==(const BrokerRegistrationChangeRecord&) const = default;
};

// Type 20. Written by an idle controller so the log keeps moving (KIP-835).
struct NoOpRecord {
    bool operator==(const NoOpRecord&) const = default;
};

using MetadataRecord =
    std::variant<RegisterBrokerRecord, UnregisterBrokerRecord, TopicRecord, PartitionRecord,
                 ConfigRecord, PartitionChangeRecord, FenceBrokerRecord, UnfenceBrokerRecord,
                 RemoveTopicRecord, FeatureLevelRecord, ProducerIdsRecord,
                 BrokerRegistrationChangeRecord, NoOpRecord>;

// Kafka's record type id (the schema's apiKey) of each record.
int16_t record_type(const MetadataRecord& record);
// "TopicRecord", for log lines.
std::string_view record_name(const MetadataRecord& record);

}  // namespace brook::metadata
