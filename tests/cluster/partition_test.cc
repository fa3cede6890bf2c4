#include "core/cluster/partition.h"

#include <catch2/catch.hpp>

#include "core/io/disk.h"
#include "tests/log/log_rig.h"

namespace brook::cluster {
namespace {

using log::testing::LogRig;
using log::testing::make_batch;

TEST_CASE("partition: one node leads alone in epoch 0, its ISR is itself") {
    Partition partition("orders", PartitionId(2), NodeId(7));
    REQUIRE(partition.leader() == NodeId(7));
    REQUIRE(partition.leader_epoch() == LeaderEpoch(0));
    REQUIRE(partition.replicas() == std::vector<NodeId>{NodeId(7)});
    REQUIRE(partition.isr() == std::vector<NodeId>{NodeId(7)});
    REQUIRE(partition.directory() == "orders-2");
    REQUIRE(partition.log() == nullptr);
}

TEST_CASE("partition: the metadata log's replica state decides who leads and who hosts") {
    Partition partition("orders", PartitionId(0), NodeId(2));
    REQUIRE(partition.led_locally());
    partition.set_replica_state({{NodeId(3), NodeId(2)}, {NodeId(3)}, NodeId(3), LeaderEpoch(4), 6});
    REQUIRE(partition.replicas() == std::vector<NodeId>{NodeId(3), NodeId(2)});  // preferred order
    REQUIRE(partition.leader() == NodeId(3));
    REQUIRE(partition.leader_epoch() == LeaderEpoch(4));
    REQUIRE(partition.partition_epoch() == 6);
    REQUIRE_FALSE(partition.led_locally());
    REQUIRE(partition.hosted_locally());
    // No leader: every in-sync replica is fenced.
    partition.set_replica_state({{NodeId(3)}, {NodeId(3)}, NodeId(-1), LeaderEpoch(5), 7});
    REQUIRE_FALSE(partition.led_locally());
    REQUIRE_FALSE(partition.hosted_locally());
}

TEST_CASE("partition: a new leader epoch reaches the open log's batches") {
    LogRig rig;
    rig.run([&] {
        Partition partition("topic", PartitionId(0), NodeId(1));
        partition.set_log(rig.open(log::LogConfig{}));
        partition.set_replica_state({{NodeId(1)}, {NodeId(1)}, NodeId(1), LeaderEpoch(7), 1});
        REQUIRE(partition.log()->leader_epoch() == LeaderEpoch(7));
        REQUIRE(partition.log()->append(make_batch(2, 10, 1)).ok());
        auto read = partition.log()->read(Offset(0), 1 << 20, Offset(2));
        REQUIRE(read.ok());
        REQUIRE(log::RecordBatchView(read->bytes).partition_leader_epoch() == LeaderEpoch(7));
    });
}

TEST_CASE("partition: the high watermark is the durable end, not the log end") {
    LogRig rig;
    rig.run([&] {
        log::LogConfig lazy;
        lazy.flush_messages = 1000;  // writes stay unsynced until a flush
        lazy.flush_ms = 1'000'000;
        Partition partition("topic", PartitionId(0), NodeId(1));
        partition.set_log(rig.open(lazy));
        std::shared_ptr<log::PartitionLog> log = partition.log();
        REQUIRE(partition.high_watermark() == Offset(0));

        REQUIRE(log->append(make_batch(3, 10, 1)).ok());
        REQUIRE(log->log_end_offset() == Offset(3));
        REQUIRE(partition.high_watermark() == Offset(0));  // written, not durable: not visible
        REQUIRE_FALSE(partition.wait_for_high_watermark(Offset(0), rig.scheduler.now()));

        REQUIRE(log->flush().ok());
        REQUIRE(partition.high_watermark() == Offset(3));
        REQUIRE(partition.wait_for_high_watermark(Offset(2), rig.scheduler.now()));
        REQUIRE_FALSE(partition.wait_for_high_watermark(Offset(3), rig.scheduler.now()));
    });
}

TEST_CASE("partition: waiting on an offline partition returns at once") {
    Partition partition("topic", PartitionId(0), NodeId(1));
    LogRig rig;
    rig.run([&] {
        REQUIRE_FALSE(
            partition.wait_for_high_watermark(Offset(0), rig.scheduler.now() + seconds(60)));
    });
}

TEST_CASE("replace_file_durably: the new content replaces the old, no temporary file stays") {
    LogRig rig;
    rig.run([&] {
        REQUIRE(rig.disk.make_directory("meta").ok());
        const std::vector<uint8_t> first = {1, 2, 3, 4};
        const std::vector<uint8_t> second = {9, 8};
        REQUIRE(replace_file_durably(rig.disk, "meta/file", first).ok());
        REQUIRE(replace_file_durably(rig.disk, "meta/file", second).ok());
        auto names = rig.disk.list_directory("meta");
        REQUIRE(names.ok());
        REQUIRE(*names == std::vector<std::string>{"file"});
        auto file = rig.disk.open("meta/file", OpenMode::read_only);
        REQUIRE(file.ok());
        std::vector<uint8_t> buffer(8);
        auto read = (*file)->read_at(0, buffer);
        REQUIRE(read.ok());
        buffer.resize(*read);
        REQUIRE(buffer == second);
    });
}

}  // namespace
}  // namespace brook::cluster
