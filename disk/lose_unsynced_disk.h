// LoseUnsyncedDisk: a test mode of the real disk in which kill -9 of the process loses what a
// power loss would, so that durability can be shown with real processes on one machine. UNSAFE:
// `brook serve --unsafe-lose-unsynced-writes` selects it; never for data that matters.
//
//   PosixDisk posix("/tmp/node-1");
//   LoseUnsyncedDisk disk(posix);                       // wraps any Disk
//   TRY_ASSIGN(auto file, disk.open("a.log", OpenMode::create));
//   TRY(file->write_at(0, bytes));                      // held in this process's memory only
//   TRY(file->sync());                                  // now written to a.log and fsynced
//
// Why: a killed process's writes survive in the kernel's page cache, so kill -9 alone never
// loses an acknowledged-but-unsynced record and cannot tell a broker that fsyncs before it
// acknowledges from one that does not. Here every write not yet covered by a sync of its file
// lives in an UnsyncedOverlay (disk/unsynced_overlay.h) in the process, visible to every read
// and to every handle on that file, and reaches the file underneath only when the file is
// synced; then the underlying file is fsynced too (the mode stays honest under a real power
// loss). Killing the process drops the overlays: the files hold exactly their synced bytes.
//
// WHAT IT MODELS, against the contract of core/io/disk.h (sim/sim_disk.h makes it exact):
//   - File bytes and sizes: durable only after File::sync(); a kill loses every write and
//     truncation made to a file since its last successful sync, all of them, none torn (the
//     contract's "some prefix" taken at its pessimistic end: the empty prefix).
//   - A sync first writes the overlay to the file underneath, then fsyncs it, and may suspend
//     in between: a kill in that window keeps those writes in the page cache. The contract
//     allows it (a crash during a sync may keep any prefix), and nothing was acknowledged on
//     the strength of a sync that had not returned. Writes made while a sync waits stay in
//     the new overlay, as on SimDisk.
//   - A failed sync of the file underneath leaves its bytes written but not known durable.
// WHAT IT DOES NOT MODEL:
//   - Directory entries. create, rename, remove and make_directory go straight to the disk
//     underneath and survive a kill whether or not sync_directory() followed, so this mode
//     cannot catch a missing directory sync (a new segment whose entry a power loss would
//     take). That is acceptable because SimDisk models directory durability exactly and the
//     simulation scenarios check it; what only real processes can show is the data path:
//     real clients, real sockets, real fsync, acknowledged records versus synced bytes.
//   - Torn writes, bit rot and I/O errors: SimDisk's faults; here the disk underneath decides.
//   - Another process writing the same files: the overlays are this process's.
// Memory: unsynced bytes stay in memory until their file syncs, at most
// kUnsyncedBytesPerFileMax per file (then writes fail with no_space). Overlays of files that
// are closed with nothing pending stay as small empty entries until the file is removed.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/io/disk.h"
#include "disk/unsynced_overlay.h"

namespace brook {

class LoseUnsyncedDisk final : public Disk {
public:
    // `inner` holds the files (a PosixDisk in `brook serve`) and must outlive this disk and
    // its files.
    explicit LoseUnsyncedDisk(Disk& inner) : inner_(inner) {}

    // A handle shares its file's overlay with every other handle on the same path, and keeps
    // it after a rename or remove (as an open descriptor keeps its inode).
    Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override;
    // Immediate on the disk underneath (see above); overlays move with their files.
    Result<void> rename(std::string_view from, std::string_view to) override;
    Result<void> remove(std::string_view path) override;
    Result<void> make_directory(std::string_view path) override;
    Result<std::vector<std::string>> list_directory(std::string_view path) override;
    Result<void> sync_directory(std::string_view path) override;
    Result<bool> exists(std::string_view path) override;

private:
    Disk& inner_;
    // By path: the overlay of each file opened through this disk. Shared with open handles.
    std::map<std::string, std::shared_ptr<UnsyncedOverlay>, std::less<>> overlays_;
};

}  // namespace brook
