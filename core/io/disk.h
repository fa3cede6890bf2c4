// The disk seam: files and directories under one node's data directory.
//
//   TRY_ASSIGN(auto file, disk.open("topic-0/00000000000000000000.log", OpenMode::create));
//   TRY(file->write_at(size, bytes));
//   TRY(file->sync());                                  // now the bytes survive a crash
//   TRY(disk.rename("topic-0/checkpoint.tmp", "topic-0/checkpoint"));
//   TRY(disk.sync_directory("topic-0"));                // now the rename survives a crash
//
// Durability contract (the simulator's disk, sim/sim_disk.h, enforces exactly this):
//   - file bytes and the file's size are durable only after File::sync() returns ok;
//   - a directory entry (create, rename, remove) is durable only after sync_directory() of the
//     directory that holds it returns ok;
//   - after a crash, a file holds its durable bytes plus some prefix of the writes made after
//     the last sync, and the last write of that prefix may be torn at a sector boundary;
//   - any operation may fail with io_error, a write with no_space; a failed sync means nothing
//     written since the last successful sync is known to be durable.
// Paths are relative, '/'-separated, without "." or ".." parts. Production: disk/posix_disk.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace brook {

enum class OpenMode {
    read_only,   // the file must exist
    read_write,  // the file must exist
    create,      // read-write; created empty when missing
    create_new,  // read-write; fails with already_exists when present
};

class File {
public:
    // Closing never syncs.
    virtual ~File() = default;

    // Reads up to buffer.size() bytes at `offset`; fewer only at the end of the file.
    virtual Result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) = 0;

    // Writes all of `bytes` at `offset` (which may be at or past the end: the gap reads as
    // zeros). On error, any part of the range may or may not have been written.
    virtual Result<void> write_at(uint64_t offset, std::span<const uint8_t> bytes) = 0;

    // Makes the file's bytes and size durable (fdatasync). May suspend.
    virtual Result<void> sync() = 0;

    // Sets the size; durable after sync().
    virtual Result<void> truncate(uint64_t size) = 0;

    virtual Result<uint64_t> size() = 0;
};

class Disk {
public:
    virtual ~Disk() = default;

    virtual Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) = 0;

    // Replaces `to` atomically if it exists. Durable after sync_directory() of the parent.
    virtual Result<void> rename(std::string_view from, std::string_view to) = 0;

    // Removes a file or an empty directory. Durable after sync_directory() of the parent.
    virtual Result<void> remove(std::string_view path) = 0;

    // Creates a directory and its missing parents; ok when it exists already.
    virtual Result<void> make_directory(std::string_view path) = 0;

    // Entry names (not paths) in ascending byte order. "" names the data directory itself.
    virtual Result<std::vector<std::string>> list_directory(std::string_view path) = 0;

    // Makes the directory's entries durable (fsync of the directory). May suspend.
    virtual Result<void> sync_directory(std::string_view path) = 0;

    virtual Result<bool> exists(std::string_view path) = 0;
};

// The parent directory of a relative path: "a/b/c.log" -> "a/b", "c.log" -> "".
std::string_view parent_directory(std::string_view path);

// Replaces the file at `path` with `bytes` so that a crash leaves either the old file or the new
// one, never a mix: `<path>.tmp` is written and fsynced, renamed over `path`, and the parent
// directory is fsynced (the rename is a directory entry, durable only then). The one writer of
// Brook's small durable files (the log's checkpoint, topic metadata, the broker's identity, the
// producer id block); the parent directory must exist. May suspend.
Result<void> replace_file_durably(Disk& disk, std::string_view path,
                                  std::span<const uint8_t> bytes);

// The whole content of a small file, nullopt when it does not exist; corruption when it is
// larger than max_bytes (a damaged or foreign file must not make the reader allocate its size).
// The one reader of the files replace_file_durably writes. May suspend.
Result<std::optional<std::string>> read_small_file(Disk& disk, std::string_view path,
                                                   uint64_t max_bytes);

}  // namespace brook
