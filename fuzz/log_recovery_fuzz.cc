// Arbitrary bytes as the only segment file of a partition, fed to PartitionLog recovery.
// Properties: no crash and no undefined behaviour (the clang build runs this under ASan and
// UBSan); recovery keeps only batches that pass their CRC and sit at dense offsets, so every
// offset it reports is readable and every batch read back validates.
//
// The input is written as `p/00000000000000000000.log` on a SimDisk and made durable; there is
// no checkpoint, so recovery scans the whole segment. Fibers are needed because SimDisk's sync
// parks; the runtime announces its stack switches to ASan (core/runtime/fiber.cc).
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <span>

#include "core/log/partition_log.h"
#include "sim/sim_clock.h"
#include "sim/sim_disk.h"
#include "sim/sim_reactor.h"
#include "sim/trace.h"

namespace {

using namespace brook;

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "log_recovery_fuzz: %s\n", what);
    std::abort();
}

void check_recovered(log::PartitionLog& partition) {
    Offset offset = partition.log_start_offset();
    while (offset < partition.log_end_offset()) {
        Result<log::LogRead> read = partition.read(offset, 1 << 16);
        if (!read) violated("a recovered offset is not readable");
        std::span<const uint8_t> rest(read->bytes);
        Offset expected = offset;
        while (!rest.empty()) {
            log::BatchCheck check = log::check_batch(rest);
            if (check.problem != log::BatchProblem::none) violated("served an invalid batch");
            log::RecordBatchView view(rest.first(check.size));
            if (view.base_offset() != expected) violated("offsets not dense");
            expected = view.next_offset();
            rest = rest.subspan(check.size);
        }
        if (read->batches == 0 || expected != read->next_offset) violated("bad read result");
        offset = read->next_offset;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    sim::Trace trace;
    sim::SimDisk disk(scheduler, Random(1), trace, "n1");
    sim::SimClock clock(scheduler, WallTime(milliseconds(1'800'000'000'000)));
    scheduler.spawn("fuzz", [&] {
        if (!disk.make_directory("p").ok()) violated("mkdir");
        auto file = disk.open("p/00000000000000000000.log", OpenMode::create);
        if (!file) violated("open");
        if (size > 0 && !(*file)->write_at(0, std::span<const uint8_t>(data, size)).ok()) {
            violated("write");
        }
        if (!(*file)->sync().ok()) violated("sync");
        log::LogConfig config;
        config.index_interval_bytes = 64;
        auto partition = log::PartitionLog::open(disk, clock, scheduler, "p", config);
        if (!partition) violated("recovery failed on a healthy disk");
        check_recovered(**partition);
        // Recovery truncated to whole valid batches: an append continues at the end.
        (void)(*partition)->flush();
    });
    scheduler.run();
    return 0;
}
