// AlterPartition end to end on a three-node KraftRig: a partition leader proposes a shrink
// through its ControllerLink, the active controller commits it and answers, and every broker's
// committed metadata shows the new ISR; the same proposal sent again is refused with
// INVALID_UPDATE_VERSION (the controller checks the partition epoch before the ISR).
#include <catch2/catch.hpp>

#include "core/node/controller_link.h"
#include "tests/node/kraft_rig.h"

namespace brook::node {
namespace {

using testing::kNodes;
using testing::KraftRig;

std::vector<int32_t> ids(const std::vector<NodeId>& nodes) {
    std::vector<int32_t> values;
    for (NodeId id : nodes) values.push_back(id.value());
    return values;
}

TEST_CASE("alter partition: a leader's shrink commits and every broker's metadata shows it") {
    KraftRig rig(4);
    rig.run([&] {
        rig.wait_for_cluster();
        rig.create_topic(1, "isr", 1, 3);
        int leader = rig.metadata_from(1, {"isr"}).topics.at(0).partitions.at(0).leader_id;
        REQUIRE(leader > 0);
        const metadata::MetadataImage& image = rig.nodes[leader]->quorum()->metadata().image();
        const metadata::TopicImage* topic = image.topic("isr");
        REQUIRE(topic != nullptr);
        // Copies: the image changes under us once the change commits.
        const protocol::Uuid topic_id = topic->id;
        const metadata::PartitionState before = topic->partitions.at(PartitionId(0));
        REQUIRE(before.isr.size() == 3);
        // The leader and one follower.
        std::vector<NodeId> shrunk = {NodeId(leader)};
        for (NodeId id : before.isr) {
            if (id != NodeId(leader) && shrunk.size() < 2) shrunk.push_back(id);
        }

        std::map<NodeId, Address> voters;
        for (int id = 1; id <= kNodes; ++id) voters[NodeId(id)] = {testing::host(id), 9093};
        ControllerLink link(*rig.client_env,
                            {.self = NodeId(leader), .voters = voters, .purpose = "isr"},
                            [&] { return rig.nodes[leader]->quorum()->leader(); });
        link.set_broker_epoch_source(
            [&] { return rig.nodes[leader]->lifecycle()->broker_epoch(); });
        protocol::AlterPartitionRequest request;
        auto& partition = request.topics.emplace_back();
        partition.topic_id = topic_id;
        auto& change = partition.partitions.emplace_back();
        change.partition_index = 0;
        change.leader_epoch = before.leader_epoch.value();
        change.partition_epoch = before.partition_epoch.value();
        for (NodeId id : shrunk) {
            change.new_isr_with_epochs.push_back({id.value(), image.broker(id)->epoch.value()});
        }

        auto answer = link.alter_partition(request, rig.deadline());
        REQUIRE(answer.ok());
        REQUIRE(answer->error_code == 0);
        const auto& result = answer->topics.at(0).partitions.at(0);
        REQUIRE(result.error_code == 0);
        CHECK(result.isr == ids(shrunk));
        CHECK(result.leader_id == leader);
        CHECK(result.leader_epoch == before.leader_epoch.value());
        CHECK(result.partition_epoch == before.partition_epoch.value() + 1);

        rig.wait_until(
            [&] {
                for (int id = 1; id <= kNodes; ++id) {
                    protocol::MetadataResponse shown = rig.metadata_from(id, {"isr"});
                    if (shown.topics.at(0).partitions.at(0).isr_nodes != ids(shrunk)) return false;
                    const metadata::PartitionState* state =
                        rig.nodes[id]->quorum()->metadata().image().partition(topic_id,
                                                                              PartitionId(0));
                    if (state->partition_epoch != before.partition_epoch + 1) return false;
                }
                return true;
            },
            seconds(5), "the shrunk ISR in every broker's metadata");

        // Sent again, as after a lost answer: the partition moved on.
        auto again = link.alter_partition(request, rig.deadline());
        REQUIRE(again.ok());
        CHECK(again->topics.at(0).partitions.at(0).error_code ==
              protocol::to_wire(protocol::KafkaError::invalid_update_version));
        link.close();
    });
}

}  // namespace
}  // namespace brook::node
