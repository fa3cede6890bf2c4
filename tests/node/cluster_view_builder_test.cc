#include "core/node/cluster_view_builder.h"

#include <catch2/catch.hpp>

#include "core/metadata/metadata_snapshot.h"

namespace brook::node {
namespace {

using namespace metadata;

Uuid uuid_of(uint8_t n) {
    Uuid id{};
    id[0] = 0x40;
    id[15] = n;
    return id;
}

PartitionRecord partition(uint8_t topic, int32_t id, std::vector<NodeId> replicas) {
    return PartitionRecord{.partition_id = PartitionId(id), .topic_id = uuid_of(topic),
                           .replicas = replicas, .isr = replicas, .leader = replicas.front(),
                           .leader_epoch = LeaderEpoch(0), .partition_epoch = PartitionEpoch(0)};
}

// The image of `records` applied at offsets 0, 1, ...
MetadataImage image_of(const std::vector<MetadataRecord>& records) {
    MetadataImage image;
    for (size_t i = 0; i < records.size(); ++i) {
        auto applied = image.apply(records[i], Offset(static_cast<int64_t>(i)));
        INFO((applied.ok() ? std::string() : applied.error().describe()));
        REQUIRE(applied.ok());
    }
    return image;
}

// Brokers 1-3 (2 on rack "b", unfenced; 3 in controlled shutdown), topic "orders" with two
// partitions and a config, topic "audit" with one.
MetadataImage cluster() {
    std::vector<MetadataRecord> records{FeatureLevelRecord{"metadata.version", 7}};
    for (int32_t id = 1; id <= 3; ++id) {
        RegisterBrokerRecord record{NodeId(id), uuid_of(100 + id), BrokerEpoch(id)};
        record.endpoints.push_back({"PLAINTEXT", fmt::format("n{}", id),
                                    static_cast<uint16_t>(9090 + id), 0});
        if (id == 2) record.rack = std::string("b");
        records.push_back(record);
    }
    records.push_back(
        BrokerRegistrationChangeRecord{NodeId(2), BrokerEpoch(2), FencingChange::unfenced});
    records.push_back(
        BrokerRegistrationChangeRecord{NodeId(3), BrokerEpoch(3), FencingChange::unfenced});
    records.push_back(BrokerRegistrationChangeRecord{NodeId(3), BrokerEpoch(3), FencingChange::none,
                                                     ShutdownChange::in_controlled_shutdown});
    records.push_back(TopicRecord{"orders", uuid_of(1)});
    records.push_back(partition(1, 0, {NodeId(2), NodeId(3)}));
    records.push_back(partition(1, 1, {NodeId(3), NodeId(2)}));
    records.push_back(ConfigRecord{ConfigResourceType::topic, "orders", "retention.ms", "1000"});
    records.push_back(ConfigRecord{ConfigResourceType::broker, "2", "log.retention.ms", "5"});
    records.push_back(TopicRecord{"audit", uuid_of(2)});
    records.push_back(partition(2, 0, {NodeId(1)}));
    PartitionChangeRecord moved{PartitionId(1), uuid_of(1)};
    moved.leader = NodeId(2);
    records.push_back(moved);
    return image_of(records);
}

TEST_CASE("cluster view builder: brokers with endpoints, rack, fenced and shutdown flags") {
    MetadataImage image = cluster();
    cluster::ClusterView view = view_of(image, NodeId(2), /*caught_up=*/true);
    REQUIRE(view.metadata_offset == image.applied_offset());
    REQUIRE(view.metadata_offset == Offset(14));  // 15 records
    REQUIRE(view.caught_up);
    REQUIRE(view.controller == NodeId(2));
    REQUIRE(view.brokers.size() == 3);
    for (size_t i = 0; i < 3; ++i) REQUIRE(view.brokers[i].id == NodeId(static_cast<int>(i) + 1));
    REQUIRE(view.brokers[0].fenced);
    REQUIRE(!view.brokers[1].fenced);
    REQUIRE(view.brokers[1].rack == "b");
    REQUIRE(!view.brokers[0].rack);
    REQUIRE(view.brokers[2].in_controlled_shutdown);
    REQUIRE(!view.brokers[1].in_controlled_shutdown);
    REQUIRE(view.brokers[2].endpoints ==
            std::vector<cluster::BrokerEndpoint>{{"PLAINTEXT", "n3", 9093}});
}

TEST_CASE("cluster view builder: topics by name with ids, their configs and partitions") {
    cluster::ClusterView view = view_of(cluster(), std::nullopt, /*caught_up=*/false);
    REQUIRE(!view.controller);
    REQUIRE(!view.caught_up);
    REQUIRE(view.topics.size() == 2);
    const cluster::TopicInfo& orders = view.topics.at("orders");
    REQUIRE(orders.id == uuid_of(1));
    // Only the topic's own resource: the broker config stays out.
    REQUIRE(orders.configs == std::map<std::string, std::string>{{"retention.ms", "1000"}});
    REQUIRE(orders.partitions.size() == 2);
    REQUIRE(orders.partitions[0].id == PartitionId(0));
    REQUIRE(orders.partitions[0].replicas == std::vector<NodeId>{NodeId(2), NodeId(3)});
    REQUIRE(orders.partitions[0].leader == NodeId(2));
    REQUIRE(orders.partitions[0].leader_epoch == LeaderEpoch(0));
    REQUIRE(orders.partitions[0].partition_epoch == 0);
    // The change moved partition 1's leader and bumped both epochs.
    REQUIRE(orders.partitions[1].leader == NodeId(2));
    REQUIRE(orders.partitions[1].leader_epoch == LeaderEpoch(1));
    REQUIRE(orders.partitions[1].partition_epoch == 1);
    REQUIRE(orders.partitions[1].isr == std::vector<NodeId>{NodeId(3), NodeId(2)});
    const cluster::TopicInfo& audit = view.topics.at("audit");
    REQUIRE(audit.configs.empty());
    REQUIRE(audit.partitions.size() == 1);
}

TEST_CASE("cluster view builder: a gap in partition ids cuts the topic's list there") {
    MetadataImage image = image_of({TopicRecord{"gappy", uuid_of(7)}, partition(7, 0, {NodeId(1)}),
                                    partition(7, 2, {NodeId(1)})});
    cluster::ClusterView view = view_of(image, std::nullopt, true);
    REQUIRE(view.topics.at("gappy").partitions.size() == 1);
}

TEST_CASE("cluster view builder: an empty image gives an empty view") {
    cluster::ClusterView view = view_of(MetadataImage{}, std::nullopt, false);
    REQUIRE(view.metadata_offset == Offset(-1));
    REQUIRE(view.brokers.empty());
    REQUIRE(view.topics.empty());
}

TEST_CASE("cluster view builder: the same image gives the same view") {
    REQUIRE(view_of(cluster(), NodeId(1), true) == view_of(cluster(), NodeId(1), true));
    // Also when one node has the image from the log and another from a snapshot of it (a
    // restarted or lagging node): building twice from one route alone holds for any
    // deterministic view_of, right or wrong.
    MetadataImage from_log = cluster();
    Result<MetadataImage> from_snapshot =
        decode_snapshot(encode_snapshot(from_log), from_log.applied_offset() + 1);
    REQUIRE(from_snapshot.ok());
    REQUIRE(view_of(*from_snapshot, NodeId(1), true) == view_of(from_log, NodeId(1), true));
}

}  // namespace
}  // namespace brook::node
