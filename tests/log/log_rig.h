// A partition log on one simulated node for tests: virtual time, a SimDisk, a SimClock, and
// helpers to run fibers and build batches.
//
//   LogRig rig;
//   rig.run([&] { auto log = rig.open(config); REQUIRE(log->append(batch(3, 100, 7)).ok()); });
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/log/partition_log.h"
#include "core/log/record_batch_builder.h"
#include "sim/sim_clock.h"
#include "sim/sim_disk.h"
#include "sim/sim_reactor.h"
#include "tests/io/fiber_runner.h"

namespace brook::log::testing {

inline constexpr std::string_view kDirectory = "topic-0";
inline constexpr int64_t kEpochMs = 1'800'000'000'000;  // the rig's wall clock starts here

// A batch of `records` records whose values are `value_bytes` long and start with `tag`.
inline Bytes make_batch(int records, std::size_t value_bytes, uint32_t tag,
                        int64_t timestamp_ms = kEpochMs) {
    RecordBatchBuilder builder(timestamp_ms);
    for (int i = 0; i < records; ++i) {
        Bytes value(value_bytes, static_cast<uint8_t>(tag + i));
        for (std::size_t b = 0; b < 4 && b < value.size(); ++b) {
            value[b] = static_cast<uint8_t>(tag >> (8 * b));
        }
        builder.add(Record{.key = Bytes{'k', static_cast<uint8_t>(i)},
                           .value = std::move(value),
                           .headers = {},
                           .timestamp_ms = timestamp_ms + i});
    }
    return builder.build();
}

// The stored form of a produced batch: the same bytes with the assigned base offset.
inline Bytes stored_form(Bytes batch, Offset base) {
    set_base_offset(batch, base);
    return batch;
}

// Small segments (a few batches each) with sparse indexes, and no time retention.
inline LogConfig small_segments(uint64_t segment_bytes = 1024,
                                uint32_t index_interval_bytes = 256) {
    LogConfig config;
    config.segment_bytes = segment_bytes;
    config.index_interval_bytes = index_interval_bytes;
    config.retention_ms = -1;
    return config;
}

// Fails a property from inside a fiber: FiberRunner carries a std::exception out of the fiber
// and rethrows it from run(), where RapidCheck sees it (RC_ASSERT's own exception type must not
// cross a fiber boundary).
#define MODEL_CHECK(condition)                                                                 \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            throw std::logic_error(fmt::format("{}:{}: {}", __FILE__, __LINE__, #condition)); \
        }                                                                                     \
    } while (false)

// A batch as a leader stored it: `records` records at `base`, written in `epoch`.
inline Bytes leader_batch(Offset base, LeaderEpoch epoch, int records = 2, uint32_t tag = 0) {
    Bytes batch = stored_form(make_batch(records, 40, tag), base);
    set_partition_leader_epoch(batch, epoch);
    return batch;
}

struct LogRig {
    explicit LogRig(uint64_t seed = 1, const sim::SimDiskFaults& faults = {})
        : disk(scheduler, Random(seed), trace, "n1"), clock(scheduler, WallTime(milliseconds(kEpochMs))) {
        disk.set_faults(faults);
        trace.keep_lines(true);
    }

    // Runs `body` in a fiber until it and every fiber it spawned through `runner` finished.
    void run(std::function<void()> body, Duration limit = seconds(600)) {
        brook::testing::FiberRunner runner(scheduler);
        runner.spawn("test", std::move(body));
        runner.run(limit);
    }

    // Opens the log; call from a fiber.
    std::unique_ptr<PartitionLog> open(const LogConfig& config,
                                       LeaderEpoch leader_epoch = LeaderEpoch(0)) {
        auto log = PartitionLog::open(disk, clock, scheduler, std::string(kDirectory), config,
                                      leader_epoch);
        REQUIRE(log.ok());
        return std::move(log).value();
    }

    std::string path(Offset base, std::string_view extension) const {
        return std::string(kDirectory) + "/" + Segment::file_name(base, extension);
    }

    std::size_t count_trace(std::string_view needle) const {
        std::size_t count = 0;
        for (std::size_t at = trace.lines().find(needle); at != std::string::npos;
             at = trace.lines().find(needle, at + 1)) {
            ++count;
        }
        return count;
    }

    sim::SimReactor reactor;
    Scheduler scheduler{reactor};
    sim::Trace trace;
    sim::SimDisk disk;
    sim::SimClock clock;
};

}  // namespace brook::log::testing
