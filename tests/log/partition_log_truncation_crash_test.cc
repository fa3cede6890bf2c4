// Crashes at every point of a truncation, on the simulated disk: the log recovers to a prefix
// of the old one, no shorter than the cut (everything below it was durable), no longer than the
// cut once the truncation returned, and with the epoch cache of exactly that prefix.
#include <catch2/catch.hpp>

#include <map>

#include "core/log/partition_log.h"
#include "tests/log/log_rig.h"

namespace brook::log {
namespace {

using testing::LogRig;
using testing::small_segments;
using testing::make_batch;

constexpr FiberGroup kTruncator = 77;

struct Cut {
    const char* name;
    bool fully;
    int64_t offset;  // truncate_to's end, or the new start
    int64_t new_end;  // where truncate_to cuts (the batch boundary at or below `offset`)
};

TEST_CASE("partition log epochs: a crash during truncation recovers to a prefix of the old log") {
    const Cut cuts[] = {{"in the active segment", false, 28, 27},
                        {"into a sealed segment", false, 7, 6},
                        {"fully, to start at 100", true, 100, 100}};
    for (const Cut& cut : cuts) {
        for (int64_t kill_after_us : {0, 40, 120, 250, 400, 700, 1000, 1500, 2500, 4000, 20000}) {
            DYNAMIC_SECTION(cut.name << ", crash after " << kill_after_us << " us") {
                sim::SimDiskFaults faults;
                faults.sync_latency_min = microseconds(100);
                faults.sync_latency_max = microseconds(400);
                LogRig rig(static_cast<uint64_t>(kill_after_us) + 3, faults);
                std::unique_ptr<PartitionLog> log;
                std::map<Offset, Bytes> old_batches;
                LeaderEpochCache old_epochs;
                rig.run([&] {
                    log = rig.open(small_segments());
                    for (int32_t epoch : {0, 2, 5}) {
                        log->set_leader_epoch(LeaderEpoch(epoch));
                        for (int i = 0; i < 4; ++i)
                            REQUIRE(log->append(make_batch(3, 100, i)).ok());
                    }
                    REQUIRE(log->durable_end_offset() == Offset(36));
                    for (Offset at(0); at < Offset(36);) {
                        auto read = log->read(at, 1);
                        REQUIRE(read.ok());
                        old_batches[at] = read->bytes;
                        at = read->next_offset;
                    }
                    old_epochs = log->leader_epochs();
                });
                bool returned = false;
                rig.scheduler.spawn_in_group(kTruncator, "truncate", [&] {
                    if (cut.fully) {
                        returned = log->truncate_fully_and_start_at(Offset(cut.offset)).ok();
                    } else {
                        returned = log->truncate_to(Offset(cut.offset)).ok();
                    }
                });
                rig.scheduler.run_until(rig.scheduler.now() + microseconds(kill_after_us));
                rig.scheduler.kill_group(kTruncator);
                log = nullptr;
                rig.disk.crash();
                rig.run([&] {
                    log = rig.open(small_segments(), LeaderEpoch(5));
                    Offset start = log->log_start_offset();
                    Offset end = log->log_end_offset();
                    INFO("recovered [" << start.value() << ", " << end.value() << "), returned "
                                       << returned);
                    if (cut.fully && start == Offset(cut.offset)) {
                        REQUIRE(end == start);
                        REQUIRE(log->leader_epochs().empty());
                        return;
                    }
                    REQUIRE(!(cut.fully && returned));
                    REQUIRE(start == Offset(0));
                    REQUIRE(end <= Offset(36));
                    if (!cut.fully) REQUIRE(end >= Offset(cut.new_end));
                    if (returned) REQUIRE(end == Offset(cut.new_end));
                    for (Offset at(0); at < end;) {
                        auto read = log->read(at, 1);
                        REQUIRE(read.ok());
                        REQUIRE(read->bytes == old_batches.at(at));
                        at = read->next_offset;
                    }
                    REQUIRE((end == Offset(36) || old_batches.contains(end)));
                    LeaderEpochCache expected = old_epochs;
                    expected.truncate_from_end(end);
                    REQUIRE(log->leader_epochs().entries() == expected.entries());
                });
            }
        }
    }
}

}  // namespace
}  // namespace brook::log
