// The leader-epoch cache of a partition log: for each leader epoch that wrote data, the offset
// of its first batch, in order. Kafka's LeaderEpochFileCache (KIP-101, KIP-279): a follower
// asks the leader where its last epoch ended and truncates what diverges; a consumer asks the
// same to detect that the log it read was truncated (KIP-320).
//
//   LeaderEpochCache cache;
//   cache.assign(LeaderEpoch(0), Offset(0));        // epoch 0 wrote from offset 0
//   cache.assign(LeaderEpoch(3), Offset(40));       // epoch 3 from 40 (epochs 1, 2 wrote nothing)
//   cache.end_offset_for(LeaderEpoch(2), Offset(90));   // {epoch 0, end offset 40}
//   cache.truncate_from_end(Offset(40));            // the log was cut at 40: epoch 3 is gone
//
// Pure bookkeeping in memory: PartitionLog feeds it from every batch it writes or recovers and
// persists it (leader_epoch_checkpoint.h). Invariant (asserted after every change): epochs and
// start offsets are both strictly increasing, and no epoch is negative.
#pragma once

#include <optional>
#include <vector>

#include "core/base/strong_type.h"

namespace brook::log {

// Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.
inline constexpr LeaderEpoch kUndefinedEpoch{-1};
inline constexpr Offset kUndefinedEpochOffset{-1};

struct EpochEntry {
    LeaderEpoch epoch;
    Offset start_offset;  // the base offset of the epoch's first batch
    bool operator==(const EpochEntry&) const = default;
};

// The answer to OffsetForLeaderEpoch: the largest epoch <= the one asked for, and where it ended.
struct EpochEndOffset {
    LeaderEpoch epoch = kUndefinedEpoch;
    Offset end_offset = kUndefinedEpochOffset;
    bool operator==(const EpochEndOffset&) const = default;
};

class LeaderEpochCache {
public:
    LeaderEpochCache() = default;
    // Entries as persisted; the caller has validated their order (ASSERTed here).
    explicit LeaderEpochCache(std::vector<EpochEntry> entries);

    // A batch of `epoch` was written at `start_offset`: records where the epoch starts if it is
    // newer than the latest entry; a batch of the latest epoch changes nothing. Preconditions:
    // the epoch is not below the latest, and a new epoch starts after the latest entry's start.
    void assign(LeaderEpoch epoch, Offset start_offset);

    // The log now ends at `end_offset`: drops every entry starting at or after it.
    void truncate_from_end(Offset end_offset);
    // The log now starts at `start_offset`: drops entries wholly below it and moves the start of
    // the epoch in force there up to it (an entry starting exactly there is kept).
    void truncate_from_start(Offset start_offset);
    void clear() { entries_.clear(); }

    // Kafka's LeaderEpochFileCache.endOffsetFor (3.x), case by case:
    // - `requested` is UNDEFINED_EPOCH (-1), or the cache is empty, or `requested` is above
    //   the latest epoch: {UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET}.
    // - `requested` is the latest epoch: {requested, log_end} (it is still being written).
    // - `requested` is below the first entry: {requested, first entry's start}. Kafka answers
    //   so because the data before that start is gone from the log; the asker replicates from
    //   the leader's start. (Before KIP-279 Kafka answered UNDEFINED_EPOCH_OFFSET here.)
    // - otherwise: {the largest epoch <= requested, the start of the first epoch above it}.
    EpochEndOffset end_offset_for(LeaderEpoch requested, Offset log_end) const;

    // The epoch that wrote `offset`: the last entry starting at or before it (nullopt below the
    // first entry). Like Kafka's epochForOffset, it does not know where the log ends.
    std::optional<LeaderEpoch> epoch_for_offset(Offset offset) const;

    std::optional<EpochEntry> latest() const;
    bool empty() const { return entries_.empty(); }
    const std::vector<EpochEntry>& entries() const { return entries_; }

    // Whether `entries` could be a cache's content: epochs >= 0 and epochs and starts strictly
    // increasing. For validating entries read from a disk before constructing a cache.
    static bool well_ordered(const std::vector<EpochEntry>& entries);

private:
    void check_invariants() const;

    std::vector<EpochEntry> entries_;
};

}  // namespace brook::log
