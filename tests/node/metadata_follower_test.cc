// MetadataFollower without a quorum: entries and snapshots in, the image and applied offset out.
#include "core/node/metadata_follower.h"

#include <catch2/catch.hpp>

#include "core/metadata/metadata_record_codec.h"
#include "core/quorum/metadata_log.h"
#include "sim/sim_disk.h"
#include "sim/sim_reactor.h"
#include "tests/io/fiber_runner.h"

namespace brook::node {
namespace {

// The entry ActiveController::execute proposes for a command: its records as one list.
raft::Entry command_entry(int64_t offset, const std::vector<metadata::MetadataRecord>& records) {
    std::vector<uint8_t> bytes = metadata::encode_record_list(records);
    return raft::Entry{Offset(offset), LeaderEpoch(1), raft::EntryKind::data,
                       std::string(bytes.begin(), bytes.end())};
}

raft::Entry data_entry(int64_t offset, const metadata::MetadataRecord& record) {
    return command_entry(offset, {record});
}

metadata::PartitionRecord partition_of(const metadata::Uuid& topic, int32_t id) {
    metadata::PartitionRecord record{PartitionId(id), topic, {NodeId(1)}, {NodeId(1)}, NodeId(1)};
    record.leader_epoch = LeaderEpoch(0);
    record.partition_epoch = PartitionEpoch(0);
    return record;
}

// A CreateTopics of "orders" with three partitions, as one command.
std::vector<metadata::MetadataRecord> create_orders(const metadata::Uuid& id) {
    return {metadata::TopicRecord{"orders", id}, partition_of(id, 0), partition_of(id, 1),
            partition_of(id, 2)};
}

TEST_CASE("metadata follower: applies records, counts control entries, skips what is bad") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    NullLogSink sink;
    MetadataFollower follower(scheduler, Logger(sink, "metadata"));
    quorum::QuorumCallbacks callbacks = follower.callbacks();
    metadata::Uuid id{};
    id[0] = 7;

    callbacks.apply(raft::Entry{Offset(0), LeaderEpoch(1), raft::EntryKind::leader_change, "lc"});
    CHECK(follower.applied_offset() == Offset(0));
    CHECK(follower.image().applied_offset() == Offset(-1));
    callbacks.apply(data_entry(1, metadata::FeatureLevelRecord{"metadata.version", 7}));
    callbacks.apply(raft::Entry{Offset(2), LeaderEpoch(1), raft::EntryKind::data, "garbage"});
    callbacks.apply(data_entry(3, metadata::TopicRecord{"orders", id}));
    // A second topic of the same name contradicts the image: logged and skipped.
    callbacks.apply(data_entry(4, metadata::TopicRecord{"orders", metadata::Uuid{}}));
    CHECK(follower.applied_offset() == Offset(4));
    CHECK(follower.version() == 5);
    CHECK(follower.image().metadata_version() == int16_t(7));
    REQUIRE(follower.image().topic("orders") != nullptr);
    CHECK(follower.image().topic("orders")->id == id);
    CHECK(follower.image().topics().size() == 1);

    MetadataFollower restarted(scheduler, Logger(sink, "metadata"));
    restarted.callbacks().load_snapshot(
        raft::Snapshot{raft::SnapshotId{Offset(5), LeaderEpoch(1)}, callbacks.create_snapshot()});
    CHECK(restarted.applied_offset() == Offset(4));
    CHECK(restarted.image().topics() == follower.image().topics());
    CHECK(restarted.image().features() == follower.image().features());
}

TEST_CASE("metadata follower: a command's entry applies whole or not at all") {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    NullLogSink sink;
    MetadataFollower follower(scheduler, Logger(sink, "metadata"));
    metadata::Uuid id{};
    id[0] = 7;
    follower.apply(command_entry(0, {metadata::FeatureLevelRecord{"metadata.version", 7},
                                     metadata::RegisterBrokerRecord{NodeId(1), id, BrokerEpoch(0)}}));
    // The third partition repeats the second: the whole command is skipped, its offset consumed.
    std::vector<metadata::MetadataRecord> bad = create_orders(id);
    bad[3] = partition_of(id, 1);
    follower.apply(command_entry(1, bad));
    CHECK(follower.applied_offset() == Offset(1));
    CHECK(follower.image().applied_offset() == Offset(1));
    CHECK(follower.image().topic("orders") == nullptr);
    // A record that does not decode spoils its whole entry too.
    raft::Entry corrupt = command_entry(2, create_orders(id));
    corrupt.data.back() = static_cast<char>(0x7f);
    follower.apply(corrupt);
    CHECK(follower.image().topic("orders") == nullptr);
    follower.apply(command_entry(3, create_orders(id)));
    REQUIRE(follower.image().topic("orders") != nullptr);
    CHECK(follower.image().topic("orders")->partitions.size() == 3);
    CHECK(follower.image().broker(NodeId(1))->epoch == BrokerEpoch(0));
    CHECK(follower.image().applied_offset() == Offset(3));
}

TEST_CASE("metadata follower: a torn tail of the metadata log keeps a command whole or not at all") {
    // The cluster scenario's seed 47: a leader crashed while appending a CreateTopics; when each
    // record was an entry of its own, its log could keep the TopicRecord alone, and the next
    // leader committed a topic with fewer partitions than asked.
    metadata::Uuid id{};
    id[0] = 7;
    int kept_whole = 0;
    int kept_none = 0;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        sim::SimReactor reactor;
        Scheduler scheduler(reactor);
        sim::Trace trace;
        sim::SimDisk disk(scheduler, Random(seed), trace, "n1");
        NullLogSink sink;
        auto run = [&](std::function<void()> body) {
            brook::testing::FiberRunner runner(scheduler);
            runner.spawn("test", std::move(body));
            runner.run(seconds(60));
        };
        auto open = [&] {
            auto opened = quorum::MetadataLog::open(disk, Logger(sink, "log"),
                                                    "__cluster_metadata-0", {});
            REQUIRE(opened.ok());
            return std::move(opened).value();
        };
        run([&] {
            quorum::OpenedMetadataLog opened = open();
            std::vector<raft::Entry> first{command_entry(
                0, {metadata::FeatureLevelRecord{"metadata.version", 7},
                    metadata::RegisterBrokerRecord{NodeId(1), id, BrokerEpoch(0)}})};
            REQUIRE(opened.log->append(first).ok());
            REQUIRE(opened.log->sync().ok());
            std::vector<raft::Entry> second{command_entry(1, create_orders(id))};
            REQUIRE(opened.log->append(second).ok());  // the crash comes before its sync
        });
        disk.crash();
        run([&] {
            quorum::OpenedMetadataLog opened = open();
            MetadataFollower follower(scheduler, Logger(sink, "metadata"));
            for (const raft::Entry& entry : opened.entries) follower.apply(entry);
            const metadata::TopicImage* orders = follower.image().topic("orders");
            if (orders == nullptr) {
                ++kept_none;
            } else {
                CHECK(orders->partitions.size() == 3);
                ++kept_whole;
            }
        });
    }
    // The seeds reach both outcomes.
    CHECK(kept_whole > 0);
    CHECK(kept_none > 0);
}

}  // namespace
}  // namespace brook::node
