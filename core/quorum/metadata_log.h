// The quorum's metadata log `__cluster_metadata-0` on the Disk seam: segment files of
// checksummed entries (metadata_entry_codec.h) plus snapshot files (snapshot_file.h), with crash
// recovery. It stores what RaftNode's Ready batches say and nothing more: Raft decides what is
// in the log, this file only makes it durable and finds it again.
//
//   TRY_ASSIGN(auto opened, MetadataLog::open(disk, logger, "__cluster_metadata-0", options));
//   RaftNode node(options, {quorum, opened.snapshot, opened.entries}, now_ms);
//   TRY(log.append(ready.append));   // not durable yet
//   TRY(log.sync());                 // now it is; May suspend.
//
// Durability (docs/design/quorum.md): appends are durable after sync(); truncate(),
// install_snapshot() and write_snapshot() are durable when they return. A crash leaves a prefix
// of the appends made since the last sync, maybe with a torn last entry; open() cuts the log at
// the first entry that is incomplete, fails its CRC, breaks the dense offsets or lowers the
// epoch. A snapshot is written before the log below it goes, and the log after a snapshot is
// kept at recovery only if it agrees with the snapshot on the epoch at its end.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/io/disk.h"
#include "core/raft/raft_types.h"

namespace brook::quorum {

struct MetadataLogOptions {
    // A segment that reached this size is closed and the next append starts a new one, so that
    // trimming below a snapshot can delete whole files (Kafka's metadata.log.segment.bytes).
    uint64_t segment_bytes = 1u << 20;
};

class MetadataLog;

// A segment's file name: its base offset, zero-padded ("00000000000000000120.log").
std::string segment_file_name(Offset base);

// What open() found: the latest valid snapshot and the dense entries after it.
struct OpenedMetadataLog {
    std::unique_ptr<MetadataLog> log;
    std::optional<raft::Snapshot> snapshot;
    std::vector<raft::Entry> entries;  // dense from the snapshot's end (or 0)
};

class MetadataLog {
public:
    // Opens `directory` (creating it), loads the latest snapshot that validates, reads the
    // segments and cuts a torn or damaged tail. May suspend.
    static Result<OpenedMetadataLog> open(Disk& disk, Logger logger, std::string directory,
                                          MetadataLogOptions options);
    ~MetadataLog();
    MetadataLog(const MetadataLog&) = delete;
    MetadataLog& operator=(const MetadataLog&) = delete;

    // Appends dense entries at end_offset(). Durable after sync().
    Result<void> append(std::span<const raft::Entry> entries);
    // Makes every append so far durable: the segments written, then the directory when a
    // segment was created. May suspend.
    Result<void> sync();
    // Drops every entry at or above `offset` (log start <= offset <= end). Durable on return:
    // a truncation is rare, and making it durable at once means a crash never mixes entries
    // written after it with a segment it removed. May suspend.
    Result<void> truncate(Offset offset);
    // Writes a snapshot of the owner's applied state durably; the log is unchanged. May suspend.
    Result<void> write_snapshot(const raft::Snapshot& snapshot);
    // A follower's install: writes the snapshot durably, then replaces the whole log with an
    // empty one starting at its end. Durable on return. May suspend.
    Result<void> install_snapshot(const raft::Snapshot& snapshot);
    // Deletes the segments whose entries all lie below `snapshot` (durable already) and the
    // snapshots older than it. May suspend.
    Result<void> trim(raft::SnapshotId snapshot);

    Offset end_offset() const { return end_; }
    // Whether everything written so far is durable (no append or new file awaits a sync).
    bool synced() const;
    std::size_t segment_count() const { return segments_.size(); }

private:
    struct Segment {
        std::unique_ptr<File> file;
        uint64_t size = 0;
        std::vector<uint64_t> positions;  // byte position of each entry, from the base on
        bool dirty = false;               // written since the last sync
    };

    MetadataLog(Disk& disk, Logger logger, std::string directory, MetadataLogOptions options);

    std::string path_of(std::string_view name) const;
    Result<void> create_segment(Offset base);
    Result<void> remove_segment(Offset base);
    Result<void> write_snapshot_file(const raft::Snapshot& snapshot);

    // Recovery (metadata_log_recovery.cc).
    Result<std::optional<raft::Snapshot>> load_latest_snapshot(
        const std::vector<std::string>& names);
    Result<std::vector<raft::Entry>> load_segments(const std::vector<std::string>& names);
    Result<std::vector<raft::Entry>> join_snapshot(const std::optional<raft::Snapshot>& snapshot,
                                                   std::vector<raft::Entry> entries);

    Disk& disk_;
    Logger logger_;
    std::string directory_;
    MetadataLogOptions options_;
    std::map<Offset, Segment> segments_;  // by base offset; the last one takes appends
    Offset end_ = Offset(0);
    bool directory_dirty_ = false;
    std::vector<raft::SnapshotId> snapshots_;  // the snapshot files present, oldest first
};

}  // namespace brook::quorum
