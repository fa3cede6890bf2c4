// The writes and truncations made to one file since its last sync, held in memory instead of in
// the file: LoseUnsyncedDisk's page cache (disk/lose_unsynced_disk.h).
//
//   UnsyncedOverlay overlay;
//   overlay.write(*file.size(), 0, bytes);          // the file on disk is unchanged
//   std::size_t n = overlay.read(file, 0, buffer);  // the disk's bytes with the overlay on top
//   TRY(overlay.write_out(file));                   // now the file has them; fsync it next
//
// What it keeps, exactly (any sequence of writes and truncations folds into this):
//   - size: the file's size as its reader sees it;
//   - disk_bytes_kept: how much of the file on disk is still visible, the smallest of its size
//     on disk and every truncation since the overlay began: bytes at or past it read as zeros
//     unless a later write covers them;
//   - extents: the bytes written since, by offset, never overlapping or touching (a write next
//     to or over an extent merges into it, so appends grow one buffer).
// A truncation cuts the extents at its size. Reading byte x: an extent's byte if one covers x,
// else the disk's byte if x < disk_bytes_kept, else zero; nothing at or past size.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/io/disk.h"

namespace brook {

// Bytes one file may hold unsynced, so that a topic that never syncs fails its writes with
// no_space (as a full disk would) before it takes the machine's memory.
inline constexpr uint64_t kUnsyncedBytesPerFileMax = uint64_t{512} << 20;

class UnsyncedOverlay {
public:
    // True when nothing is pending: reads and size go straight to the file on disk.
    bool empty() const { return !active_; }

    // `disk_size` is the file's size on disk; it matters only to the first change after empty.
    // no_space past kUnsyncedBytesPerFileMax, changing nothing.
    Result<void> write(uint64_t disk_size, uint64_t offset, std::span<const uint8_t> bytes);
    void truncate(uint64_t disk_size, uint64_t size);

    // The size a reader sees. Precondition: !empty().
    uint64_t size() const;

    // Reads like File::read_at: the bytes of `file` (the file on disk) at `offset` with the
    // overlay on top; fewer than buffer.size() only at the end. Precondition: !empty().
    Result<std::size_t> read(File& file, uint64_t offset, std::span<uint8_t> buffer) const;

    // Applies the overlay to `file` (truncate, write each extent, set the size) without syncing
    // it, and becomes empty. On failure it stays as it was: laid over whatever part reached the
    // file, it still reads the same, because it covers every byte it may have changed.
    Result<void> write_out(File& file);

private:
    void cut_extents(uint64_t size);

    bool active_ = false;
    uint64_t size_ = 0;
    uint64_t disk_bytes_kept_ = 0;
    uint64_t extent_bytes_ = 0;
    std::map<uint64_t, std::vector<uint8_t>> extents_;
};

}  // namespace brook
