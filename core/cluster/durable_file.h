// Small files that must be either entirely the old version or entirely the new one after a
// crash: topic metadata, the broker's identity, the producer id reservation.
//
//   TRY(write_file_durably(disk, "topics/orders", "partitions=3\n"));
//   TRY_ASSIGN(std::optional<std::string> text, read_durable_file(disk, "topics/orders"));
//
// The write is replace_file_durably (core/io/disk.h): `<path>.tmp`, fsync, rename over `path`,
// fsync of the directory. A trailing line "#crc32c=<hex>" covers the content, so a file damaged
// on disk is reported as corruption instead of being half-believed. Reads are bounded by
// kSmallFileBytesMax.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/io/disk.h"

namespace brook::cluster {

// Replaces `path` with `content` durably. May suspend.
Result<void> write_file_durably(Disk& disk, std::string_view path, std::string_view content);

// The content written by write_file_durably, nullopt when the file does not exist, corruption
// when its checksum does not match or it is too large.
Result<std::optional<std::string>> read_durable_file(Disk& disk, std::string_view path);

// Removes a directory and the files in it (no subdirectories), then syncs its parent.
// Missing is fine. May suspend.
Result<void> remove_directory_durably(Disk& disk, std::string_view path);

}  // namespace brook::cluster
