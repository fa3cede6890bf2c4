#include "core/metadata/metadata_image.h"

#include <catch2/catch.hpp>

#include "core/metadata/metadata_snapshot.h"

namespace brook::metadata {
namespace {

Uuid topic_id(uint8_t n) {
    Uuid id{};
    id[15] = n;
    id[0] = 0x40;
    return id;
}

// Applies records at offsets 0, 1, ... and requires each to apply.
struct Log {
    MetadataImage image;
    Offset next = Offset(0);

    Result<void> apply(const MetadataRecord& record) {
        auto applied = image.apply(record, next);
        next = next + 1;
        return applied;
    }
    void require(const MetadataRecord& record) {
        auto applied = apply(record);
        INFO((applied.ok() ? std::string() : applied.error().describe()));
        REQUIRE(applied.ok());
    }
};

PartitionRecord partition(uint8_t topic, int32_t id, std::vector<int32_t> replicas) {
    PartitionRecord record{PartitionId(id), topic_id(topic)};
    for (int32_t replica : replicas) record.replicas.push_back(NodeId(replica));
    record.isr = record.replicas;
    record.leader = record.replicas.front();
    record.leader_epoch = LeaderEpoch(0);
    record.partition_epoch = PartitionEpoch(0);
    return record;
}

Log cluster_with_topic() {
    Log log;
    log.require(FeatureLevelRecord{"metadata.version", 7});
    for (int32_t id = 1; id <= 3; ++id) {
        log.require(
            RegisterBrokerRecord{NodeId(id), topic_id(100 + id), BrokerEpoch(log.next.value())});
    }
    log.require(TopicRecord{"orders", topic_id(1)});
    log.require(partition(1, 0, {1, 2, 3}));
    log.require(partition(1, 1, {2, 3, 1}));
    log.require(ConfigRecord{ConfigResourceType::topic, "orders", "retention.ms", "1000"});
    return log;
}

TEST_CASE("metadata image: records build brokers, topics, partitions and configs") {
    Log log = cluster_with_topic();
    const MetadataImage& image = log.image;
    REQUIRE(image.metadata_version() == 7);
    REQUIRE(image.brokers().size() == 3);
    REQUIRE(image.broker(NodeId(2))->epoch == BrokerEpoch(2));
    REQUIRE(image.broker(NodeId(2))->fenced);
    const TopicImage* orders = image.topic("orders");
    REQUIRE(orders != nullptr);
    REQUIRE(orders->partitions.size() == 2);
    REQUIRE(image.configs_of({ConfigResourceType::topic, "orders"}).at("retention.ms") == "1000");
    REQUIRE(image.applied_offset() == Offset(7));
}

TEST_CASE("metadata image: a partition change bumps the epochs as Kafka's merge does") {
    Log log = cluster_with_topic();
    PartitionChangeRecord shrink{PartitionId(0), topic_id(1)};
    shrink.isr = std::vector<NodeId>{NodeId(1), NodeId(2)};
    log.require(shrink);
    const PartitionState* state = log.image.partition(topic_id(1), PartitionId(0));
    REQUIRE(state->leader_epoch == LeaderEpoch(0));
    REQUIRE(state->partition_epoch == PartitionEpoch(1));
    PartitionChangeRecord elect{PartitionId(0), topic_id(1)};
    elect.leader = NodeId(2);
    log.require(elect);
    REQUIRE(state->leader == NodeId(2));
    REQUIRE(state->leader_epoch == LeaderEpoch(1));
    REQUIRE(state->partition_epoch == PartitionEpoch(2));
}

TEST_CASE("metadata image: contradictions are errors and leave the image as it was") {
    Log log = cluster_with_topic();
    const MetadataImage before = log.image;
    auto rejected = [&](const MetadataRecord& record) {
        auto applied = log.apply(record);
        bool unchanged = log.image.topics() == before.topics() &&
                         log.image.brokers() == before.brokers() &&
                         log.image.configs() == before.configs();
        return !applied.ok() && unchanged;
    };
    REQUIRE(rejected(partition(9, 0, {1})));     // unknown topic
    REQUIRE(rejected(partition(1, 0, {1})));     // partition exists
    REQUIRE(rejected(partition(1, 2, {1, 1})));  // a replica twice
    PartitionRecord outside = partition(1, 2, {1, 2});
    outside.leader = NodeId(3);
    REQUIRE(rejected(outside));  // leader outside the ISR
    PartitionChangeRecord unknown{PartitionId(5), topic_id(1)};
    unknown.leader = NodeId(1);
    REQUIRE(rejected(unknown));
    PartitionChangeRecord isr_not_replicas{PartitionId(0), topic_id(1)};
    isr_not_replicas.isr = std::vector<NodeId>{NodeId(4)};
    REQUIRE(rejected(isr_not_replicas));
    REQUIRE(rejected(FenceBrokerRecord{NodeId(1), BrokerEpoch(99)}));        // another epoch
    REQUIRE(rejected(RegisterBrokerRecord{NodeId(1), {}, BrokerEpoch(0)}));  // epoch not above
    REQUIRE(rejected(TopicRecord{"orders", topic_id(2)}));                   // name taken
    REQUIRE(rejected(ConfigRecord{ConfigResourceType::topic, "nope", "a", "b"}));
    REQUIRE(rejected(RemoveTopicRecord{topic_id(9)}));
    log.require(ProducerIdsRecord{NodeId(1), BrokerEpoch(1), ProducerId(1000)});
    REQUIRE_FALSE(log.apply(ProducerIdsRecord{NodeId(1), BrokerEpoch(1), ProducerId(1000)}).ok());
    // An offset at or below the last is refused before anything else.
    REQUIRE_FALSE(log.image.apply(NoOpRecord{}, Offset(3)).ok());
}

TEST_CASE("metadata image: a command's records apply at one offset, all or none") {
    Log log = cluster_with_topic();
    const MetadataImage before = log.image;
    // A CreateTopics whose last partition contradicts the image (a replica twice): none of it.
    std::vector<MetadataRecord> torn{TopicRecord{"payments", topic_id(2)}, partition(2, 0, {1, 2}),
                                     partition(2, 1, {1, 1})};
    Offset offset = log.next;
    auto refused = log.image.apply_command(torn, offset);
    REQUIRE_FALSE(refused.ok());
    REQUIRE(log.image.topic("payments") == nullptr);
    REQUIRE(log.image.topics() == before.topics());
    REQUIRE(log.image.applied_offset() == offset);  // the offset is consumed all the same
    // The whole command at the next offset: every record, all reporting that offset.
    std::vector<MetadataRecord> command{TopicRecord{"payments", topic_id(2)},
                                        partition(2, 0, {1, 2}), partition(2, 1, {2, 3}),
                                        RegisterBrokerRecord{NodeId(4), topic_id(104),
                                                             BrokerEpoch(offset.value() + 1)}};
    REQUIRE(log.image.apply_command(command, offset + 1).ok());
    REQUIRE(log.image.applied_offset() == offset + 1);
    REQUIRE(log.image.topic("payments")->partitions.size() == 2);
    REQUIRE(log.image.broker(NodeId(4))->epoch == BrokerEpoch(offset.value() + 1));
    // Not above the last offset: refused before anything is looked at.
    REQUIRE_FALSE(log.image.apply_command({NoOpRecord{}, NoOpRecord{}}, offset + 1).ok());
}

TEST_CASE("metadata image: removing a topic removes its partitions and configs") {
    Log log = cluster_with_topic();
    log.require(RemoveTopicRecord{topic_id(1)});
    REQUIRE(log.image.topic("orders") == nullptr);
    REQUIRE(log.image.configs().empty());
    log.require(TopicRecord{"orders", topic_id(2)});  // the name is free again
}

TEST_CASE("metadata image: broker state changes follow the registration's epoch") {
    Log log = cluster_with_topic();
    log.require(BrokerRegistrationChangeRecord{NodeId(1), BrokerEpoch(1), FencingChange::unfenced});
    REQUIRE(log.image.broker(NodeId(1))->active());
    log.require(BrokerRegistrationChangeRecord{NodeId(1), BrokerEpoch(1), FencingChange::none,
                                               ShutdownChange::in_controlled_shutdown});
    REQUIRE_FALSE(log.image.broker(NodeId(1))->active());
    log.require(UnfenceBrokerRecord{NodeId(2), BrokerEpoch(2)});
    log.require(FenceBrokerRecord{NodeId(2), BrokerEpoch(2)});
    REQUIRE(log.image.broker(NodeId(2))->fenced);
    log.require(UnregisterBrokerRecord{NodeId(3), BrokerEpoch(3)});
    REQUIRE(log.image.broker(NodeId(3)) == nullptr);
}

TEST_CASE("metadata image: a snapshot rebuilds the same image") {
    Log log = cluster_with_topic();
    log.require(BrokerRegistrationChangeRecord{NodeId(1), BrokerEpoch(1), FencingChange::unfenced});
    log.require(ProducerIdsRecord{NodeId(1), BrokerEpoch(1), ProducerId(2000)});
    log.require(ConfigRecord{ConfigResourceType::broker, "", "log.retention.ms", "5"});
    std::string bytes = encode_snapshot(log.image);
    auto rebuilt = decode_snapshot(bytes, log.next);
    REQUIRE(rebuilt.ok());
    REQUIRE(*rebuilt == log.image);
    // Bytes that are not a snapshot are an error.
    REQUIRE_FALSE(decode_snapshot(bytes.substr(0, bytes.size() - 1), log.next).ok());
    REQUIRE_FALSE(decode_snapshot("\x05\x01", log.next).ok());
}

}  // namespace
}  // namespace brook::metadata
