// The production disk: POSIX files under one data directory.
//
//   PosixDisk disk("/var/lib/brook");
//   TRY(disk.make_directory("topic-0"));
//   TRY_ASSIGN(auto file, disk.open("topic-0/00000000000000000000.log", OpenMode::create));
//   TRY(file->write_at(0, bytes));
//   TRY(file->sync());                               // fdatasync
//
// Paths are relative to the root, '/'-separated, with no empty, "." or ".." parts; anything else
// (an absolute path, "a/../b") fails with invalid_argument, so no path escapes the data
// directory. Errors carry the operation, the full path and the errno name:
// "open /var/lib/brook/x.log: ENOENT (No such file or directory)". errno classes: ENOENT ->
// not_found, EEXIST -> already_exists, ENOSPC/EDQUOT -> no_space, EINVAL/EISDIR/ENOTDIR/
// ENOTEMPTY -> invalid_argument, everything else (EIO first) -> io_error.
//
// Blocking: reads, writes and metadata calls block the thread (the page cache makes them
// short). Syncs take 0.15-0.5 ms each on this machine (research/perf.md section 1): with a
// SyncWorker (use_sync_worker, disk/sync_worker.h) File::sync() and sync_directory() run on a
// helper thread and park only the calling fiber; without one they block the thread too.
#pragma once

#include <string>

#include "core/io/disk.h"

namespace brook {

class SyncWorker;

class PosixDisk final : public Disk {
public:
    // `root` is an absolute or working-directory-relative path. It need not exist yet:
    // make_directory("") creates it and its parents.
    explicit PosixDisk(std::string root);

    // O_CLOEXEC, created files 0644. A directory cannot be opened as a file (invalid_argument).
    Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override;
    Result<void> rename(std::string_view from, std::string_view to) override;
    Result<void> remove(std::string_view path) override;
    Result<void> make_directory(std::string_view path) override;
    Result<std::vector<std::string>> list_directory(std::string_view path) override;
    Result<void> sync_directory(std::string_view path) override;
    Result<bool> exists(std::string_view path) override;

    const std::string& root() const { return root_; }

    // Hands every later sync to `worker` (files opened before keep blocking). The worker must
    // outlive the disk's files.
    void use_sync_worker(SyncWorker* worker) { sync_worker_ = worker; }

private:
    // The absolute path of a valid relative path, or invalid_argument. `allow_root` lets ""
    // name the root itself (directory operations).
    Result<std::string> full_path(std::string_view operation, std::string_view path,
                                  bool allow_root) const;

    std::string root_;
    SyncWorker* sync_worker_ = nullptr;
};

}  // namespace brook
