#include "core/controller/controller.h"

#include <catch2/catch.hpp>

#include "tests/controller/controller_harness.h"

namespace brook::controller {
namespace {

using metadata::kNoLeader;
using metadata::PartitionState;
using testing::ControllerHarness;

const PartitionState& partition_of(const ControllerHarness& cluster, const std::string& topic,
                                   int32_t partition) {
    const metadata::TopicImage* image = cluster.controller.image().topic(topic);
    REQUIRE(image != nullptr);
    return image->partitions.at(PartitionId(partition));
}

TEST_CASE("controller: a new cluster's log starts with metadata.version") {
    ControllerHarness cluster;
    REQUIRE(cluster.controller.image().metadata_version() == kMetadataVersionLevel);
    REQUIRE(cluster.controller.bootstrap().empty());
}

TEST_CASE("controller: a broker's epoch is its registration's offset; it starts fenced") {
    ControllerHarness cluster;
    Offset offset = cluster.next_offset;
    RegisterBrokerReply reply = cluster.register_broker(1);
    REQUIRE(reply.error == KafkaError::none);
    REQUIRE(reply.broker_epoch == BrokerEpoch(offset.value()));
    REQUIRE(cluster.controller.image().broker(NodeId(1))->fenced);
    // Not caught up: a heartbeat from before its own registration leaves it fenced.
    HeartbeatReply behind = cluster.commit(cluster.controller.heartbeat(
        {NodeId(1), reply.broker_epoch, offset - 1, false, false}, cluster.now_ms));
    REQUIRE(behind.is_fenced);
    REQUIRE_FALSE(behind.is_caught_up);
    HeartbeatReply caught_up = cluster.heartbeat(1);
    REQUIRE(caught_up.is_caught_up);
    REQUIRE_FALSE(caught_up.is_fenced);
    REQUIRE(cluster.controller.image().broker(NodeId(1))->active());
}

TEST_CASE("controller: a broker that cannot read the metadata.version may not register") {
    ControllerHarness cluster;
    RegisterBrokerCommand command{NodeId(1), ControllerHarness::incarnation(1), {}, {}, {}};
    command.features = {{"metadata.version", 1, kMetadataVersionLevel - 1}};
    auto refused = cluster.controller.register_broker(command, cluster.next_offset, 0);
    REQUIRE(refused.reply.error == KafkaError::unsupported_version);
    REQUIRE(refused.records.empty());
    command.features = {{"metadata.version", 1, kMetadataVersionLevel}};
    REQUIRE(
        cluster.commit(cluster.controller.register_broker(command, cluster.next_offset, 0)).error ==
        KafkaError::none);
}

TEST_CASE("controller: heartbeats of unknown brokers or old epochs are refused") {
    ControllerHarness cluster;
    REQUIRE(cluster.heartbeat(7).error == KafkaError::stale_broker_epoch);
    RegisterBrokerReply reply = cluster.register_broker(1);
    auto stale = cluster.controller.heartbeat(
        {NodeId(1), reply.broker_epoch - 1, cluster.next_offset, false, false}, 0);
    REQUIRE(stale.reply.error == KafkaError::stale_broker_epoch);
    REQUIRE(stale.records.empty());
}

TEST_CASE("controller: another incarnation is refused until the live one's session expires") {
    ControllerHarness cluster;
    cluster.start_brokers(1);
    REQUIRE(cluster.register_broker(1, std::nullopt, /*generation=*/1).error ==
            KafkaError::duplicate_broker_registration);
    // The same incarnation again (a retry) is fine and gets a new epoch.
    BrokerEpoch before = cluster.controller.image().broker(NodeId(1))->epoch;
    REQUIRE(cluster.register_broker(1).broker_epoch > before);
    cluster.heartbeat(1);
    cluster.now_ms += 9001;
    cluster.tick();
    REQUIRE(cluster.controller.image().broker(NodeId(1))->fenced);
    REQUIRE(cluster.register_broker(1, std::nullopt, 1).error == KafkaError::none);
}

TEST_CASE("controller: an expired session fences the broker and moves its leaderships") {
    ControllerHarness cluster;
    cluster.start_brokers(3);
    REQUIRE(cluster.create_topic("orders", 6, 3).error == KafkaError::none);
    std::map<int32_t, PartitionState> before;
    for (int32_t p = 0; p < 6; ++p) before[p] = partition_of(cluster, "orders", p);
    cluster.now_ms += 5000;
    cluster.heartbeat(2);
    cluster.heartbeat(3);
    cluster.now_ms += 5000;  // broker 1 silent for 10 s, the others for 5 s
    cluster.tick();
    REQUIRE(cluster.controller.image().broker(NodeId(1))->fenced);
    REQUIRE(cluster.controller.image().broker(NodeId(2))->active());
    for (int32_t p = 0; p < 6; ++p) {
        const PartitionState& now = partition_of(cluster, "orders", p);
        REQUIRE(now.leader != NodeId(1));
        REQUIRE(std::find(now.isr.begin(), now.isr.end(), NodeId(1)) == now.isr.end());
        REQUIRE(now.partition_epoch == before[p].partition_epoch + 1);
        bool led_by_fenced = before[p].leader == NodeId(1);
        REQUIRE(now.leader_epoch == before[p].leader_epoch + (led_by_fenced ? 1 : 0));
    }
}

TEST_CASE("controller: the last ISR member stays in the ISR without a leader, and leads again") {
    ControllerHarness cluster;
    cluster.start_brokers(1);
    cluster.create_topic("solo", 1, 1);
    REQUIRE(cluster.heartbeat(1, /*want_fence=*/true).is_fenced);
    const PartitionState& fenced = partition_of(cluster, "solo", 0);
    REQUIRE(fenced.leader == kNoLeader);
    REQUIRE(fenced.isr == std::vector<NodeId>{NodeId(1)});
    REQUIRE_FALSE(cluster.heartbeat(1).is_fenced);
    const PartitionState& back = partition_of(cluster, "solo", 0);
    REQUIRE(back.leader == NodeId(1));
    REQUIRE(back.leader_epoch == LeaderEpoch(2));
}

TEST_CASE("controller: controlled shutdown moves leadership away first, then lets go") {
    ControllerHarness cluster;
    cluster.start_brokers(2);
    cluster.create_topic("orders", 4, 2);
    HeartbeatReply entering = cluster.heartbeat(1, false, /*want_shutdown=*/true);
    REQUIRE_FALSE(entering.should_shut_down);
    REQUIRE(cluster.controller.image().broker(NodeId(1))->in_controlled_shutdown);
    for (int32_t p = 0; p < 4; ++p) REQUIRE(partition_of(cluster, "orders", p).leader == NodeId(2));
    HeartbeatReply leaving = cluster.heartbeat(1, false, true);
    REQUIRE(leaving.should_shut_down);
    REQUIRE(leaving.is_fenced);
}

TEST_CASE("controller: CreateTopics validates as Kafka does") {
    ControllerHarness cluster;
    cluster.start_brokers(3);
    REQUIRE(cluster.create_topic("orders", 3, 2).error == KafkaError::none);
    REQUIRE(cluster.create_topic("orders", 3, 2).error == KafkaError::topic_already_exists);
    REQUIRE(cluster.create_topic("bad name", 1, 1).error == KafkaError::invalid_topic_exception);
    REQUIRE(cluster.create_topic("..", 1, 1).error == KafkaError::invalid_topic_exception);
    REQUIRE(cluster.create_topic(std::string(250, 'a'), 1, 1).error ==
            KafkaError::invalid_topic_exception);
    REQUIRE(cluster.create_topic("a.b", 1, 1).error == KafkaError::none);
    REQUIRE(cluster.create_topic("a_b", 1, 1).error == KafkaError::invalid_topic_exception);
    REQUIRE(cluster.create_topic("wide", 1, 4).error == KafkaError::invalid_replication_factor);
    REQUIRE(cluster.create_topic("none", 0, 1).error == KafkaError::invalid_partitions);
    REQUIRE(cluster.create_topic("zero", 1, 0).error == KafkaError::invalid_replication_factor);
    // Defaults: num.partitions and default.replication.factor.
    CreateTopicResult defaults = cluster.create_topic("defaults", -1, -1);
    REQUIRE(defaults.num_partitions == 1);
    REQUIRE(defaults.replication_factor == 1);
    // A name twice in one request: both refused.
    CreateTopicsCommand twice{{{"dup", 1, 1}, {"dup", 1, 1}}};
    auto results = cluster.commit(cluster.controller.create_topics(twice, cluster.next_offset));
    REQUIRE(results[0].error == KafkaError::invalid_request);
    REQUIRE(results[1].error == KafkaError::invalid_request);
    // Fenced brokers do not count.
    cluster.heartbeat(3, /*want_fence=*/true);
    REQUIRE(cluster.create_topic("three", 1, 3).error == KafkaError::invalid_replication_factor);
}

TEST_CASE("controller: CreateTopics writes the topic, its partitions and its configs") {
    ControllerHarness cluster;
    cluster.start_brokers(3);
    CreateTopicsCommand command{{{"orders", 2, 3, {}, {{"retention.ms", "60000"}}}}};
    auto result = cluster.controller.create_topics(command, cluster.next_offset);
    REQUIRE(result.records.size() == 4);  // TopicRecord, 2 PartitionRecords, ConfigRecord
    cluster.commit(result.records);
    const metadata::TopicImage* topic = cluster.controller.image().topic("orders");
    REQUIRE(topic->id == result.reply.front().topic_id);
    for (const auto& [id, partition] : topic->partitions) {
        REQUIRE(partition.replicas.size() == 3);
        REQUIRE(partition.isr == partition.replicas);
        REQUIRE(partition.leader == partition.replicas.front());
    }
    REQUIRE(cluster.controller.image()
                .configs_of({metadata::ConfigResourceType::topic, "orders"})
                .at("retention.ms") == "60000");
    // validate_only answers and writes nothing.
    CreateTopicsCommand dry{{{"dry", 1, 1}}, /*validate_only=*/true};
    auto checked = cluster.controller.create_topics(dry, cluster.next_offset);
    REQUIRE(checked.reply.front().error == KafkaError::none);
    REQUIRE(checked.records.empty());
}

TEST_CASE("controller: an explicit assignment is checked and kept") {
    ControllerHarness cluster;
    cluster.start_brokers(3);
    auto create = [&](std::vector<std::vector<NodeId>> assignment) {
        CreateTopicsCommand command{{{"manual", -1, -1, std::move(assignment)}}};
        return cluster.commit(cluster.controller.create_topics(command, cluster.next_offset))
            .front()
            .error;
    };
    REQUIRE(create({{NodeId(1), NodeId(1)}}) == KafkaError::invalid_replica_assignment);
    REQUIRE(create({{NodeId(1), NodeId(9)}}) == KafkaError::invalid_replica_assignment);
    REQUIRE(create({{NodeId(1)}, {NodeId(1), NodeId(2)}}) ==
            KafkaError::invalid_replica_assignment);
    REQUIRE(create({{NodeId(3), NodeId(1)}, {NodeId(2), NodeId(3)}}) == KafkaError::none);
    REQUIRE(partition_of(cluster, "manual", 0).replicas ==
            std::vector<NodeId>{NodeId(3), NodeId(1)});
    REQUIRE(partition_of(cluster, "manual", 1).leader == NodeId(2));
}

TEST_CASE("controller: DeleteTopics, CreatePartitions and configs") {
    ControllerHarness cluster;
    cluster.start_brokers(2);
    cluster.create_topic("orders", 2, 2);
    auto grown = cluster.commit(cluster.controller.create_partitions({"orders", 5}));
    REQUIRE(grown.error == KafkaError::none);
    REQUIRE(cluster.controller.image().topic("orders")->partitions.size() == 5);
    REQUIRE(cluster.commit(cluster.controller.create_partitions({"orders", 5})).error ==
            KafkaError::invalid_partitions);
    REQUIRE(cluster.commit(cluster.controller.create_partitions({"nope", 5})).error ==
            KafkaError::unknown_topic_or_partition);

    AlterConfigsCommand alter{metadata::ConfigResourceType::topic,
                              "orders",
                              {{"cleanup.policy", ConfigOperation::set, "compact"}}};
    REQUIRE(cluster.commit(cluster.controller.alter_configs(alter)).error == KafkaError::none);
    metadata::ConfigResource resource{metadata::ConfigResourceType::topic, "orders"};
    REQUIRE(cluster.controller.image().configs_of(resource).at("cleanup.policy") == "compact");
    alter.changes = {{"cleanup.policy", ConfigOperation::remove, ""}};
    cluster.commit(cluster.controller.alter_configs(alter));
    REQUIRE(cluster.controller.image().configs_of(resource).empty());
    alter.resource_name = "nope";
    REQUIRE(cluster.commit(cluster.controller.alter_configs(alter)).error ==
            KafkaError::unknown_topic_or_partition);

    auto deleted = cluster.commit(cluster.controller.delete_topics({{"orders", "nope"}}));
    REQUIRE(deleted[0].error == KafkaError::none);
    REQUIRE(deleted[1].error == KafkaError::unknown_topic_or_partition);
    REQUIRE(cluster.controller.image().topic("orders") == nullptr);
}

TEST_CASE("controller: producer id blocks never repeat") {
    ControllerHarness cluster;
    cluster.start_brokers(2);
    BrokerEpoch epoch = cluster.controller.image().broker(NodeId(1))->epoch;
    auto first = cluster.commit(cluster.controller.allocate_producer_ids({NodeId(1), epoch}));
    auto second = cluster.commit(cluster.controller.allocate_producer_ids({NodeId(1), epoch}));
    REQUIRE(first.first_producer_id == ProducerId(0));
    REQUIRE(first.producer_id_length == 1000);
    REQUIRE(second.first_producer_id == ProducerId(1000));
    REQUIRE(
        cluster.commit(cluster.controller.allocate_producer_ids({NodeId(1), epoch - 1})).error ==
        KafkaError::stale_broker_epoch);
}

TEST_CASE("controller: unregistering a broker takes it out of its partitions first") {
    ControllerHarness cluster;
    cluster.start_brokers(2);
    cluster.create_topic("orders", 2, 2);
    REQUIRE(cluster.commit(cluster.controller.unregister_broker({NodeId(1)})) == KafkaError::none);
    REQUIRE(cluster.controller.image().broker(NodeId(1)) == nullptr);
    for (int32_t p = 0; p < 2; ++p) REQUIRE(partition_of(cluster, "orders", p).leader == NodeId(2));
    REQUIRE(cluster.commit(cluster.controller.unregister_broker({NodeId(1)})) ==
            KafkaError::broker_id_not_registered);
}

TEST_CASE("controller: a controller rebuilt from the log has the same image and snapshot") {
    ControllerHarness cluster;
    cluster.start_brokers(3, {"a", "b"});
    cluster.create_topic("orders", 4, 2);
    cluster.heartbeat(2, true);
    Controller rebuilt(ControllerOptions{});
    // The follower saw the same records at the same offsets.
    REQUIRE(cluster.follower == cluster.controller.image());
    for (const MetadataRecord& record : cluster.controller.image().to_records()) {
        REQUIRE(rebuilt.replay({record}, rebuilt.image().applied_offset() + 1).ok());
    }
    REQUIRE(rebuilt.image().topics() == cluster.controller.image().topics());
    REQUIRE(rebuilt.image().brokers() == cluster.controller.image().brokers());
}

TEST_CASE("controller: a foreign log's odd but valid state is worked with, not asserted on") {
    // A log another controller wrote: broker 2 is fenced yet leads partition 0, and the topic's
    // partition ids have a gap (0 and 5).
    ControllerHarness cluster;
    cluster.start_brokers(3);
    Uuid id{};
    id[0] = 9;
    auto partition = [&](int32_t p, int32_t leader) {
        return metadata::PartitionRecord{PartitionId(p),
                                         id,
                                         {NodeId(1), NodeId(2)},
                                         {NodeId(1), NodeId(2)},
                                         NodeId(leader),
                                         LeaderEpoch(0),
                                         metadata::PartitionEpoch(0)};
    };
    BrokerEpoch epoch = cluster.controller.image().broker(NodeId(2))->epoch;
    REQUIRE(cluster.commit({metadata::TopicRecord{"odd", id}, partition(0, 2), partition(5, 1),
                            metadata::BrokerRegistrationChangeRecord{
                                NodeId(2), epoch, metadata::FencingChange::fenced}}));
    // Unrelated commands go on; new partitions take ids after the highest.
    REQUIRE(cluster.create_topic("orders", 2, 1).error == KafkaError::none);
    REQUIRE(cluster.commit(cluster.controller.create_partitions({"odd", 3})).error ==
            KafkaError::none);
    REQUIRE(cluster.controller.image().topic("odd")->partitions.rbegin()->first == PartitionId(6));
    // Taking broker 1 out replaces the fenced leader it finds on the way: no leader is left.
    cluster.heartbeat(1, /*want_fence=*/true);
    REQUIRE(partition_of(cluster, "odd", 0).leader == kNoLeader);
}

}  // namespace
}  // namespace brook::controller
