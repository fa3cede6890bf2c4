#include "core/metadata/metadata_image.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "core/base/check.h"

namespace brook::metadata {
namespace {

Error contradiction(std::string what) {
    return Error(ErrorCode::invalid_argument, std::move(what));
}

std::string uuid_text(const Uuid& id) {
    std::string text;
    for (uint8_t byte : id) text += fmt::format("{:02x}", byte);
    return text;
}

bool has_duplicates(std::vector<NodeId> ids) {
    std::sort(ids.begin(), ids.end());
    return std::adjacent_find(ids.begin(), ids.end()) != ids.end();
}

bool contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

std::optional<std::string> partition_state_problem(const PartitionState& state) {
    if (state.replicas.empty()) return "no replicas";
    if (has_duplicates(state.replicas)) return "a replica listed twice";
    for (NodeId replica : state.replicas) {
        if (replica.value() < 0) return fmt::format("replica {}", replica);
    }
    if (has_duplicates(state.isr)) return "an ISR member listed twice";
    for (NodeId member : state.isr) {
        if (!contains(state.replicas, member))
            return fmt::format("ISR member {} not a replica", member);
    }
    if (state.leader != kNoLeader && !contains(state.isr, state.leader)) {
        return fmt::format("leader {} not in the ISR", state.leader);
    }
    return std::nullopt;
}

Result<void> MetadataImage::apply(const MetadataRecord& record, Offset offset) {
    if (offset <= applied_offset_) {
        return contradiction(fmt::format("{} at offset {}, not above {}", record_name(record),
                                         offset, applied_offset_));
    }
    applied_offset_ = offset;
    auto applied = apply_record(record);
    if (!applied) return std::move(applied).error().wrap(record_name(record));
    return {};
}

Result<void> MetadataImage::apply_command(const std::vector<MetadataRecord>& records,
                                          Offset offset) {
    if (records.size() == 1) return apply(records.front(), offset);  // unchanged on an error
    if (offset <= applied_offset_) {
        return contradiction(fmt::format("a command of {} records at offset {}, not above {}",
                                         records.size(), offset, applied_offset_));
    }
    // All or none: the records go to a copy that replaces the image only once all applied (the
    // controller's PendingRecords copies likewise; only commands of several records pay).
    MetadataImage next = *this;
    next.applied_offset_ = offset;
    applied_offset_ = offset;
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto applied = next.apply_record(records[i]);
        if (!applied) {
            return std::move(applied).error().wrap(fmt::format(
                "record {} of {} ({}) at offset {}: none applied", i, records.size(),
                record_name(records[i]), offset));
        }
    }
    *this = std::move(next);
    ASSERT(applied_offset_ == offset);
    return {};
}

Result<void> MetadataImage::apply_record(const MetadataRecord& record) {
    return std::visit(
        [this](const auto& body) -> Result<void> {
            using Record = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<Record, RegisterBrokerRecord>) {
                return apply_register(body);
            } else if constexpr (std::is_same_v<Record, UnregisterBrokerRecord>) {
                return apply_unregister(body);
            } else if constexpr (std::is_same_v<Record, FenceBrokerRecord>) {
                return apply_broker_change(body.id, body.epoch, true, std::nullopt);
            } else if constexpr (std::is_same_v<Record, UnfenceBrokerRecord>) {
                return apply_broker_change(body.id, body.epoch, false, std::nullopt);
            } else if constexpr (std::is_same_v<Record, BrokerRegistrationChangeRecord>) {
                std::optional<bool> fenced;
                if (body.fenced != FencingChange::none)
                    fenced = body.fenced == FencingChange::fenced;
                std::optional<bool> shutting_down;
                if (body.in_controlled_shutdown == ShutdownChange::in_controlled_shutdown) {
                    shutting_down = true;
                }
                return apply_broker_change(body.broker_id, body.broker_epoch, fenced,
                                           shutting_down);
            } else if constexpr (std::is_same_v<Record, TopicRecord>) {
                return apply_topic(body);
            } else if constexpr (std::is_same_v<Record, PartitionRecord>) {
                return apply_partition(body);
            } else if constexpr (std::is_same_v<Record, PartitionChangeRecord>) {
                return apply_partition_change(body);
            } else if constexpr (std::is_same_v<Record, RemoveTopicRecord>) {
                return apply_remove_topic(body);
            } else if constexpr (std::is_same_v<Record, ConfigRecord>) {
                return apply_config(body);
            } else if constexpr (std::is_same_v<Record, ProducerIdsRecord>) {
                return apply_producer_ids(body);
            } else if constexpr (std::is_same_v<Record, FeatureLevelRecord>) {
                return apply_feature_level(body);
            } else {
                static_assert(std::is_same_v<Record, NoOpRecord>);
                return {};
            }
        },
        record);
}

Result<void> MetadataImage::apply_register(const RegisterBrokerRecord& record) {
    if (record.broker_id.value() < 0) {
        return contradiction(fmt::format("broker id {}", record.broker_id));
    }
    // A broker epoch is the offset of its registration, so a later registration has a larger one.
    auto existing = brokers_.find(record.broker_id);
    if (existing != brokers_.end() && record.broker_epoch <= existing->second.epoch) {
        return contradiction(fmt::format("broker {} registers at epoch {}, not above {}",
                                         record.broker_id, record.broker_epoch,
                                         existing->second.epoch));
    }
    brokers_[record.broker_id] =
        BrokerRegistration{record.broker_id,    record.incarnation_id,
                           record.broker_epoch, record.endpoints,
                           record.features,     record.rack,
                           record.fenced,       record.in_controlled_shutdown};
    return {};
}

Result<void> MetadataImage::apply_broker_change(NodeId id, BrokerEpoch epoch,
                                                std::optional<bool> fenced,
                                                std::optional<bool> in_controlled_shutdown) {
    auto broker = brokers_.find(id);
    if (broker == brokers_.end() || broker->second.epoch != epoch) {
        return contradiction(fmt::format("no broker {} at epoch {}", id, epoch));
    }
    if (fenced) broker->second.fenced = *fenced;
    if (in_controlled_shutdown) broker->second.in_controlled_shutdown = *in_controlled_shutdown;
    return {};
}

Result<void> MetadataImage::apply_unregister(const UnregisterBrokerRecord& record) {
    auto broker = brokers_.find(record.broker_id);
    if (broker == brokers_.end() || broker->second.epoch != record.broker_epoch) {
        return contradiction(
            fmt::format("no broker {} at epoch {}", record.broker_id, record.broker_epoch));
    }
    brokers_.erase(broker);
    return {};
}

Result<void> MetadataImage::apply_topic(const TopicRecord& record) {
    if (record.name.empty() || record.topic_id == Uuid{}) {
        return contradiction("a topic without a name or an id");
    }
    if (topic_ids_.contains(record.name)) {
        return contradiction(fmt::format("topic {} exists", record.name));
    }
    if (topics_.contains(record.topic_id)) {
        return contradiction(fmt::format("topic id {} exists", uuid_text(record.topic_id)));
    }
    topics_[record.topic_id] = TopicImage{record.name, record.topic_id, {}};
    topic_ids_[record.name] = record.topic_id;
    return {};
}

Result<void> MetadataImage::apply_partition(const PartitionRecord& record) {
    auto topic = topics_.find(record.topic_id);
    if (topic == topics_.end()) {
        return contradiction(fmt::format("partition {} of unknown topic {}", record.partition_id,
                                         uuid_text(record.topic_id)));
    }
    if (record.partition_id.value() < 0 || topic->second.partitions.contains(record.partition_id)) {
        return contradiction(
            fmt::format("partition {} of {}", record.partition_id, topic->second.name));
    }
    PartitionState state{record.replicas, record.isr, record.leader, record.leader_epoch,
                         record.partition_epoch};
    if (auto problem = partition_state_problem(state)) return contradiction(*problem);
    topic->second.partitions[record.partition_id] = std::move(state);
    return {};
}

Result<void> MetadataImage::apply_partition_change(const PartitionChangeRecord& record) {
    auto topic = topics_.find(record.topic_id);
    if (topic == topics_.end() || !topic->second.partitions.contains(record.partition_id)) {
        return contradiction(fmt::format("change of unknown partition {} of {}",
                                         record.partition_id, uuid_text(record.topic_id)));
    }
    PartitionState state = topic->second.partitions.at(record.partition_id);
    if (record.replicas) state.replicas = *record.replicas;
    if (record.isr) state.isr = *record.isr;
    // Kafka's PartitionRegistration.merge: any leader field, even the same leader, is a new
    // leader epoch; every change is a new partition epoch.
    if (record.leader != kLeaderUnchanged) {
        state.leader = record.leader;
        state.leader_epoch = state.leader_epoch + 1;
    }
    state.partition_epoch = state.partition_epoch + 1;
    if (auto problem = partition_state_problem(state)) return contradiction(*problem);
    topic->second.partitions[record.partition_id] = std::move(state);
    return {};
}

Result<void> MetadataImage::apply_remove_topic(const RemoveTopicRecord& record) {
    auto topic = topics_.find(record.topic_id);
    if (topic == topics_.end()) {
        return contradiction(
            fmt::format("removal of unknown topic {}", uuid_text(record.topic_id)));
    }
    // Kafka's controller drops a removed topic's configs with it.
    configs_.erase(ConfigResource{ConfigResourceType::topic, topic->second.name});
    topic_ids_.erase(topic->second.name);
    topics_.erase(topic);
    return {};
}

Result<void> MetadataImage::apply_config(const ConfigRecord& record) {
    if (record.name.empty()) return contradiction("a config without a name");
    switch (record.resource_type) {
        case ConfigResourceType::topic:
            if (!topic_ids_.contains(record.resource_name)) {
                return contradiction(
                    fmt::format("config of unknown topic {}", record.resource_name));
            }
            break;
        case ConfigResourceType::broker:
            break;
        default:
            return contradiction(
                fmt::format("config resource type {}", static_cast<int>(record.resource_type)));
    }
    ConfigResource resource{record.resource_type, record.resource_name};
    if (record.value) {
        configs_[resource][record.name] = *record.value;
        return {};
    }
    auto entries = configs_.find(resource);
    if (entries == configs_.end()) return {};
    entries->second.erase(record.name);
    if (entries->second.empty()) configs_.erase(entries);
    return {};
}

Result<void> MetadataImage::apply_producer_ids(const ProducerIdsRecord& record) {
    // Producer ids never repeat in a cluster: every block starts above the last.
    if (record.next_producer_id <= next_producer_id()) {
        return contradiction(fmt::format("next producer id {} not above {}",
                                         record.next_producer_id, next_producer_id()));
    }
    producer_ids_ = record;
    return {};
}

Result<void> MetadataImage::apply_feature_level(const FeatureLevelRecord& record) {
    if (record.name.empty() || record.feature_level < 0) {
        return contradiction(fmt::format("feature {} level {}", record.name, record.feature_level));
    }
    // Level 0 is Kafka's "not finalized".
    if (record.feature_level == 0) {
        features_.erase(record.name);
    } else {
        features_[record.name] = record.feature_level;
    }
    return {};
}

const BrokerRegistration* MetadataImage::broker(NodeId id) const {
    auto found = brokers_.find(id);
    return found == brokers_.end() ? nullptr : &found->second;
}

const TopicImage* MetadataImage::topic(std::string_view name) const {
    auto id = topic_ids_.find(name);
    return id == topic_ids_.end() ? nullptr : topic(id->second);
}

const TopicImage* MetadataImage::topic(const Uuid& id) const {
    auto found = topics_.find(id);
    return found == topics_.end() ? nullptr : &found->second;
}

const PartitionState* MetadataImage::partition(const Uuid& topic_id, PartitionId partition) const {
    const TopicImage* owner = topic(topic_id);
    if (owner == nullptr) return nullptr;
    auto found = owner->partitions.find(partition);
    return found == owner->partitions.end() ? nullptr : &found->second;
}

const ConfigEntries& MetadataImage::configs_of(const ConfigResource& resource) const {
    static const ConfigEntries kNone;
    auto found = configs_.find(resource);
    return found == configs_.end() ? kNone : found->second;
}

ProducerId MetadataImage::next_producer_id() const {
    return producer_ids_ ? producer_ids_->next_producer_id : ProducerId(0);
}

std::optional<int16_t> MetadataImage::metadata_version() const {
    auto found = features_.find(std::string(kMetadataVersionFeature));
    if (found == features_.end()) return std::nullopt;
    return found->second;
}

}  // namespace brook::metadata
