// The in-memory view of the metadata log that RaftNode reasons about: the entries above the log
// start (everything below is in the snapshot), and the epoch cache (epoch -> first offset) that
// answers Fetch's diverging-epoch question (KIP-101 / KIP-595's endOffsetForEpoch). Durability
// is not its business: RaftNode tracks which prefix its caller has made durable.
//
//   RaftLog log(SnapshotId{Offset(10), LeaderEpoch(2)}, {});
//   log.append(LeaderEpoch(3), EntryKind::leader_change, "");
//   EpochEnd end = log.end_offset_for_epoch(LeaderEpoch(2));   // {2, 10}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/raft_types.h"

namespace brook::raft {

// The largest epoch <= a requested one, and the offset where it ends (exclusive). Absent when
// every epoch the log still knows is above the requested one.
struct EpochEnd {
    LeaderEpoch epoch;
    Offset end_offset;
};

class RaftLog {
public:
    // A log whose first entry follows `base` (the snapshot it starts from, or {0, 0}), holding
    // `entries`, which must be dense from base.end_offset with epochs that never decrease.
    RaftLog(SnapshotId base, std::vector<Entry> entries);

    Offset start_offset() const { return base_.end_offset; }
    Offset end_offset() const { return start_offset() + static_cast<int64_t>(entries_.size()); }
    // The epoch of the entry at end_offset() - 1; the base's epoch when no entry is held.
    LeaderEpoch last_epoch() const;
    SnapshotId base() const { return base_; }

    // Precondition: start_offset() <= offset < end_offset().
    const Entry& at(Offset offset) const;
    // Up to max_entries entries from `from` (start_offset() <= from <= end_offset()), whose data
    // bytes stay within max_bytes, except that the first entry comes whatever its size (a fetch
    // always makes progress).
    std::vector<Entry> slice(Offset from, size_t max_entries, size_t max_bytes = SIZE_MAX) const;

    // Appends at the end; the epoch is at least last_epoch(). Returns the new entry's offset.
    Offset append(LeaderEpoch epoch, EntryKind kind, std::string data);
    void append(const Entry& entry);
    // Drops every entry at or above `offset` (start_offset() <= offset <= end_offset()).
    void truncate_to(Offset offset);
    // Drops the entries below snapshot.end_offset, which a durable snapshot now covers. The
    // snapshot ends inside or at the end of the log and agrees with it on the epoch.
    void trim_to_snapshot(SnapshotId snapshot);
    // Replaces everything with an empty log following `snapshot` (a follower's install).
    void reset_to_snapshot(SnapshotId snapshot);

    std::optional<EpochEnd> end_offset_for_epoch(LeaderEpoch epoch) const;

private:
    void check_epoch_cache() const;

    SnapshotId base_;
    std::vector<Entry> entries_;  // entries_[i] has offset start_offset() + i
    // First offset of each epoch that has entries in the log (KIP-101's leader-epoch cache).
    std::map<LeaderEpoch, Offset> epoch_starts_;
};

}  // namespace brook::raft
