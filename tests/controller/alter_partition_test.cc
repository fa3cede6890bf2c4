// Unit tests of Controller::alter_partition (core/controller/controller_partitions.cc): the
// success path, a change to nothing, and each of Kafka's refusals, on three brokers and a topic
// of one partition on all of them.
#include <catch2/catch.hpp>

#include "tests/controller/controller_harness.h"

namespace brook::controller {
namespace {

using metadata::PartitionEpoch;
using metadata::PartitionState;
using testing::ControllerHarness;

struct Cluster {
    ControllerHarness harness;
    Uuid topic_id{};
    PartitionState state;  // as created

    Cluster() {
        harness.start_brokers(3);
        topic_id = harness.create_topic("orders", 1, 3).topic_id;
        state = *harness.controller.image().partition(topic_id, PartitionId(0));
        REQUIRE(state.isr.size() == 3);
    }

    BrokerEpoch epoch_of(NodeId id) const { return harness.controller.image().broker(id)->epoch; }
    const PartitionState& now() const {
        return *harness.controller.image().partition(topic_id, PartitionId(0));
    }
    // The leader's change to `isr`, at every member's current broker epoch and the partition's
    // current epochs.
    AlterPartitionCommand change_to(std::vector<NodeId> isr) const {
        AlterPartitionChange change{PartitionId(0), now().leader_epoch, now().partition_epoch, {}};
        for (NodeId id : isr) change.new_isr.push_back({id, epoch_of(id)});
        return {now().leader, epoch_of(now().leader), {{topic_id, "", {change}}}};
    }
    // The first replica that does not lead.
    NodeId follower() const {
        for (NodeId id : now().replicas) {
            if (id != now().leader) return id;
        }
        FAIL("no follower");
        return NodeId(-1);
    }
    // The single partition's result, with the records committed.
    AlterPartitionResult run(const AlterPartitionCommand& command) {
        ControllerResult<AlterPartitionReply> result = harness.controller.alter_partition(command);
        records = result.records;
        AlterPartitionReply reply = harness.commit(std::move(result));
        REQUIRE(reply.error == KafkaError::none);
        REQUIRE(reply.topics.size() == 1);
        REQUIRE(reply.topics[0].partitions.size() == 1);
        return reply.topics[0].partitions[0];
    }
    std::vector<MetadataRecord> records;
};

TEST_CASE("controller alter partition: a shrink is one record and the reply its state") {
    Cluster cluster;
    NodeId leader = cluster.state.leader;
    NodeId dropped = cluster.follower();
    std::vector<NodeId> isr;
    for (NodeId id : cluster.state.isr) {
        if (id != dropped) isr.push_back(id);
    }
    AlterPartitionResult result = cluster.run(cluster.change_to(isr));
    CHECK(result.error == KafkaError::none);
    CHECK(result.isr == isr);
    CHECK(result.leader == leader);
    CHECK(result.leader_epoch == cluster.state.leader_epoch);
    CHECK(result.partition_epoch == cluster.state.partition_epoch + 1);
    REQUIRE(cluster.records.size() == 1);
    const auto& change = std::get<metadata::PartitionChangeRecord>(cluster.records[0]);
    CHECK(change.isr == isr);
    CHECK(change.leader == metadata::kLeaderUnchanged);
    CHECK(cluster.now().isr == isr);

    SECTION("and the expansion back") {
        AlterPartitionResult grown = cluster.run(cluster.change_to(cluster.state.isr));
        CHECK(grown.error == KafkaError::none);
        CHECK(grown.partition_epoch == cluster.state.partition_epoch + 2);
        CHECK(cluster.now().isr == cluster.state.isr);
    }
    SECTION("replayed into a second controller, the log builds the same image") {
        Controller second(ControllerOptions{});
        for (const auto& [offset, records] : cluster.harness.entries) {
            REQUIRE(second.replay(records, offset).ok());
        }
        CHECK(second.image() == cluster.harness.controller.image());
        CHECK(cluster.harness.follower == cluster.harness.controller.image());
    }
}

TEST_CASE("controller alter partition: the ISR it has already writes nothing") {
    Cluster cluster;
    AlterPartitionResult result = cluster.run(cluster.change_to(cluster.state.isr));
    CHECK(result.error == KafkaError::none);
    CHECK(cluster.records.empty());
    CHECK(result.partition_epoch == cluster.state.partition_epoch);
    CHECK(result.isr == cluster.state.isr);
}

TEST_CASE("controller alter partition: a stale broker epoch refuses the whole request") {
    Cluster cluster;
    AlterPartitionCommand command = cluster.change_to({cluster.state.leader});
    command.broker_epoch = command.broker_epoch + -1;
    ControllerResult<AlterPartitionReply> result =
        cluster.harness.controller.alter_partition(command);
    CHECK(result.reply.error == KafkaError::stale_broker_epoch);
    CHECK(result.reply.topics.empty());
    CHECK(result.records.empty());
    command.broker_id = NodeId(9);  // not registered
    CHECK(cluster.harness.controller.alter_partition(command).reply.error ==
          KafkaError::stale_broker_epoch);
}

TEST_CASE("controller alter partition: unknown topics and partitions") {
    Cluster cluster;
    AlterPartitionCommand command = cluster.change_to({cluster.state.leader});
    SECTION("an unknown topic id") {
        command.topics[0].topic_id[15] ^= 1;
        CHECK(cluster.run(command).error == KafkaError::unknown_topic_id);
    }
    SECTION("an unknown name (v0-1)") {
        command.topics[0].topic_id = Uuid{};
        command.topics[0].topic_name = "nothing";
        CHECK(cluster.run(command).error == KafkaError::unknown_topic_or_partition);
    }
    SECTION("a known name (v0-1)") {
        command.topics[0].topic_id = Uuid{};
        command.topics[0].topic_name = "orders";
        CHECK(cluster.run(command).error == KafkaError::none);
    }
    SECTION("an unknown partition") {
        command.topics[0].partitions[0].partition = PartitionId(1);
        CHECK(cluster.run(command).error == KafkaError::unknown_topic_or_partition);
    }
}

TEST_CASE("controller alter partition: only the leader, in its epochs") {
    Cluster cluster;
    AlterPartitionCommand command = cluster.change_to({cluster.state.leader});
    AlterPartitionChange& change = command.topics[0].partitions[0];
    SECTION("a follower asking") {
        NodeId follower = cluster.follower();
        command.broker_id = follower;
        command.broker_epoch = cluster.epoch_of(follower);
        change.new_isr = {{follower, cluster.epoch_of(follower)},
                          {cluster.state.leader, cluster.epoch_of(cluster.state.leader)}};
        CHECK(cluster.run(command).error == KafkaError::invalid_request);
    }
    SECTION("an older leader epoch") {
        change.leader_epoch = change.leader_epoch + -1;
        CHECK(cluster.run(command).error == KafkaError::fenced_leader_epoch);
    }
    SECTION("a newer leader epoch: this controller is behind") {
        change.leader_epoch = change.leader_epoch + 1;
        CHECK(cluster.run(command).error == KafkaError::not_controller);
    }
    SECTION("an older partition epoch") {
        change.partition_epoch = change.partition_epoch + -1;
        CHECK(cluster.run(command).error == KafkaError::invalid_update_version);
    }
    CHECK(cluster.records.empty());
}

TEST_CASE("controller alter partition: the new ISR within the replicas, with the leader") {
    Cluster cluster;
    NodeId leader = cluster.state.leader;
    AlterPartitionCommand command = cluster.change_to({leader});
    std::vector<AlterPartitionMember>& isr = command.topics[0].partitions[0].new_isr;
    SECTION("without the leader") {
        isr = {{cluster.follower(), cluster.epoch_of(cluster.follower())}};
    }
    SECTION("empty") { isr.clear(); }
    SECTION("a broker that is no replica") { isr.push_back({NodeId(4), BrokerEpoch(-1)}); }
    SECTION("a member twice") { isr.push_back(isr.front()); }
    CHECK(cluster.run(command).error == KafkaError::invalid_request);
    CHECK(cluster.records.empty());
}

TEST_CASE("controller alter partition: every member eligible at its broker epoch") {
    Cluster cluster;
    NodeId leader = cluster.state.leader;
    NodeId follower = cluster.follower();
    SECTION("a fenced member") {
        cluster.harness.heartbeat(follower.value(), /*want_fence=*/true);
        REQUIRE(cluster.harness.controller.image().broker(follower)->fenced);
        CHECK(cluster.run(cluster.change_to(cluster.state.isr)).error ==
              KafkaError::ineligible_replica);
    }
    SECTION("a member in controlled shutdown") {
        cluster.harness.heartbeat(follower.value(), false, /*want_shutdown=*/true);
        REQUIRE(cluster.harness.controller.image().broker(follower)->in_controlled_shutdown);
        CHECK(cluster.run(cluster.change_to(cluster.state.isr)).error ==
              KafkaError::ineligible_replica);
    }
    SECTION("a member at another broker epoch") {
        AlterPartitionCommand command = cluster.change_to(cluster.state.isr);
        for (AlterPartitionMember& member : command.topics[0].partitions[0].new_isr) {
            if (member.id == follower) member.broker_epoch = member.broker_epoch + 1;
        }
        CHECK(cluster.run(command).error == KafkaError::ineligible_replica);
    }
    SECTION("v0-2 send no epochs: not checked") {
        AlterPartitionCommand command = cluster.change_to({leader, follower});
        for (AlterPartitionMember& member : command.topics[0].partitions[0].new_isr) {
            member.broker_epoch = BrokerEpoch(-1);
        }
        CHECK(cluster.run(command).error == KafkaError::none);
    }
}

}  // namespace
}  // namespace brook::controller
