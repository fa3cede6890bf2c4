#include "core/quorum/metadata_log.h"

#include <fmt/format.h>

#include "core/base/check.h"
#include "core/quorum/metadata_entry_codec.h"
#include "core/quorum/snapshot_file.h"

namespace brook::quorum {

MetadataLog::MetadataLog(Disk& disk, Logger logger, std::string directory,
                         MetadataLogOptions options)
    : disk_(disk),
      logger_(std::move(logger)),
      directory_(std::move(directory)),
      options_(options) {}

MetadataLog::~MetadataLog() = default;

std::string MetadataLog::path_of(std::string_view name) const {
    return fmt::format("{}/{}", directory_, name);
}

std::string segment_file_name(Offset base) { return fmt::format("{:020}.log", base.value()); }

Result<void> MetadataLog::create_segment(Offset base) {
    ASSERT(segments_.empty() || base > segments_.rbegin()->first, "segment {} after {}", base,
           segments_.rbegin()->first);
    // A file of that name may survive from before a crash (a removal whose directory entry was
    // not durable): it is emptied rather than trusted.
    TRY_ASSIGN(std::unique_ptr<File> file,
               disk_.open(path_of(segment_file_name(base)), OpenMode::create));
    TRY(file->truncate(0));
    segments_[base] = Segment{.file = std::move(file), .size = 0, .positions = {}, .dirty = true};
    directory_dirty_ = true;
    return {};
}

Result<void> MetadataLog::remove_segment(Offset base) {
    ASSERT(segments_.count(base) == 1);
    segments_.erase(base);
    TRY(disk_.remove(path_of(segment_file_name(base))));
    directory_dirty_ = true;
    return {};
}

Result<void> MetadataLog::append(std::span<const raft::Entry> entries) {
    ASSERT(!segments_.empty());
    for (const raft::Entry& entry : entries) {
        ASSERT(entry.offset == end_, "append of offset {} at the log end {}", entry.offset, end_);
        Segment* active = &segments_.rbegin()->second;
        if (active->size >= options_.segment_bytes && !active->positions.empty()) {
            TRY(create_segment(end_));
            active = &segments_.rbegin()->second;
        }
        std::vector<uint8_t> frame = encode_metadata_entry(entry);
        TRY(active->file->write_at(active->size, frame));
        active->positions.push_back(active->size);
        active->size += frame.size();
        active->dirty = true;
        end_ = end_ + 1;
    }
    return {};
}

Result<void> MetadataLog::sync() {
    for (auto& [base, segment] : segments_) {
        if (!segment.dirty) continue;
        TRY(segment.file->sync());  // May suspend.
        segment.dirty = false;
    }
    if (directory_dirty_) {
        TRY(disk_.sync_directory(directory_));  // May suspend.
        directory_dirty_ = false;
    }
    return {};
}

bool MetadataLog::synced() const {
    if (directory_dirty_) return false;
    for (const auto& [base, segment] : segments_) {
        if (segment.dirty) return false;
    }
    return true;
}

Result<void> MetadataLog::truncate(Offset offset) {
    ASSERT(!segments_.empty());
    Offset start = segments_.begin()->first;
    ASSERT(offset >= start && offset <= end_, "truncate to {} of a log [{}, {})", offset, start,
           end_);
    if (offset == end_) return {};
    if (offset == start) {
        // Every segment goes; an empty one takes the next append.
        while (!segments_.empty()) TRY(remove_segment(segments_.rbegin()->first));
        TRY(create_segment(offset));
    } else {
        while (segments_.rbegin()->first >= offset) TRY(remove_segment(segments_.rbegin()->first));
        auto& [base, segment] = *segments_.rbegin();
        std::size_t keep = static_cast<std::size_t>(offset - base);
        ASSERT(keep <= segment.positions.size());
        if (keep < segment.positions.size()) {
            segment.size = segment.positions[keep];
            segment.positions.resize(keep);
            TRY(segment.file->truncate(segment.size));
            segment.dirty = true;
        }
    }
    end_ = offset;
    return sync();  // May suspend.
}

Result<void> MetadataLog::write_snapshot_file(const raft::Snapshot& snapshot) {
    std::vector<uint8_t> bytes = encode_snapshot_file(snapshot);
    TRY(replace_file_durably(disk_, path_of(snapshot_file_name(snapshot.id)),
                             bytes));  // May suspend.
    if (snapshots_.empty() || !(snapshots_.back() == snapshot.id)) {
        ASSERT(snapshots_.empty() || snapshots_.back().end_offset <= snapshot.id.end_offset,
               "snapshot {} after {}", snapshot.id.end_offset, snapshots_.back().end_offset);
        snapshots_.push_back(snapshot.id);
    }
    return {};
}

Result<void> MetadataLog::write_snapshot(const raft::Snapshot& snapshot) {
    ASSERT(snapshot.id.end_offset <= end_, "snapshot at {} beyond the log end {}",
           snapshot.id.end_offset, end_);
    return write_snapshot_file(snapshot);  // May suspend.
}

Result<void> MetadataLog::install_snapshot(const raft::Snapshot& snapshot) {
    // The snapshot first: until it is durable, the old log is the node's only copy of entries
    // the leader may have counted.
    TRY(write_snapshot_file(snapshot));  // May suspend.
    while (!segments_.empty()) TRY(remove_segment(segments_.rbegin()->first));
    TRY(create_segment(snapshot.id.end_offset));
    end_ = snapshot.id.end_offset;
    return sync();  // May suspend.
}

Result<void> MetadataLog::trim(raft::SnapshotId snapshot) {
    // A segment may go when the next one starts at or below the snapshot's end: all its
    // entries are in the snapshot. The last segment always stays.
    while (segments_.size() > 1 && std::next(segments_.begin())->first <= snapshot.end_offset) {
        TRY(remove_segment(segments_.begin()->first));
    }
    while (!snapshots_.empty() && snapshots_.front().end_offset < snapshot.end_offset) {
        TRY(disk_.remove(path_of(snapshot_file_name(snapshots_.front()))));
        snapshots_.erase(snapshots_.begin());
        directory_dirty_ = true;
    }
    return sync();  // May suspend.
}

}  // namespace brook::quorum
