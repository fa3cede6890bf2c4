// Arbitrary bytes as the files of a quorum's metadata log, fed to MetadataLog recovery: the
// first two bytes give the length of a snapshot file (named for SnapshotId{3, 1}), the rest is
// the only segment, from offset 0. This covers both parsers of the directory
// (decode_metadata_entry, decode_snapshot_file) and the joining of the two.
// Properties: no crash and no undefined behaviour (ASan and UBSan in the clang build); recovery
// on a healthy disk always succeeds; what it returns is dense from the snapshot's end (or 0) with
// epochs that never decrease; an append then continues at the end and survives a reopen.
//
// Fibers are needed because SimDisk's sync parks; the runtime announces its stack switches to
// ASan (core/runtime/fiber.cc).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "core/base/logger.h"
#include "core/quorum/metadata_log.h"
#include "core/quorum/snapshot_file.h"
#include "sim/sim_disk.h"
#include "sim/sim_reactor.h"
#include "sim/trace.h"

namespace {

using namespace brook;

constexpr std::string_view kDirectory = "__cluster_metadata-0";

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "metadata_log_recovery_fuzz: %s\n", what);
    std::abort();
}

void check_recovered(const quorum::OpenedMetadataLog& opened) {
    Offset expected = opened.snapshot ? opened.snapshot->id.end_offset : Offset(0);
    for (size_t i = 0; i < opened.entries.size(); ++i) {
        const raft::Entry& entry = opened.entries[i];
        if (entry.offset != expected) violated("recovered offsets are not dense");
        if (i > 0 && entry.epoch < opened.entries[i - 1].epoch) violated("epochs go back");
        expected = expected + 1;
    }
    if (opened.log->end_offset() != expected) violated("the log end is not after the entries");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> input(data, size);
    size_t snapshot_bytes = 0;
    if (input.size() >= 2) {
        snapshot_bytes = std::min<size_t>((input[0] << 8 | input[1]), input.size() - 2);
        input = input.subspan(2);
    }
    std::span<const uint8_t> snapshot = input.first(snapshot_bytes);
    std::span<const uint8_t> segment = input.subspan(snapshot_bytes);

    sim::SimReactor reactor;
    Scheduler scheduler(reactor);
    sim::Trace trace;
    sim::SimDisk disk(scheduler, Random(1), trace, "n1");
    NullLogSink sink;
    scheduler.spawn("fuzz", [&] {
        if (!disk.make_directory(kDirectory).ok()) violated("mkdir");
        auto write = [&](const std::string& name, std::span<const uint8_t> bytes) {
            auto file = disk.open(fmt::format("{}/{}", kDirectory, name), OpenMode::create);
            if (!file) violated("open");
            if (!bytes.empty() && !(*file)->write_at(0, bytes).ok()) violated("write");
            if (!(*file)->sync().ok()) violated("sync");
        };
        if (!snapshot.empty()) {
            write(quorum::snapshot_file_name(raft::SnapshotId{Offset(3), LeaderEpoch(1)}),
                  snapshot);
        }
        write(quorum::segment_file_name(Offset(0)), segment);
        if (!disk.sync_directory(kDirectory).ok()) violated("sync directory");

        quorum::MetadataLogOptions options{.segment_bytes = 256};
        auto opened =
            quorum::MetadataLog::open(disk, Logger(sink, "log"), std::string(kDirectory), options);
        if (!opened) violated("recovery failed on a healthy disk");
        check_recovered(*opened);
        Offset end = opened->log->end_offset();
        LeaderEpoch epoch =
            opened->entries.empty() ? LeaderEpoch(1000) : opened->entries.back().epoch;
        raft::Entry next{end, epoch, raft::EntryKind::data, "after recovery"};
        if (!opened->log->append(std::span(&next, 1)).ok()) violated("append");
        if (!opened->log->sync().ok()) violated("sync after append");
        opened->log.reset();
        auto reopened =
            quorum::MetadataLog::open(disk, Logger(sink, "log"), std::string(kDirectory), options);
        if (!reopened) violated("reopen failed");
        check_recovered(*reopened);
        if (reopened->entries.empty() || !(reopened->entries.back() == next)) {
            violated("the appended entry is not there after a reopen");
        }
    });
    scheduler.run();
    return 0;
}
