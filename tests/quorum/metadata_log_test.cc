#include "core/quorum/metadata_log.h"

#include <catch2/catch.hpp>

#include "core/quorum/snapshot_file.h"
#include "sim/sim_disk.h"
#include "sim/sim_reactor.h"
#include "tests/io/fiber_runner.h"

namespace brook::quorum {
namespace {

constexpr std::string_view kDirectory = "__cluster_metadata-0";

struct MetadataLogRig {
    explicit MetadataLogRig(uint64_t seed = 1) : disk(scheduler, Random(seed), trace, "n1") {
        trace.keep_lines(true);
    }

    void run(std::function<void()> body) {
        brook::testing::FiberRunner runner(scheduler);
        runner.spawn("test", std::move(body));
        runner.run(seconds(60));
    }

    // Call from a fiber.
    OpenedMetadataLog open(uint64_t segment_bytes = 1u << 20) {
        auto opened = MetadataLog::open(disk, Logger(sink, "log"), std::string(kDirectory),
                                        MetadataLogOptions{.segment_bytes = segment_bytes});
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }

    sim::SimReactor reactor;
    Scheduler scheduler{reactor};
    sim::Trace trace;
    sim::SimDisk disk;
    NullLogSink sink;
};

std::vector<raft::Entry> entries(int64_t from, int64_t to, int32_t epoch, std::string tag = "e") {
    std::vector<raft::Entry> made;
    for (int64_t offset = from; offset < to; ++offset) {
        made.push_back(raft::Entry{Offset(offset), LeaderEpoch(epoch), raft::EntryKind::data,
                                   fmt::format("{}{}", tag, offset)});
    }
    return made;
}

TEST_CASE("metadata log: synced entries survive a crash, a torn tail is cut") {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        MetadataLogRig rig(seed);
        rig.run([&] {
            OpenedMetadataLog opened = rig.open(/*segment_bytes=*/100);
            REQUIRE(opened.entries.empty());
            REQUIRE(opened.log->append(entries(0, 10, 1)).ok());
            REQUIRE(opened.log->sync().ok());
            REQUIRE(opened.log->append(entries(10, 20, 1)).ok());  // not synced
            REQUIRE(opened.log->segment_count() > 2);
        });
        rig.disk.crash();
        rig.run([&] {
            OpenedMetadataLog opened = rig.open(100);
            REQUIRE(opened.entries.size() >= 10);
            REQUIRE(opened.entries.size() <= 20);
            std::vector<raft::Entry> expected = entries(0, 20, 1);
            expected.resize(opened.entries.size());
            REQUIRE(opened.entries == expected);
            REQUIRE(opened.log->end_offset() == Offset(static_cast<int64_t>(expected.size())));
            // It appends where recovery ended.
            REQUIRE(opened.log->append(entries(opened.log->end_offset().value(), 25, 2)).ok());
            REQUIRE(opened.log->sync().ok());
        });
        rig.disk.crash();
        rig.run([&] { REQUIRE(rig.open(100).entries.size() == 25); });
    }
}

TEST_CASE("metadata log: a truncation is durable at once and appends follow it") {
    MetadataLogRig rig;
    rig.run([&] {
        OpenedMetadataLog opened = rig.open(100);
        REQUIRE(opened.log->append(entries(0, 12, 1)).ok());
        REQUIRE(opened.log->sync().ok());
        REQUIRE(opened.log->truncate(Offset(4)).ok());
        REQUIRE(opened.log->end_offset() == Offset(4));
        REQUIRE(opened.log->append(entries(4, 6, 2, "new")).ok());
    });
    rig.disk.crash();
    rig.run([&] {
        std::vector<raft::Entry> found = rig.open(100).entries;
        std::vector<raft::Entry> expected = entries(0, 4, 1);
        for (const raft::Entry& entry : entries(4, 6, 2, "new")) expected.push_back(entry);
        REQUIRE(found.size() >= 4);
        expected.resize(found.size());
        REQUIRE(found == expected);  // never an old entry after the cut
    });
}

TEST_CASE("metadata log: snapshots, trimming, and an install that replaces the log") {
    MetadataLogRig rig;
    rig.run([&] {
        OpenedMetadataLog opened = rig.open(100);
        REQUIRE(opened.log->append(entries(0, 30, 1)).ok());
        REQUIRE(opened.log->sync().ok());
        size_t segments = opened.log->segment_count();
        raft::Snapshot snapshot{raft::SnapshotId{Offset(20), LeaderEpoch(1)}, "state@20"};
        REQUIRE(opened.log->write_snapshot(snapshot).ok());
        REQUIRE(opened.log->trim(snapshot.id).ok());
        REQUIRE(opened.log->segment_count() < segments);
    });
    rig.disk.crash();
    rig.run([&] {
        OpenedMetadataLog opened = rig.open(100);
        REQUIRE(opened.snapshot);
        REQUIRE(opened.snapshot->bytes == "state@20");
        REQUIRE(opened.entries == entries(20, 30, 1));
        // A follower's install of a snapshot from another history: the log goes.
        raft::Snapshot installed{raft::SnapshotId{Offset(50), LeaderEpoch(4)}, "state@50"};
        REQUIRE(opened.log->install_snapshot(installed).ok());
        REQUIRE(opened.log->end_offset() == Offset(50));
        REQUIRE(opened.log->append(entries(50, 52, 4)).ok());
        REQUIRE(opened.log->sync().ok());
    });
    rig.disk.crash();
    rig.run([&] {
        OpenedMetadataLog opened = rig.open(100);
        REQUIRE(opened.snapshot);
        REQUIRE(opened.snapshot->id == (raft::SnapshotId{Offset(50), LeaderEpoch(4)}));
        REQUIRE(opened.entries == entries(50, 52, 4));
    });
}

TEST_CASE("metadata log: a log that disagrees with the snapshot at its end is dropped") {
    MetadataLogRig rig;
    rig.run([&] {
        OpenedMetadataLog opened = rig.open();
        REQUIRE(opened.log->append(entries(0, 10, 1)).ok());
        REQUIRE(opened.log->sync().ok());
        // What a crash in the middle of an install leaves: the new snapshot, the old log.
        raft::Snapshot snapshot{raft::SnapshotId{Offset(8), LeaderEpoch(3)}, "other history"};
        std::vector<uint8_t> bytes = encode_snapshot_file(snapshot);
        REQUIRE(
            replace_file_durably(
                rig.disk, fmt::format("{}/{}", kDirectory, snapshot_file_name(snapshot.id)), bytes)
                .ok());
    });
    rig.run([&] {
        OpenedMetadataLog opened = rig.open();
        REQUIRE(opened.snapshot);
        REQUIRE(opened.entries.empty());
        REQUIRE(opened.log->end_offset() == Offset(8));
    });
}

}  // namespace
}  // namespace brook::quorum
