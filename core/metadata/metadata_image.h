// The cluster's metadata as the committed records build it (Kafka's MetadataImage): registered
// brokers, topics with their partitions, configs per resource, the next producer id block and
// the finalized features (metadata.version). Every node holds one; the controller decides over
// one; the quorum's snapshots are one (metadata_snapshot.h).
//
//   MetadataImage image;
//   for (const auto& [offset, record] : committed) {
//       if (auto applied = image.apply(record, offset); !applied) log(applied.error());
//   }
//   const TopicImage* orders = image.topic("orders");
//
// Applying is a pure function of the image and the record. A record that contradicts the image
// (a partition of an unknown topic, a fence of a broker at another epoch, a leader outside the
// ISR) is an error for the caller to log, never an assertion, because a corrupt or foreign log
// must not kill a node; the image is then unchanged, except that it has consumed the offset.
// A command's records share an offset (apply_command), so a broker epoch, the offset of its
// registration, is the offset of the entry holding the command that registered it.
// Every container is ordered, so iteration order, and all that is derived from it, is the same
// on every node.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/metadata/metadata_records.h"

namespace brook::metadata {

// The broker's registration and its state, as RegisterBrokerRecord and later changes left it.
struct BrokerRegistration {
    NodeId id;
    Uuid incarnation_id{};
    BrokerEpoch epoch;
    std::vector<BrokerEndpoint> endpoints;
    std::vector<BrokerFeature> features;
    std::optional<std::string> rack;
    bool fenced = true;
    bool in_controlled_shutdown = false;

    // May lead, and be elected to lead, a partition.
    bool active() const { return !fenced && !in_controlled_shutdown; }
    bool operator==(const BrokerRegistration&) const = default;
};

struct PartitionState {
    std::vector<NodeId> replicas;  // preferred order: the first is the preferred leader
    std::vector<NodeId> isr;
    NodeId leader = kNoLeader;
    LeaderEpoch leader_epoch = LeaderEpoch(0);
    PartitionEpoch partition_epoch = PartitionEpoch(0);
    bool operator==(const PartitionState&) const = default;
};

struct TopicImage {
    std::string name;
    Uuid id{};
    std::map<PartitionId, PartitionState> partitions;
    bool operator==(const TopicImage&) const = default;
};

struct ConfigResource {
    ConfigResourceType type = ConfigResourceType::unknown;
    std::string name;
    auto operator<=>(const ConfigResource&) const = default;
};

using ConfigEntries = std::map<std::string, std::string>;

// Kafka's feature name of the metadata log's format.
inline constexpr std::string_view kMetadataVersionFeature = "metadata.version";

class MetadataImage {
public:
    // Applies the record at `offset`, which must be above every offset applied before.
    Result<void> apply(const MetadataRecord& record, Offset offset);
    // Applies one controller command's records, which share one metadata-log entry and so its
    // `offset` (above every offset applied before): all of them, or, if one contradicts the image
    // as it stands after those before it, none (the image is unchanged but for the offset). A
    // reader of the image never sees part of a command.
    Result<void> apply_command(const std::vector<MetadataRecord>& records, Offset offset);

    // The offset of the last record (or command) applied, or -1 for an empty image.
    Offset applied_offset() const { return applied_offset_; }

    const std::map<NodeId, BrokerRegistration>& brokers() const { return brokers_; }
    const BrokerRegistration* broker(NodeId id) const;

    const std::map<Uuid, TopicImage>& topics() const { return topics_; }
    const TopicImage* topic(std::string_view name) const;
    const TopicImage* topic(const Uuid& id) const;
    const PartitionState* partition(const Uuid& topic_id, PartitionId partition) const;

    const std::map<ConfigResource, ConfigEntries>& configs() const { return configs_; }
    // The overrides of one resource, empty if it has none.
    const ConfigEntries& configs_of(const ConfigResource& resource) const;

    // The first producer id of the next block, and the record that set it (nullopt: none yet).
    ProducerId next_producer_id() const;
    const std::optional<ProducerIdsRecord>& last_producer_ids() const { return producer_ids_; }

    const std::map<std::string, int16_t>& features() const { return features_; }
    std::optional<int16_t> metadata_version() const;

    // The image as records that rebuild it (a snapshot's content): metadata.version first, then
    // brokers, topics each followed by its partitions, configs, and the producer id block.
    std::vector<MetadataRecord> to_records() const;
    // The image those records build, as of `end_offset` (the snapshot holds every record below
    // it). An error if any record does not apply.
    static Result<MetadataImage> from_records(const std::vector<MetadataRecord>& records,
                                              Offset end_offset);

    bool operator==(const MetadataImage&) const = default;

private:
    // The checks and the change, without the offset's bookkeeping.
    Result<void> apply_record(const MetadataRecord& record);
    Result<void> apply_register(const RegisterBrokerRecord& record);
    Result<void> apply_broker_change(NodeId id, BrokerEpoch epoch, std::optional<bool> fenced,
                                     std::optional<bool> in_controlled_shutdown);
    Result<void> apply_unregister(const UnregisterBrokerRecord& record);
    Result<void> apply_topic(const TopicRecord& record);
    Result<void> apply_partition(const PartitionRecord& record);
    Result<void> apply_partition_change(const PartitionChangeRecord& record);
    Result<void> apply_remove_topic(const RemoveTopicRecord& record);
    Result<void> apply_config(const ConfigRecord& record);
    Result<void> apply_producer_ids(const ProducerIdsRecord& record);
    Result<void> apply_feature_level(const FeatureLevelRecord& record);

    Offset applied_offset_ = Offset(-1);
    std::map<NodeId, BrokerRegistration> brokers_;
    std::map<Uuid, TopicImage> topics_;
    std::map<std::string, Uuid, std::less<>> topic_ids_;
    std::map<ConfigResource, ConfigEntries> configs_;
    std::optional<ProducerIdsRecord> producer_ids_;
    std::map<std::string, int16_t> features_;
};

// Why a partition's state is not one the image accepts, or nullopt when it is: at least one
// replica, replicas distinct and not negative, the ISR a duplicate-free subset of the replicas,
// and the leader -1 or a member of the ISR. The controller ASSERTs the same of what it writes.
std::optional<std::string> partition_state_problem(const PartitionState& state);

}  // namespace brook::metadata
