#include "tools/brook/bench_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/log/partition_log.h"
#include "core/log/record_batch_builder.h"
#include "core/runtime/scheduler.h"
#include "disk/posix_disk.h"
#include "disk/sync_worker.h"
#include "os/epoll_reactor.h"
#include "os/system_clock.h"
#include "tools/brook/arguments.h"
#include "tools/brook/stopwatch.h"

namespace brook::tools {
namespace {

constexpr std::size_t kRecordBytes = 1024;
constexpr int kRecordsPerBatch = 16;

log::Bytes bench_batch() {
    log::RecordBatchBuilder builder(1'800'000'000'000);
    for (int i = 0; i < kRecordsPerBatch; ++i) {
        builder.add(log::Record{.key = std::nullopt,
                                .value = log::Bytes(kRecordBytes - 20, static_cast<uint8_t>(i)),
                                .headers = {},
                                .timestamp_ms = 1'800'000'000'000 + i});
    }
    return builder.build();
}

struct Setup {
    std::unique_ptr<EpollReactor> reactor;
    std::unique_ptr<Scheduler> scheduler;
    std::unique_ptr<SystemClock> clock;
    std::unique_ptr<SyncWorker> sync_worker;  // destroyed before the disk and scheduler
    std::unique_ptr<PosixDisk> disk;

    Setup() = default;
    Setup(Setup&&) = default;
    ~Setup() {
        disk.reset();
        sync_worker.reset();
    }
};

// `inline_sync`: syncs block the node's thread instead of running on the helper thread (as in
// `brook serve`).
Setup make_setup(const std::string& root, bool inline_sync) {
    Setup setup;
    setup.reactor = EpollReactor::create().value();
    setup.scheduler = std::make_unique<Scheduler>(*setup.reactor);
    setup.clock = std::make_unique<SystemClock>(*setup.scheduler);
    setup.disk = std::make_unique<PosixDisk>(root);
    if (!inline_sync) {
        setup.sync_worker = SyncWorker::create(*setup.scheduler, *setup.reactor).value();
        setup.disk->use_sync_worker(setup.sync_worker.get());
    }
    (void)setup.disk->make_directory("");
    return setup;
}

// Appends `total` bytes from `writers` fibers, group commit on; returns {seconds, syncs-ish}.
double bench_append(Setup& setup, uint64_t total, int writers, uint64_t& batches) {
    log::Bytes batch = bench_batch();
    log::LogConfig config;
    double elapsed = 0;
    setup.scheduler->spawn("bench", [&] {
        auto opened = log::PartitionLog::open(*setup.disk, *setup.clock, *setup.scheduler,
                                              "append-0", config);
        ASSERT(opened.ok(), "{}", opened.error().describe());
        log::PartitionLog& partition = **opened;
        uint64_t per_writer = total / batch.size() / static_cast<uint64_t>(writers);
        int done = 0;
        WaitQueue finished(*setup.scheduler);
        auto start = Stopwatch::now();
        for (int w = 0; w < writers; ++w) {
            setup.scheduler->spawn("writer", [&] {
                for (uint64_t i = 0; i < per_writer; ++i) {
                    auto appended = partition.append(batch);
                    ASSERT(appended.ok() && appended->durable);
                }
                if (++done == writers) finished.notify_all();
            });
        }
        while (done < writers) finished.wait();
        elapsed = seconds_since(start);
        batches = per_writer * static_cast<uint64_t>(writers);
        setup.scheduler->stop();
    });
    setup.scheduler->run();
    return elapsed;
}

// write + fdatasync of the same bytes, `group` batches per sync.
double bench_raw(const std::string& path, uint64_t batches, int group) {
    log::Bytes batch = bench_batch();
    std::vector<uint8_t> chunk;
    for (int i = 0; i < group; ++i) chunk.insert(chunk.end(), batch.begin(), batch.end());
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT(fd >= 0);
    auto start = Stopwatch::now();
    uint64_t offset = 0;
    for (uint64_t i = 0; i < batches; i += static_cast<uint64_t>(group)) {
        ASSERT(::pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(offset)) ==
               static_cast<ssize_t>(chunk.size()));
        ASSERT(::fdatasync(fd) == 0);
        offset += chunk.size();
    }
    double elapsed = seconds_since(start);
    ::close(fd);
    return elapsed;
}

// Reads the whole partition back, 1 MiB per fetch; returns {seconds, bytes}.
double bench_fetch(Setup& setup, const std::string& directory, uint64_t& bytes) {
    double elapsed = 0;
    setup.scheduler->spawn("fetch", [&] {
        auto opened = log::PartitionLog::open(*setup.disk, *setup.clock, *setup.scheduler,
                                              directory, log::LogConfig{});
        ASSERT(opened.ok());
        auto start = Stopwatch::now();
        Offset offset = (*opened)->log_start_offset();
        while (offset < (*opened)->log_end_offset()) {
            auto read = (*opened)->read(offset, 1 << 20);
            ASSERT(read.ok(), "{}", read.error().describe());
            bytes += read->bytes.size();
            offset = read->next_offset;
        }
        elapsed = seconds_since(start);
        setup.scheduler->stop();
    });
    setup.scheduler->run();
    return elapsed;
}

// Writes `total` bytes (fsync only at close), then times two reopens: with the checkpoint
// (sealed segments are trusted, only the active one is scanned) and without it (every batch of
// every segment is read and CRC'd: the worst case).
struct RecoveryTimes {
    double with_checkpoint_s = 0;
    int scanned_with_checkpoint = 0;
    double full_scan_s = 0;
    int scanned_full = 0;
};

RecoveryTimes bench_recovery(Setup& setup, uint64_t total, uint64_t segment_bytes) {
    log::Bytes batch = bench_batch();
    log::LogConfig config;
    config.segment_bytes = segment_bytes;
    config.flush_messages = INT64_MAX;
    RecoveryTimes times;
    std::string directory = "recovery-0";
    setup.scheduler->spawn("recovery", [&] {
        {
            auto opened = log::PartitionLog::open(*setup.disk, *setup.clock, *setup.scheduler,
                                                  directory, config);
            ASSERT(opened.ok());
            for (uint64_t written = 0; written < total; written += batch.size()) {
                ASSERT((*opened)->append(batch).ok());
            }
            ASSERT((*opened)->close().ok());
        }
        auto reopen = [&](double& seconds, int& scanned) {
            auto start = Stopwatch::now();
            auto reopened = log::PartitionLog::open(*setup.disk, *setup.clock, *setup.scheduler,
                                                    directory, config);
            seconds = seconds_since(start);
            ASSERT(reopened.ok());
            ASSERT((*reopened)->size_bytes() >= total);
            scanned = (*reopened)->recovery_report().segments_scanned;
        };
        reopen(times.with_checkpoint_s, times.scanned_with_checkpoint);
        ASSERT(setup.disk->remove(directory + "/partition.checkpoint").ok());
        reopen(times.full_scan_s, times.scanned_full);
        setup.scheduler->stop();
    });
    setup.scheduler->run();
    return times;
}

}  // namespace

int bench_log_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    std::string root = args.value("--dir").value_or("bench-log-data");
    uint64_t append_mib = std::stoull(args.value("--append-mib").value_or("256"));
    int writers = std::stoi(args.value("--writers").value_or("8"));
    uint64_t recovery_mib = std::stoull(args.value("--recovery-mib").value_or("1024"));
    bool inline_sync = args.flag("--inline-sync");
    if (auto unknown = args.unused()) {
        fmt::print(stderr, "brook bench log: unknown option {}\n", *unknown);
        return 2;
    }
    std::filesystem::remove_all(root);
    Setup setup = make_setup(root, inline_sync);
    uint64_t batch_bytes = bench_batch().size();
    fmt::print("batch: {} records of {} B = {} B; writers: {}; dir: {}\n", kRecordsPerBatch,
               kRecordBytes, batch_bytes, writers, root);

    uint64_t batches = 0;
    double append_s = bench_append(setup, append_mib << 20, writers, batches);
    double mib = static_cast<double>(batches * batch_bytes) / (1 << 20);
    fmt::print("append (group commit, fsync before ack): {:.1f} MiB/s, {:.0f} batches/s ({} MiB)\n",
               mib / append_s, static_cast<double>(batches) / append_s, append_mib);
    double raw_group_s = bench_raw(root + "/raw-group", batches, writers);
    fmt::print("raw pwrite+fdatasync, {} batches per sync: {:.1f} MiB/s -> log at {:.0f}%\n",
               writers, mib / raw_group_s, 100.0 * raw_group_s / append_s);
    uint64_t raw_single_batches = std::min<uint64_t>(batches, 4096);
    double raw_single_s = bench_raw(root + "/raw-single", raw_single_batches, 1);
    fmt::print("raw pwrite+fdatasync, 1 batch per sync: {:.1f} MiB/s\n",
               static_cast<double>(raw_single_batches * batch_bytes) / (1 << 20) / raw_single_s);

    uint64_t fetched = 0;
    double fetch_s = bench_fetch(setup, "append-0", fetched);
    fmt::print("fetch (warm page cache, 1 MiB fetches): {:.0f} MiB/s\n",
               static_cast<double>(fetched) / (1 << 20) / fetch_s);

    uint64_t segment_bytes = uint64_t{128} << 20;
    RecoveryTimes recovery = bench_recovery(setup, recovery_mib << 20, segment_bytes);
    fmt::print("recovery of a {} MiB log ({} MiB segments, page cache warm): "
               "{:.3f} s with the checkpoint ({} segment scanned); "
               "{:.2f} s without it ({} segments scanned, {:.0f} MiB/s)\n",
               recovery_mib, segment_bytes >> 20, recovery.with_checkpoint_s,
               recovery.scanned_with_checkpoint, recovery.full_scan_s, recovery.scanned_full,
               static_cast<double>(recovery_mib) / recovery.full_scan_s);
    std::filesystem::remove_all(root);
    return 0;
}

}  // namespace brook::tools
