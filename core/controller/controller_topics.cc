// The controller's topic, config and producer id commands (controller.h).
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "core/base/check.h"
#include "core/controller/controller.h"
#include "core/controller/pending_records.h"
#include "core/controller/replica_placer.h"

namespace brook::controller {

using metadata::ConfigRecord;
using metadata::ConfigResourceType;
using metadata::MetadataImage;
using metadata::PartitionEpoch;

namespace {

// Kafka's Topic.validate: 1 to 249 of [a-zA-Z0-9._-], and not "." or "..".
bool valid_topic_name(std::string_view name) {
    if (name.empty() || name.size() > kTopicNameBytesMax || name == "." || name == "..") {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

// Kafka refuses a topic whose name equals another's once '.' is read as '_': the two would
// share their metric names.
std::string collision_key(std::string_view name) {
    std::string key(name);
    std::replace(key.begin(), key.end(), '.', '_');
    return key;
}

// FNV-1a: a deterministic hash of a name, for the placement's rotation and topic ids.
uint64_t name_hash(std::string_view name) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : name) {
        hash ^= static_cast<uint8_t>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

uint64_t mix(uint64_t value) {  // splitmix64's finalizer
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

std::vector<PlacementBroker> usable_brokers(const MetadataImage& image) {
    std::vector<PlacementBroker> brokers;
    for (const auto& [id, broker] : image.brokers()) {
        if (broker.active()) brokers.push_back({id, broker.rack});
    }
    return brokers;
}

struct Assignment {
    KafkaError error = KafkaError::none;
    std::string message;
    std::vector<std::vector<NodeId>> replicas;  // by new partition
};

Assignment refuse(KafkaError error, std::string message) { return {error, std::move(message), {}}; }

// Kafka's validateManualPartitionAssignment: every partition has the same number of distinct,
// registered replicas, at least one of them able to lead.
Assignment check_manual(const PendingRecords& pending,
                        const std::vector<std::vector<NodeId>>& manual,
                        std::size_t replication_factor) {
    for (std::size_t p = 0; p < manual.size(); ++p) {
        const std::vector<NodeId>& replicas = manual[p];
        std::set<NodeId> distinct(replicas.begin(), replicas.end());
        if (replicas.empty() || distinct.size() != replicas.size() ||
            replicas.size() != replication_factor) {
            return refuse(KafkaError::invalid_replica_assignment,
                          fmt::format("partition {}: empty, repeated or uneven replicas", p));
        }
        bool any_may_lead = false;
        for (NodeId replica : replicas) {
            if (pending.image().broker(replica) == nullptr) {
                return refuse(KafkaError::invalid_replica_assignment,
                              fmt::format("broker {} is not registered", replica));
            }
            any_may_lead = any_may_lead || pending.may_lead(replica);
        }
        if (!any_may_lead) {
            return refuse(KafkaError::invalid_replica_assignment,
                          fmt::format("every replica of partition {} is fenced", p));
        }
    }
    return {KafkaError::none, {}, manual};
}

Assignment assign_replicas(const PendingRecords& pending, std::string_view topic, int32_t first,
                           int32_t count, int16_t replication_factor,
                           const std::vector<std::vector<NodeId>>& manual,
                           ControllerPlantedBug planted_bug) {
    if (!manual.empty()) {
        if (manual.size() != static_cast<std::size_t>(count)) {
            return refuse(KafkaError::invalid_replica_assignment,
                          fmt::format("{} assignments for {} partitions", manual.size(), count));
        }
        return check_manual(pending, manual, static_cast<std::size_t>(manual.front().size()));
    }
    if (replication_factor <= 0) {
        return refuse(KafkaError::invalid_replication_factor,
                      fmt::format("replication factor {}", replication_factor));
    }
    std::vector<PlacementBroker> brokers = usable_brokers(pending.image());
    if (static_cast<std::size_t>(replication_factor) > brokers.size()) {
        return refuse(KafkaError::invalid_replication_factor,
                      fmt::format("replication factor {} larger than the {} available brokers",
                                  replication_factor, brokers.size()));
    }
    PlacementRequest request{first, count, replication_factor, name_hash(topic)};
    return {KafkaError::none, {}, place_replicas(brokers, request, planted_bug)};
}

// The new partitions: the ISR is the replicas that may lead, in replica order, and the first of
// them leads.
void emit_partitions(PendingRecords& pending, const Uuid& topic_id, int32_t first,
                     const std::vector<std::vector<NodeId>>& replicas) {
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        std::vector<NodeId> isr;
        for (NodeId replica : replicas[i]) {
            if (pending.may_lead(replica)) isr.push_back(replica);
        }
        NodeId leader = isr.empty() ? metadata::kNoLeader : isr.front();
        pending.emit(metadata::PartitionRecord{PartitionId(first + static_cast<int32_t>(i)),
                                               topic_id, replicas[i], isr, leader, LeaderEpoch(0),
                                               PartitionEpoch(0)});
    }
}

}  // namespace

Uuid Controller::draw_topic_id(const PendingRecords& pending, const std::string& name,
                               Offset offset) const {
    for (uint64_t attempt = 0;; ++attempt) {
        uint64_t high = mix(options_.topic_id_seed ^ mix(static_cast<uint64_t>(offset.value())));
        uint64_t low = mix(high ^ name_hash(name) ^ mix(attempt));
        Uuid id{};
        for (int i = 0; i < 8; ++i) {
            id[i] = static_cast<uint8_t>(high >> (56 - 8 * i));
            id[8 + i] = static_cast<uint8_t>(low >> (56 - 8 * i));
        }
        // Never Kafka's zero id or its metadata topic's id (0, 1); never an id in use.
        bool reserved = high == 0 && low <= 1;
        if (!reserved && pending.image().topic(id) == nullptr) return id;
    }
}

CreateTopicResult Controller::create_topic(PendingRecords& pending, const CreateTopicCommand& topic,
                                           Offset next_offset) const {
    CreateTopicResult result{topic.name};
    auto fail = [&](KafkaError error, std::string message) {
        result.error = error;
        result.error_message = std::move(message);
        return result;
    };
    const MetadataImage& image = pending.image();
    if (!valid_topic_name(topic.name)) {
        return fail(KafkaError::invalid_topic_exception, "illegal topic name");
    }
    if (image.topic(topic.name) != nullptr) {
        return fail(KafkaError::topic_already_exists, fmt::format("topic {} exists", topic.name));
    }
    for (const auto& [id, other] : image.topics()) {
        if (collision_key(other.name) == collision_key(topic.name)) {
            return fail(KafkaError::invalid_topic_exception,
                        fmt::format("topic {} collides with {}", topic.name, other.name));
        }
    }
    if (image.topics().size() >= kTopicsMax) {
        return fail(KafkaError::policy_violation, "the cluster has its maximum of topics");
    }
    for (const auto& [name, value] : topic.configs) {
        if (name.empty()) return fail(KafkaError::invalid_config, "a config without a name");
    }
    const bool manual = !topic.assignment.empty();
    if (manual && (topic.num_partitions != -1 || topic.replication_factor != -1)) {
        return fail(KafkaError::invalid_request,
                    "an assignment with a partition count or replication factor");
    }
    int32_t partitions =
        manual ? static_cast<int32_t>(topic.assignment.size())
               : (topic.num_partitions == -1 ? options_.num_partitions : topic.num_partitions);
    if (partitions <= 0 || partitions > kPartitionsPerTopicMax) {
        return fail(KafkaError::invalid_partitions, fmt::format("{} partitions", partitions));
    }
    int16_t replication_factor = topic.replication_factor == -1
                                     ? options_.default_replication_factor
                                     : topic.replication_factor;
    Assignment assignment = assign_replicas(pending, topic.name, 0, partitions, replication_factor,
                                            topic.assignment, options_.planted_bug);
    if (assignment.error != KafkaError::none) return fail(assignment.error, assignment.message);
    // Only a salt for the draw: the command's records all share next_offset's entry.
    const Offset topic_offset = next_offset + static_cast<int64_t>(pending.size());
    result.topic_id = draw_topic_id(pending, topic.name, topic_offset);
    result.num_partitions = partitions;
    result.replication_factor = static_cast<int16_t>(assignment.replicas.front().size());
    pending.emit(metadata::TopicRecord{topic.name, result.topic_id});
    emit_partitions(pending, result.topic_id, 0, assignment.replicas);
    for (const auto& [name, value] : topic.configs) {
        pending.emit(ConfigRecord{ConfigResourceType::topic, topic.name, name, value});
    }
    return result;
}

ControllerResult<std::vector<CreateTopicResult>> Controller::create_topics(
    const CreateTopicsCommand& command, Offset next_offset) {
    PendingRecords pending = begin();
    std::map<std::string, int> mentions;
    for (const CreateTopicCommand& topic : command.topics) ++mentions[topic.name];
    std::vector<CreateTopicResult> results;
    for (const CreateTopicCommand& topic : command.topics) {
        if (mentions[topic.name] > 1) {
            results.push_back({topic.name, KafkaError::invalid_request, "duplicate topic name"});
        } else {
            results.push_back(create_topic(pending, topic, next_offset));
        }
    }
    if (command.validate_only) return {std::move(results), {}};
    return {std::move(results), finish(std::move(pending))};
}

ControllerResult<std::vector<DeleteTopicResult>> Controller::delete_topics(
    const DeleteTopicsCommand& command) {
    PendingRecords pending = begin();
    std::vector<DeleteTopicResult> results;
    for (const std::string& name : command.names) {
        const metadata::TopicImage* topic = pending.image().topic(name);
        if (topic == nullptr) {
            results.push_back({name, KafkaError::unknown_topic_or_partition});
            continue;
        }
        Uuid id = topic->id;
        pending.emit(metadata::RemoveTopicRecord{id});
        results.push_back({name, KafkaError::none, id});
    }
    return {std::move(results), finish(std::move(pending))};
}

ControllerResult<CreatePartitionsReply> Controller::create_partitions(
    const CreatePartitionsCommand& command) {
    PendingRecords pending = begin();
    const metadata::TopicImage* topic = image_.topic(command.topic);
    if (topic == nullptr) return {{KafkaError::unknown_topic_or_partition, "unknown topic"}, {}};
    const int32_t current = static_cast<int32_t>(topic->partitions.size());
    // New ids follow the highest, which is current - 1 unless a foreign log left gaps.
    const int32_t first =
        topic->partitions.empty() ? 0 : topic->partitions.rbegin()->first.value() + 1;
    if (command.count <= current || command.count > kPartitionsPerTopicMax) {
        return {{KafkaError::invalid_partitions,
                 fmt::format("{} partitions requested, the topic has {}", command.count, current)},
                {}};
    }
    // A topic from a foreign log may have no partitions: then the default replication factor.
    const std::size_t replication_factor =
        topic->partitions.empty()
            ? static_cast<std::size_t>(std::max<int16_t>(options_.default_replication_factor, 1))
            : topic->partitions.begin()->second.replicas.size();
    Assignment assignment =
        !command.assignment.empty() && command.assignment.front().size() != replication_factor
            ? refuse(KafkaError::invalid_replica_assignment,
                     fmt::format("the topic has {} replicas per partition", replication_factor))
            : assign_replicas(pending, command.topic, first, command.count - current,
                              static_cast<int16_t>(replication_factor), command.assignment,
                              options_.planted_bug);
    if (assignment.error != KafkaError::none) return {{assignment.error, assignment.message}, {}};
    emit_partitions(pending, topic->id, first, assignment.replicas);
    if (command.validate_only) return {{}, {}};
    return {{}, finish(std::move(pending))};
}

ControllerResult<AlterConfigsReply> Controller::alter_configs(const AlterConfigsCommand& command) {
    PendingRecords pending = begin();
    switch (command.resource_type) {
        case ConfigResourceType::topic:
            if (image_.topic(command.resource_name) == nullptr) {
                return {{KafkaError::unknown_topic_or_partition, "unknown topic"}, {}};
            }
            break;
        case ConfigResourceType::broker:
            break;
        default:
            return {{KafkaError::invalid_request, "unsupported resource type"}, {}};
    }
    for (const ConfigChange& change : command.changes) {
        if (change.name.empty())
            return {{KafkaError::invalid_config, "a config without a name"}, {}};
    }
    for (const ConfigChange& change : command.changes) {
        std::optional<std::string> value;
        if (change.operation == ConfigOperation::set) value = change.value;
        pending.emit(
            ConfigRecord{command.resource_type, command.resource_name, change.name, value});
    }
    if (command.validate_only) return {{}, {}};
    return {{}, finish(std::move(pending))};
}

ControllerResult<AllocateProducerIdsReply> Controller::allocate_producer_ids(
    const AllocateProducerIdsCommand& command) {
    PendingRecords pending = begin();
    const metadata::BrokerRegistration* broker = image_.broker(command.broker_id);
    if (broker == nullptr || broker->epoch != command.broker_epoch) {
        return {{KafkaError::stale_broker_epoch}, {}};
    }
    ProducerId first = image_.next_producer_id();
    if (first.value() > std::numeric_limits<int64_t>::max() - kProducerIdBlockSize) {
        return {{KafkaError::unknown_server_error}, {}};  // Kafka's "exhausted all producerIds"
    }
    pending.emit(metadata::ProducerIdsRecord{command.broker_id, command.broker_epoch,
                                             first + kProducerIdBlockSize});
    return {{KafkaError::none, first, static_cast<int32_t>(kProducerIdBlockSize)},
            finish(std::move(pending))};
}

}  // namespace brook::controller
