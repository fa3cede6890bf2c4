#include "core/log/partition_log.h"

#include <catch2/catch.hpp>

#include "core/log/checkpoint.h"
#include "tests/log/log_rig.h"

namespace brook::log {
namespace {

using testing::LogRig;
using testing::small_segments;
using testing::make_batch;
using testing::stored_form;

// Reads the whole log from the start, batch by batch.
std::vector<Bytes> read_all(PartitionLog& log) {
    std::vector<Bytes> batches;
    Offset offset = log.log_start_offset();
    while (offset < log.log_end_offset()) {
        auto read = log.read(offset, 1);
        REQUIRE(read.ok());
        REQUIRE(read->batches == 1);
        batches.push_back(read->bytes);
        offset = read->next_offset;
    }
    return batches;
}

TEST_CASE("partition log: appends get dense offsets and reads return the stored bytes") {
    LogRig rig;
    rig.run([&] {
        auto log = rig.open(LogConfig{});
        Bytes a = make_batch(3, 100, 1), b = make_batch(1, 10, 2), c = make_batch(5, 50, 3);
        auto ra = log->append(a);
        auto rb = log->append(b);
        auto rc = log->append(c);
        REQUIRE((ra.ok() && rb.ok() && rc.ok()));
        REQUIRE(ra->base_offset == Offset(0));
        REQUIRE(ra->last_offset == Offset(2));
        REQUIRE(ra->durable);
        REQUIRE(rb->base_offset == Offset(3));
        REQUIRE(rc->base_offset == Offset(4));
        REQUIRE(log->log_end_offset() == Offset(9));
        REQUIRE(log->durable_end_offset() == Offset(9));

        auto all = log->read(Offset(0), 1 << 20);
        REQUIRE(all.ok());
        REQUIRE(all->batches == 3);
        Bytes expected = stored_form(a, Offset(0));
        Bytes sb = stored_form(b, Offset(3)), sc = stored_form(c, Offset(4));
        expected.insert(expected.end(), sb.begin(), sb.end());
        expected.insert(expected.end(), sc.begin(), sc.end());
        REQUIRE(all->bytes == expected);
        REQUIRE(all->next_offset == Offset(9));

        // An offset inside a batch returns the whole batch, as Kafka does.
        auto middle = log->read(Offset(6), 1);
        REQUIRE(middle->bytes == sc);
        // At least one batch even when it exceeds max_bytes; then only what fits.
        auto first = log->read(Offset(0), a.size() + b.size() - 1);
        REQUIRE(first->batches == 1);
        auto two = log->read(Offset(0), a.size() + b.size());
        REQUIRE(two->batches == 2);
        // At the end: empty. Past it or below the start: out of range.
        auto end = log->read(Offset(9), 100);
        REQUIRE((end.ok() && end->bytes.empty() && end->next_offset == Offset(9)));
        REQUIRE(log->read(Offset(10), 100).error().code() == ErrorCode::out_of_range);
        REQUIRE(log->read(Offset(-1), 100).error().code() == ErrorCode::out_of_range);
        // An upper bound below the end hides later batches.
        auto bounded = log->read(Offset(0), 1 << 20, Offset(3));
        REQUIRE(bounded->batches == 1);
    });
}

TEST_CASE("partition log: producer errors: too large, old format, corrupt") {
    LogRig rig;
    rig.run([&] {
        LogConfig config;
        config.max_message_bytes = 1000;
        auto log = rig.open(config);
        REQUIRE(log->append(make_batch(1, 2000, 1)).error().code() == ErrorCode::too_large);
        Bytes old = make_batch(1, 10, 1);
        old[16] = 1;
        REQUIRE(log->append(old).error().code() == ErrorCode::unsupported);
        Bytes flipped = make_batch(1, 10, 1);
        flipped[70] ^= 1;
        REQUIRE(log->append(flipped).error().code() == ErrorCode::corruption);
        REQUIRE(log->log_end_offset() == Offset(0));
        REQUIRE(log->append(make_batch(1, 10, 1)).ok());
    });
}

TEST_CASE("partition log: segments roll by size; sealed segments get index files; reopen") {
    LogRig rig;
    std::vector<Bytes> written;
    rig.run([&] {
        auto log = rig.open(small_segments(4096, 512));
        for (uint32_t i = 0; i < 40; ++i) {
            Bytes batch = make_batch(2, 200, i);
            auto appended = log->append(batch);
            REQUIRE(appended.ok());
            written.push_back(stored_form(batch, appended->base_offset));
        }
        REQUIRE(log->segment_bases().size() > 4);
        REQUIRE(read_all(*log) == written);
        for (Offset base : log->segment_bases()) {
            if (base == log->segment_bases().back()) break;
            REQUIRE(rig.disk.exists(rig.path(base, ".index")).value());
            REQUIRE(rig.disk.exists(rig.path(base, ".timeindex")).value());
        }
        REQUIRE(log->close().ok());
    });
    rig.run([&] {
        auto log = rig.open(small_segments(4096, 512));
        REQUIRE(log->recovery_report().checkpoint_used);
        REQUIRE(log->recovery_report().segments_scanned == 1);  // only the active one
        REQUIRE(log->recovery_report().indexes_rebuilt == 0);
        REQUIRE(log->log_end_offset() == Offset(80));
        REQUIRE(read_all(*log) == written);
    });
}

TEST_CASE("partition log: recovery truncates a torn tail and rebuilds a corrupt index") {
    LogRig rig;
    std::vector<Bytes> written;
    Offset sealed_base;
    rig.run([&] {
        auto log = rig.open(small_segments(4096, 512));
        for (uint32_t i = 0; i < 20; ++i) {
            Bytes batch = make_batch(1, 300, i);
            auto appended = log->append(batch);
            REQUIRE(appended.ok());
            written.push_back(stored_form(batch, appended->base_offset));
        }
        sealed_base = log->segment_bases().front();
        Offset active = log->segment_bases().back();
        // A half-written batch after the last one, as a crash mid-write leaves it.
        auto file = rig.disk.open(rig.path(active, ".log"), OpenMode::read_write);
        uint64_t size = file.value()->size().value();
        Bytes half = make_batch(1, 300, 99);
        half.resize(half.size() / 2);
        REQUIRE(file.value()->write_at(size, half).ok());
        REQUIRE(file.value()->sync().ok());
        // And garbage in a sealed segment's offset index.
        auto index = rig.disk.open(rig.path(sealed_base, ".index"), OpenMode::read_write);
        REQUIRE(index.value()->write_at(0, Bytes{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 2}).ok());
        REQUIRE(index.value()->sync().ok());
    });
    rig.run([&] {
        auto log = rig.open(small_segments(4096, 512));
        const RecoveryReport& report = log->recovery_report();
        REQUIRE(report.truncated_bytes > 0);
        REQUIRE(report.stop_problem == BatchProblem::truncated);
        REQUIRE(!report.corruption_at.has_value());
        REQUIRE(report.indexes_rebuilt == 1);
        REQUIRE(read_all(*log) == written);
        auto appended = log->append(make_batch(1, 10, 5));
        REQUIRE(appended->base_offset == Offset(20));
    });
}

TEST_CASE("partition log: after a crash every acknowledged batch survives, byte-identical") {
    sim::SimDiskFaults faults;  // a crash keeps a random prefix of unsynced writes, torn
    LogRig rig(3, faults);
    std::vector<Bytes> acknowledged;
    rig.run([&] {
        auto log = rig.open(small_segments(2048, 512));
        for (uint32_t i = 0; i < 30; ++i) {
            Bytes batch = make_batch(1 + i % 3, 100 + i * 7, i);
            auto appended = log->append(batch);
            REQUIRE(appended.ok());
            acknowledged.push_back(stored_form(batch, appended->base_offset));
        }
    });
    rig.disk.crash();
    rig.run([&] {
        auto log = rig.open(small_segments(2048, 512));
        REQUIRE(read_all(*log) == acknowledged);
    });
}

TEST_CASE("partition log: flush.messages relaxes durability; a crash loses only a suffix") {
    sim::SimDiskFaults faults;
    faults.crash_keep_none_ppm = kPartsPerMillion;  // everything unsynced is lost
    LogRig rig(4, faults);
    LogConfig config = small_segments(1 << 20, 512);
    config.flush_messages = 5;
    std::vector<Bytes> written;
    Offset durable;
    rig.run([&] {
        auto log = rig.open(config);
        for (uint32_t i = 0; i < 12; ++i) {
            Bytes batch = make_batch(1, 50, i);
            auto appended = log->append(batch);
            REQUIRE(appended.ok());
            REQUIRE(appended->durable == ((i + 1) % 5 == 0));
            written.push_back(stored_form(batch, appended->base_offset));
        }
        durable = log->durable_end_offset();
        REQUIRE(durable == Offset(10));
    });
    rig.disk.crash();
    rig.run([&] {
        auto log = rig.open(config);
        REQUIRE(log->log_end_offset() == durable);
        written.resize(10);
        REQUIRE(read_all(*log) == written);
    });
}

TEST_CASE("partition log: group commit shares one fsync among concurrent appenders") {
    sim::SimDiskFaults faults;
    faults.sync_latency_min = milliseconds(2);
    faults.sync_latency_max = milliseconds(2);
    LogRig rig(5, faults);
    constexpr int kWriters = 20, kAppends = 5;
    std::vector<std::vector<Offset>> offsets(kWriters);
    std::unique_ptr<PartitionLog> log;
    rig.run([&] { log = rig.open(LogConfig{}); });
    brook::testing::FiberRunner writers(rig.scheduler);
    std::size_t syncs_before = rig.count_trace("disk.synced file=topic-0/");
    Instant start = rig.scheduler.now();
    for (int w = 0; w < kWriters; ++w) {
        writers.spawn("writer", [&, w] {
            for (int i = 0; i < kAppends; ++i) {
                auto appended = log->append(make_batch(1, 100, static_cast<uint32_t>(w)));
                REQUIRE(appended.ok());
                REQUIRE(appended->durable);
                REQUIRE(log->durable_end_offset() > appended->last_offset);
                offsets[w].push_back(appended->base_offset);
            }
        });
    }
    writers.run();
    std::size_t syncs = rig.count_trace("disk.synced file=topic-0/") - syncs_before;
    Duration elapsed = rig.scheduler.now() - start;
    INFO("syncs " << syncs << ", elapsed ms " << to_ms(elapsed));
    // One sync per append would be 100 syncs and 200 ms.
    REQUIRE(syncs > 0);
    REQUIRE(syncs <= 2 * kAppends + 2);
    REQUIRE(elapsed <= milliseconds(2 * 2 * (kAppends + 1)));
    REQUIRE(log->log_end_offset() == Offset(kWriters * kAppends));
    std::vector<Offset> all;
    for (auto& each : offsets) {
        REQUIRE(std::is_sorted(each.begin(), each.end()));
        all.insert(all.end(), each.begin(), each.end());
    }
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(all[i] == Offset(static_cast<int64_t>(i)));
}

}  // namespace
}  // namespace brook::log
