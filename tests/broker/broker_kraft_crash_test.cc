// The broker in KRaft mode, crashed on the simulated disk while a view creates, re-creates or
// reopens a partition (unsynced writes kept in part, the last one maybe torn). After the restart
// the node must start, never open a directory as another topic's, and never remove the hosted
// topic's. Across the crash points the old directory survives whole, or is gone, or the new one
// names its topic with or without a log yet; a torn temporary `partition.metadata` never
// outlives the crash, since the new directory's entry is durable only once the log opens. A
// damaged file, which no crash makes, is made by hand in the second test.
#include <catch2/catch.hpp>

#include "core/cluster/meta_properties.h"
#include "core/cluster/partition_metadata.h"
#include "tests/broker/broker_rig.h"
#include "tests/broker/fake_controller.h"

namespace brook::broker::testing {
namespace {

using protocol::KafkaError;

// Topic "t" (id `id`) with one partition, led here alone.
cluster::ClusterView single_t(int64_t offset, uint8_t id) {
    return cluster_view(offset, {topic_info("t", id, {placed(0, {1}, 1, 0)})});
}

void produce_one(BrokerRig& rig, const std::string& topic) {
    auto kafka = rig.connect();
    auto produced =
        client::produce(*kafka, topic, PartitionId(0), text_batch(topic, 1), -1, rig.deadline());
    REQUIRE(produced.ok());
    REQUIRE(produced->error == KafkaError::none);
}

TEST_CASE("broker kraft crash: a crash while a view (re)creates a partition names it right") {
    auto seed = GENERATE(1u, 2u, 3u);
    INFO("seed " << seed);
    FakeController controller;
    BrokerRig rig(kraft_config(), seed, &controller);
    // Unsynced writes are kept in part (a random prefix), the last one often torn: the defaults.
    REQUIRE(rig.sim.disk("n1").faults().crash_tear_ppm > 0);
    uint8_t id = 1;
    rig.boot_view = single_t(10, id);
    rig.run([&] {
        int64_t records = 0;  // what t-0 holds under the current topic id
        for (int round = 0; round < 48; ++round) {
            INFO("round " << round);
            produce_one(rig, "t");
            ++records;
            // Every other boot names a new topic "t": the old directory must go, a new one come.
            if (round % 2 == 0) {
                ++id;
                records = 0;
            }
            rig.sim.crash("n1");
            rig.boot_view = single_t(10 + round, id);
            rig.sim.restart("n1");
            // Somewhere in the boot: the identity check, the view's removal of the old directory,
            // the new one's partition.metadata, the log's recovery (each sync takes 0.1-2 ms).
            rig.sleep(microseconds(50 + 113 * ((round * 7) % 48)));
            rig.sim.crash("n1");
            rig.sim.restart("n1");
            rig.wait_until_serving();

            auto partition = rig.broker->topics().partition("t", PartitionId(0));
            REQUIRE(partition != nullptr);
            REQUIRE(partition->log() != nullptr);  // opened: the node did not give up on it
            auto named = cluster::read_partition_topic_id(rig.sim.disk("n1"), "t-0");
            REQUIRE(named.ok());
            REQUIRE(named->has_value());
            REQUIRE(**named == cluster::uuid_text(topic_id(id)));
            // The old topic's records are never served as the new one's, and the hosted topic's
            // are never removed.
            REQUIRE(partition->log()->log_end_offset() == Offset(records));
        }
    });
}

TEST_CASE("broker kraft crash: a partition.metadata that cannot be read keeps its directory") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    auto both = cluster_view(10, {topic_info("t", 1, {placed(0, {1}, 1, 0)}),
                                  topic_info("u", 2, {placed(0, {1}, 1, 0)})});
    rig.boot_view = both;
    rig.run([&] {
        produce_one(rig, "t");
        produce_one(rig, "u");
        rig.sim.crash("n1");
        // t-0's file left empty; u-0's damaged (its key), and u deleted while the node was down.
        auto file = rig.sim.disk("n1").open("t-0/partition.metadata", OpenMode::read_write);
        REQUIRE(file.ok());
        REQUIRE((*file)->truncate(0).ok());
        REQUIRE((*file)->sync().ok());
        file->reset();
        REQUIRE(rig.sim.disk("n1").corrupt("u-0/partition.metadata", 12).ok());
        rig.boot_view = single_t(11, 1);
        rig.sim.restart("n1");
        rig.wait_until_serving();

        // Whose the directories are is unknown: neither is opened, neither removed.
        REQUIRE(rig.broker->topics().partition("t", PartitionId(0))->log() == nullptr);
        REQUIRE(rig.exists_on_disk("t-0/00000000000000000000.log"));
        REQUIRE(rig.exists_on_disk("u-0/00000000000000000000.log"));
        // And the node goes on following the metadata log: a later view applies cleanly.
        REQUIRE(rig.broker->apply_cluster_view(single_t(12, 1)).ok());
        REQUIRE(rig.exists_on_disk("u-0/00000000000000000000.log"));
    });
}

}  // namespace
}  // namespace brook::broker::testing
