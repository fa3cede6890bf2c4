// PartitionLog's leader epochs: the epoch cache fed by appends, persisted and recovered,
// follower appends, truncation and OffsetForLeaderEpoch answers.
#include <catch2/catch.hpp>

#include "core/log/leader_epoch_checkpoint.h"
#include "core/log/partition_log.h"
#include "tests/log/log_rig.h"

namespace brook::log {
namespace {

using testing::kDirectory;
using testing::leader_batch;
using testing::LogRig;
using testing::small_segments;
using testing::make_batch;

std::vector<EpochEntry> entries_of(std::initializer_list<std::pair<int32_t, int64_t>> pairs) {
    std::vector<EpochEntry> entries;
    for (auto [epoch, start] : pairs) entries.push_back({LeaderEpoch(epoch), Offset(start)});
    return entries;
}

std::string epoch_file() { return fmt::format("{}/{}", kDirectory, kLeaderEpochCheckpointName); }

// Appends 4 batches of 3 records in each of epochs 0, 2 and 5 (offsets 0-11, 12-23, 24-35),
// rolling segments on the way, and flushes.
void append_in_three_epochs(PartitionLog& log) {
    for (int32_t epoch : {0, 2, 5}) {
        log.set_leader_epoch(LeaderEpoch(epoch));
        for (int i = 0; i < 4; ++i) REQUIRE(log.append(make_batch(3, 100, i)).ok());
    }
    REQUIRE(log.flush().ok());
}

const std::vector<EpochEntry> kThreeEpochs = entries_of({{0, 0}, {2, 12}, {5, 24}});

TEST_CASE("partition log epochs: appends build the cache and a reopen restores it from its file") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments());
        append_in_three_epochs(*log);
        REQUIRE(log->leader_epochs().entries() == kThreeEpochs);
        REQUIRE(log->segment_bases().size() >= 3);
        log = nullptr;
        log = rig.open(small_segments(), LeaderEpoch(5));
        REQUIRE(!log->recovery_report().leader_epochs_rebuilt);
        REQUIRE(log->leader_epochs().entries() == kThreeEpochs);
        REQUIRE(log->epoch_for_offset(Offset(13)) == LeaderEpoch(2));
    });
}

TEST_CASE("partition log epochs: a missing, torn or wrong epoch file is rebuilt from batches") {
    for (std::string_view damage : {"missing", "torn", "wrong offset", "wrong epoch", "past end"}) {
        DYNAMIC_SECTION(damage) {
            LogRig rig;
            rig.run([&] {
                auto log = rig.open(small_segments());
                append_in_three_epochs(*log);
                REQUIRE(log->roll().ok());
                REQUIRE(log->flush().ok());
                log = nullptr;
                std::string text;
                if (damage == "missing") REQUIRE(rig.disk.remove(epoch_file()).ok());
                if (damage == "torn") text = "0\n3\n0 0\n2 1";
                if (damage == "wrong offset") text = "0\n3\n0 0\n2 15\n5 24\n";
                if (damage == "wrong epoch") text = "0\n3\n0 0\n3 12\n5 24\n";
                if (damage == "past end") text = "0\n4\n0 0\n2 12\n5 24\n7 900\n";
                if (!text.empty()) {
                    REQUIRE(replace_file_durably(rig.disk, epoch_file(),
                                                 std::span(reinterpret_cast<const uint8_t*>(
                                                               text.data()),
                                                           text.size()))
                                .ok());
                }
                log = rig.open(small_segments(), LeaderEpoch(7));
                // An entry past the sealed segments is ignored, not a reason to rebuild.
                REQUIRE(log->recovery_report().leader_epochs_rebuilt == (damage != "past end"));
                REQUIRE(log->leader_epochs().entries() == kThreeEpochs);
            });
        }
    }
}

TEST_CASE("partition log epochs: end_offset_for_epoch answers as Kafka's leader does") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments());
        // An empty log in epoch 0 (a single node): the current epoch ends at the log end.
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(0)) ==
                EpochEndOffset{LeaderEpoch(0), Offset(0)});
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(1)) == EpochEndOffset{});
        append_in_three_epochs(*log);
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(2)) ==
                EpochEndOffset{LeaderEpoch(2), Offset(24)});
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(5)) ==
                EpochEndOffset{LeaderEpoch(5), Offset(36)});
        REQUIRE(log->end_offset_for_epoch(kUndefinedEpoch) == EpochEndOffset{});
        // A new leader epoch that wrote nothing yet: it, and the epochs before it, end at the
        // log end, as if Kafka's leader had recorded its epoch there.
        log->set_leader_epoch(LeaderEpoch(8));
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(8)) ==
                EpochEndOffset{LeaderEpoch(8), Offset(36)});
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(6)) ==
                EpochEndOffset{LeaderEpoch(5), Offset(36)});
        REQUIRE(log->end_offset_for_epoch(LeaderEpoch(9)) == EpochEndOffset{});
    });
}

TEST_CASE("partition log epochs: a follower appends the leader's batches as they are") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments(), LeaderEpoch(4));
        Bytes set = leader_batch(Offset(0), LeaderEpoch(1), 3);
        Bytes second = leader_batch(Offset(3), LeaderEpoch(3), 2);
        set.insert(set.end(), second.begin(), second.end());
        auto appended = log->append_replicated(set);
        REQUIRE(appended.ok());
        REQUIRE(appended->base_offset == Offset(0));
        REQUIRE(appended->last_offset == Offset(4));
        REQUIRE(appended->durable);
        REQUIRE(log->durable_end_offset() == Offset(5));
        REQUIRE(log->leader_epochs().entries() == entries_of({{1, 0}, {3, 3}}));
        auto read = log->read(Offset(0), 1 << 20);
        REQUIRE(read.ok());
        REQUIRE(read->bytes == set);  // byte for byte, epochs and offsets kept

        auto refused = [&](Bytes bytes) {
            auto result = log->append_replicated(bytes);
            return !result.ok() && result.error().code() == ErrorCode::invalid_argument;
        };
        REQUIRE(refused(leader_batch(Offset(6), LeaderEpoch(3))));  // not at the log end
        REQUIRE(refused(leader_batch(Offset(4), LeaderEpoch(3))));  // overlaps
        REQUIRE(refused(leader_batch(Offset(5), LeaderEpoch(2))));  // epoch goes back
        REQUIRE(refused(leader_batch(Offset(5), LeaderEpoch(5))));  // above the log's epoch
        Bytes gap = leader_batch(Offset(5), LeaderEpoch(3), 2);
        Bytes after_gap = leader_batch(Offset(8), LeaderEpoch(3), 2);
        gap.insert(gap.end(), after_gap.begin(), after_gap.end());
        REQUIRE(refused(gap));  // not contiguous
        Bytes backward = leader_batch(Offset(5), LeaderEpoch(4), 2);
        Bytes older = leader_batch(Offset(7), LeaderEpoch(3), 2);
        backward.insert(backward.end(), older.begin(), older.end());
        REQUIRE(refused(backward));  // epochs go back inside the set
        REQUIRE(!log->append_replicated(Bytes{}).ok());
        REQUIRE(log->log_end_offset() == Offset(5));
        REQUIRE(log->leader_epochs().entries() == entries_of({{1, 0}, {3, 3}}));
        // A damaged batch is corruption, from the same validation as a producer's.
        Bytes damaged = leader_batch(Offset(5), LeaderEpoch(4));
        damaged.back() ^= 1;
        REQUIRE(log->append_replicated(damaged).error().code() == ErrorCode::corruption);
        REQUIRE(log->append_replicated(leader_batch(Offset(5), LeaderEpoch(4))).ok());
        log = nullptr;
        log = rig.open(small_segments(), LeaderEpoch(4));
        REQUIRE(log->leader_epochs().entries() == entries_of({{1, 0}, {3, 3}, {4, 5}}));
    });
}

TEST_CASE("partition log epochs: truncate_to cuts batches, segments, indexes and epochs") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments());
        append_in_three_epochs(*log);
        std::vector<Offset> bases = log->segment_bases();
        REQUIRE(bases.size() >= 3);
        // Past the end: nothing to do.
        REQUIRE(log->truncate_to(Offset(50)).value() == Offset(36));
        // Inside a batch (25 lies in the batch 24-26): the whole batch goes.
        REQUIRE(log->truncate_to(Offset(25)).value() == Offset(24));
        REQUIRE(log->log_end_offset() == Offset(24));
        REQUIRE(log->durable_end_offset() == Offset(24));
        REQUIRE(log->leader_epochs().entries() == entries_of({{0, 0}, {2, 12}}));
        REQUIRE(log->read(Offset(25), 100).error().code() == ErrorCode::out_of_range);
        // Into a sealed segment, below the recovery point.
        REQUIRE(log->truncate_to(Offset(6)).value() == Offset(6));
        REQUIRE(log->segment_bases().back() <= Offset(6));
        REQUIRE(log->leader_epochs().entries() == entries_of({{0, 0}}));
        // Appends go on from the new end, in the current epoch.
        auto appended = log->append(make_batch(2, 100, 9));
        REQUIRE(appended->base_offset == Offset(6));
        REQUIRE(log->leader_epochs().entries() == entries_of({{0, 0}, {5, 6}}));
        REQUIRE(log->offset_for_timestamp(0).value() == Offset(0));
        log = nullptr;
        log = rig.open(small_segments(), LeaderEpoch(5));
        REQUIRE(log->log_end_offset() == Offset(8));
        REQUIRE(log->leader_epochs().entries() == entries_of({{0, 0}, {5, 6}}));
        auto read = log->read(Offset(6), 1 << 20);
        REQUIRE(read.ok());
        REQUIRE(read->next_offset == Offset(8));
        REQUIRE(RecordBatchView(read->bytes).partition_leader_epoch() == LeaderEpoch(5));
        // To the log start: empty, same start.
        REQUIRE(log->truncate_to(Offset(0)).value() == Offset(0));
        REQUIRE(log->leader_epochs().empty());
    });
}

TEST_CASE("partition log epochs: truncate_fully_and_start_at restarts the log anywhere") {
    for (int64_t start : {0, 7, 36, 1000}) {
        DYNAMIC_SECTION("start " << start) {
            LogRig rig;
            rig.run([&] {
                auto log = rig.open(small_segments());
                append_in_three_epochs(*log);
                REQUIRE(log->truncate_fully_and_start_at(Offset(start)).ok());
                REQUIRE(log->log_start_offset() == Offset(start));
                REQUIRE(log->log_end_offset() == Offset(start));
                REQUIRE(log->segment_bases() == std::vector<Offset>{Offset(start)});
                REQUIRE(log->leader_epochs().empty());
                REQUIRE(log->append_replicated(leader_batch(Offset(start), LeaderEpoch(5))).ok());
                log = nullptr;
                log = rig.open(small_segments(), LeaderEpoch(5));
                REQUIRE(log->log_start_offset() == Offset(start));
                REQUIRE(log->log_end_offset() == Offset(start + 2));
                REQUIRE(log->leader_epochs().entries() == entries_of({{5, start}}));
            });
        }
    }
}

TEST_CASE("partition log epochs: a waiter whose offset was truncated away is woken with false") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments());
        append_in_three_epochs(*log);
        bool waited = true;
        Instant woke;
        rig.scheduler.spawn("waiter", [&] {
            waited = log->wait_for_data(Offset(36), rig.scheduler.now() + seconds(30));
            woke = rig.scheduler.now();
        });
        rig.scheduler.yield();
        Instant cut_at = rig.scheduler.now();
        REQUIRE(log->truncate_to(Offset(12)).value() == Offset(12));
        rig.scheduler.park(rig.scheduler.now() + seconds(1));
        REQUIRE(!waited);
        REQUIRE(woke - cut_at < seconds(1));
        // A waiter at the new end waits for new data as usual.
        bool got = false;
        rig.scheduler.spawn("reader", [&] {
            got = log->wait_for_data(Offset(12), rig.scheduler.now() + seconds(30));
        });
        rig.scheduler.yield();
        REQUIRE(log->append(make_batch(1, 10, 1)).ok());
        rig.scheduler.park(rig.scheduler.now() + milliseconds(10));
        REQUIRE(got);
    });
}

}  // namespace
}  // namespace brook::log
