// MetadataFollower without a quorum: entries and snapshots in, the image and applied offset out.
#include "core/node/metadata_follower.h"

#include <catch2/catch.hpp>

#include "core/metadata/metadata_record_codec.h"
#include "sim/sim_reactor.h"

namespace brook::node {
namespace {

raft::Entry data_entry(int64_t offset, const metadata::MetadataRecord& record) {
    std::vector<uint8_t> bytes = metadata::encode_record(record);
    return raft::Entry{Offset(offset), LeaderEpoch(1), raft::EntryKind::data,
                       std::string(bytes.begin(), bytes.end())};
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

}  // namespace
}  // namespace brook::node
