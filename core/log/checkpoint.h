// The partition's checkpoint file: the recovery point and the log start offset, replaced
// atomically so that a crash leaves either the old or the new one, never a mix.
//
//   TRY(write_checkpoint(disk, "topic-0", {.recovery_point = Offset(900), .log_start = Offset(0)}));
//   Result<Checkpoint> checkpoint = read_checkpoint(disk, "topic-0");   // not_found, corruption
//
// Writing: replace_file_durably (core/io/disk.h): `partition.checkpoint.tmp` is written,
// fsynced, renamed over `partition.checkpoint`, and the directory is fsynced. Format,
// 28 bytes big-endian: magic "BKCP", version u16 (1), recovery point i64, log start i64,
// CRC32C u32 of the preceding 22 bytes, padding u16 (0). The CRC turns a bit flip into a
// missing checkpoint, which only makes recovery scan more.
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/io/disk.h"

namespace brook::log {

struct Checkpoint {
    // Every batch below this offset is durable and lies in a sealed segment whose index files
    // are durable: recovery scans from here.
    Offset recovery_point;
    // No offset below this is readable; segments wholly below it are deleted on open.
    Offset log_start;
    bool operator==(const Checkpoint&) const = default;
};

inline constexpr std::string_view kCheckpointName = "partition.checkpoint";

// May suspend.
Result<void> write_checkpoint(Disk& disk, std::string_view directory, const Checkpoint& checkpoint);
Result<Checkpoint> read_checkpoint(Disk& disk, std::string_view directory);

}  // namespace brook::log
