// A partition log on one simulated node for tests: virtual time, a SimDisk, a SimClock, and
// helpers to run fibers and build batches.
//
//   LogRig rig;
//   rig.run([&] { auto log = rig.open(config); REQUIRE(log->append(batch(3, 100, 7)).ok()); });
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
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
    std::unique_ptr<PartitionLog> open(const LogConfig& config) {
        auto log = PartitionLog::open(disk, clock, scheduler, std::string(kDirectory), config);
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
