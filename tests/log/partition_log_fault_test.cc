// PartitionLog under disk faults, retention, checkpoints and the smaller read APIs.
#include <catch2/catch.hpp>

#include "core/log/checkpoint.h"
#include "core/log/partition_log.h"
#include "tests/log/log_rig.h"

namespace brook::log {
namespace {

using testing::kEpochMs;
using testing::LogRig;
using testing::small_segments;
using testing::make_batch;
using testing::stored_form;

TEST_CASE("partition log: no_space refuses the append, leaves nothing, and passes") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments(2048));
        REQUIRE(log->append(make_batch(1, 100, 1)).ok());
        uint64_t used = rig.disk.used_bytes();
        sim::SimDiskFaults faults;
        faults.capacity_bytes = used + 50;
        rig.disk.set_faults(faults);
        auto refused = log->append(make_batch(1, 100, 2));
        REQUIRE(refused.error().code() == ErrorCode::no_space);
        REQUIRE(!log->offline());
        REQUIRE(log->log_end_offset() == Offset(1));
        REQUIRE(rig.disk.used_bytes() == used);
        faults.capacity_bytes = UINT64_MAX;
        rig.disk.set_faults(faults);
        auto appended = log->append(make_batch(1, 100, 3));
        REQUIRE(appended.ok());
        REQUIRE(appended->base_offset == Offset(1));
        REQUIRE(log->read(Offset(1), 1000).ok());
    });
}

TEST_CASE("partition log: io_error on write or fsync takes it offline; acknowledged data stays") {
    for (bool fail_sync : {false, true}) {
        DYNAMIC_SECTION((fail_sync ? "fsync" : "write") << " error") {
            LogRig rig;
            std::vector<Bytes> acknowledged;
            rig.run([&] {
                auto log = rig.open(LogConfig{});
                for (uint32_t i = 0; i < 5; ++i) {
                    Bytes batch = make_batch(1, 100, i);
                    acknowledged.push_back(stored_form(batch, log->append(batch)->base_offset));
                }
                sim::SimDiskFaults faults;
                (fail_sync ? faults.sync_error_ppm : faults.write_error_ppm) = kPartsPerMillion;
                rig.disk.set_faults(faults);
                auto failed = log->append(make_batch(1, 100, 9));
                REQUIRE(failed.error().code() == ErrorCode::io_error);
                REQUIRE(log->offline());
                rig.disk.set_faults(sim::SimDiskFaults{});
                REQUIRE(log->append(make_batch(1, 100, 10)).error().code() == ErrorCode::io_error);
                REQUIRE(log->read(Offset(0), 100).error().code() == ErrorCode::io_error);
            });
            rig.disk.crash();
            rig.run([&] {
                auto log = rig.open(LogConfig{});
                REQUIRE(log->log_end_offset() >= Offset(5));
                for (std::size_t i = 0; i < acknowledged.size(); ++i) {
                    auto read = log->read(Offset(static_cast<int64_t>(i)), 1);
                    REQUIRE(read->bytes == acknowledged[i]);
                }
            });
        }
    }
}

TEST_CASE("partition log: a flipped bit in stored data is reported, never served") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments(2048));
        for (uint32_t i = 0; i < 20; ++i) REQUIRE(log->append(make_batch(1, 200, i)).ok());
        Offset first = log->segment_bases().front();
        // Flip a bit inside the second batch's records of the first (sealed) segment.
        auto read = log->read(Offset(1), 1);
        REQUIRE(read.ok());
        uint64_t position = read->bytes.size() + 100;
        REQUIRE(rig.disk.corrupt(rig.path(first, ".log"), position).ok());
        auto bad = log->read(Offset(1), 1 << 20);
        REQUIRE(bad.error().code() == ErrorCode::corruption);
        auto good = log->read(Offset(0), 1 << 20);
        REQUIRE(good.ok());
        REQUIRE(good->batches == 1);  // the good prefix stops before the damaged batch
        REQUIRE(log->read(Offset(2), 1).ok());
    });
}

TEST_CASE("partition log: retention by bytes and by time advances the log start durably") {
    LogRig rig;
    LogConfig config = small_segments(2048);
    rig.run([&] {
        auto log = rig.open(config);
        for (uint32_t i = 0; i < 30; ++i) REQUIRE(log->append(make_batch(1, 200, i)).ok());
        std::size_t segments = log->segment_bases().size();
        REQUIRE(segments >= 4);
        // retention.bytes: keep at least this much; whole segments only.
        log = nullptr;
        config.retention_bytes = 2500;
        log = rig.open(config);
        auto deleted = log->apply_retention();
        REQUIRE(deleted.ok());
        REQUIRE(*deleted > 0);
        REQUIRE(log->size_bytes() >= 2500);
        REQUIRE(log->log_start_offset() == log->segment_bases().front());
        REQUIRE(log->read(log->log_start_offset() - 1, 10).error().code() == ErrorCode::out_of_range);
        REQUIRE(!rig.disk.exists(rig.path(Offset(0), ".log")).value());
    });
    rig.disk.crash();
    Offset start;
    rig.run([&] {
        config.retention_bytes = -1;
        auto log = rig.open(config);
        start = log->log_start_offset();
        REQUIRE(start > Offset(0));
        // retention.ms: a backward wall clock jump deletes nothing early...
        config.retention_ms = 60'000;
        log = nullptr;
        log = rig.open(config);
        rig.clock.jump(-hours(24));
        REQUIRE(log->apply_retention().value() == 0);
        // ...and once the records are old enough, every non-active segment goes.
        rig.clock.jump(hours(24) + minutes(2));
        REQUIRE(log->apply_retention().value() > 0);
        REQUIRE(log->segment_bases().size() == 1);
        REQUIRE(log->log_start_offset() == log->segment_bases().front());
    });
}

TEST_CASE("partition log: a crash during a checkpoint write leaves the old or the new one") {
    for (int64_t kill_after_us : {0, 50, 150, 300, 600, 1000, 2000, 5000}) {
        DYNAMIC_SECTION("crash after " << kill_after_us << " us") {
            sim::SimDiskFaults faults;
            faults.sync_latency_min = microseconds(100);
            faults.sync_latency_max = microseconds(400);
            LogRig rig(static_cast<uint64_t>(kill_after_us) + 1, faults);
            Checkpoint old_one{Offset(10), Offset(5)}, new_one{Offset(20), Offset(7)};
            REQUIRE(rig.disk.make_directory("p").ok());
            rig.run([&] {
                REQUIRE(rig.disk.sync_directory("").ok());
                REQUIRE(write_checkpoint(rig.disk, "p", old_one).ok());
            });
            rig.scheduler.spawn_in_group(77, "writer", [&] {
                (void)write_checkpoint(rig.disk, "p", new_one);
            });
            rig.scheduler.run_until(rig.scheduler.now() + microseconds(kill_after_us));
            rig.scheduler.kill_group(77);
            rig.disk.crash();
            auto read = read_checkpoint(rig.disk, "p");
            REQUIRE(read.ok());
            REQUIRE((*read == old_one || *read == new_one));
        }
    }
}

TEST_CASE("partition log: LogAppendTime, timestamp lookups and waiting for data") {
    LogRig rig;
    LogConfig config = small_segments(2048);
    config.message_timestamp_type = TimestampType::log_append_time;
    std::unique_ptr<PartitionLog> log;
    rig.run([&] { log = rig.open(config); });
    std::vector<int64_t> times;
    brook::testing::FiberRunner runner(rig.scheduler);
    runner.spawn("fetcher", [&] {
        REQUIRE(!log->wait_for_data(Offset(0), rig.scheduler.now() + milliseconds(5)));
        REQUIRE(log->wait_for_data(Offset(0), rig.scheduler.now() + seconds(10)));
        REQUIRE(log->log_end_offset() > Offset(0));
    });
    runner.spawn("producer", [&] {
        brook::testing::sleep_for(rig.scheduler, milliseconds(20));
        for (uint32_t i = 0; i < 10; ++i) {
            int64_t before = wall_ms(rig.clock.wall_now());
            auto appended = log->append(make_batch(2, 300, i, kEpochMs - 100000));
            REQUIRE(appended.ok());
            REQUIRE(appended->log_append_time_ms >= before);
            REQUIRE(appended->log_append_time_ms <= wall_ms(rig.clock.wall_now()));
            times.push_back(appended->log_append_time_ms);
            auto read = log->read(appended->base_offset, 1);
            RecordBatchView view(read->bytes);
            REQUIRE(view.timestamp_type() == TimestampType::log_append_time);
            REQUIRE(view.max_timestamp() == appended->log_append_time_ms);
            brook::testing::sleep_for(rig.scheduler, seconds(1));
        }
    });
    runner.run();
    rig.run([&] {
        // LogAppendTime batches are found by batch: each holds offsets 2i and 2i + 1.
        REQUIRE(log->offset_for_timestamp(0).value() == Offset(0));
        REQUIRE(log->offset_for_timestamp(times[4]).value() == Offset(8));
        REQUIRE(log->offset_for_timestamp(times[4] + 1).value() == Offset(10));
        REQUIRE(log->offset_for_timestamp(times[9]).value() == Offset(18));
        REQUIRE(!log->offset_for_timestamp(times[9] + 1).value().has_value());
    });
}

TEST_CASE("partition log: CreateTime lookups find the first record at or after the time") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(small_segments(2048));
        for (uint32_t i = 0; i < 20; ++i) {
            REQUIRE(log->append(make_batch(3, 100, i, 1000 + 10 * i)).ok());  // records t, t+1, t+2
        }
        REQUIRE(log->offset_for_timestamp(1000).value() == Offset(0));
        REQUIRE(log->offset_for_timestamp(1001).value() == Offset(1));
        REQUIRE(log->offset_for_timestamp(1003).value() == Offset(3));
        REQUIRE(log->offset_for_timestamp(1152).value() == Offset(47));
        REQUIRE(!log->offset_for_timestamp(1193).value().has_value());
    });
}

}  // namespace
}  // namespace brook::log
