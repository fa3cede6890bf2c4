#include "core/raft/raft_log.h"

#include "core/base/check.h"

namespace brook::raft {

RaftLog::RaftLog(SnapshotId base, std::vector<Entry> entries) : base_(base) {
    for (Entry& entry : entries) append(entry);
}

LeaderEpoch RaftLog::last_epoch() const {
    return entries_.empty() ? base_.epoch : entries_.back().epoch;
}

const Entry& RaftLog::at(Offset offset) const {
    ASSERT(offset >= start_offset() && offset < end_offset(), "offset {} outside [{}, {})", offset,
           start_offset(), end_offset());
    return entries_[static_cast<size_t>(offset - start_offset())];
}

std::vector<Entry> RaftLog::slice(Offset from, size_t max_entries, size_t max_bytes) const {
    ASSERT(from >= start_offset() && from <= end_offset(), "slice from {} outside [{}, {}]", from,
           start_offset(), end_offset());
    size_t begin = static_cast<size_t>(from - start_offset());
    size_t end = begin + std::min(max_entries, entries_.size() - begin);
    size_t bytes = 0;
    for (size_t i = begin; i < end; ++i) {
        bytes += entries_[i].data.size();
        if (bytes > max_bytes && i > begin) {
            end = i;
            break;
        }
    }
    return std::vector<Entry>(entries_.begin() + static_cast<std::ptrdiff_t>(begin),
                              entries_.begin() + static_cast<std::ptrdiff_t>(end));
}

Offset RaftLog::append(LeaderEpoch epoch, EntryKind kind, std::string data) {
    Offset offset = end_offset();
    append(Entry{offset, epoch, kind, std::move(data)});
    return offset;
}

void RaftLog::append(const Entry& entry) {
    ASSERT(entry.offset == end_offset(), "append at {} but the log ends at {}", entry.offset,
           end_offset());
    ASSERT(entry.epoch >= last_epoch(), "append of epoch {} after epoch {}", entry.epoch,
           last_epoch());
    if (entries_.empty() || entry.epoch != entries_.back().epoch) {
        epoch_starts_[entry.epoch] = entry.offset;
    }
    entries_.push_back(entry);
}

void RaftLog::truncate_to(Offset offset) {
    ASSERT(offset >= start_offset() && offset <= end_offset(), "truncate to {} outside [{}, {}]",
           offset, start_offset(), end_offset());
    entries_.resize(static_cast<size_t>(offset - start_offset()));
    while (!epoch_starts_.empty() && std::prev(epoch_starts_.end())->second >= offset) {
        epoch_starts_.erase(std::prev(epoch_starts_.end()));
    }
    check_epoch_cache();
}

void RaftLog::trim_to_snapshot(SnapshotId snapshot) {
    ASSERT(snapshot.end_offset > start_offset() && snapshot.end_offset <= end_offset(),
           "snapshot end {} outside ({}, {}]", snapshot.end_offset, start_offset(), end_offset());
    ASSERT(at(snapshot.end_offset - 1).epoch == snapshot.epoch,
           "snapshot epoch {} but the entry at {} has epoch {}", snapshot.epoch,
           snapshot.end_offset - 1, at(snapshot.end_offset - 1).epoch);
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(
                                                            snapshot.end_offset - start_offset()));
    base_ = snapshot;
    // Epochs that ended below the new start are forgotten; the one spanning it starts there.
    std::map<LeaderEpoch, Offset> kept;
    for (const Entry& entry : entries_) {
        if (kept.empty() || std::prev(kept.end())->first != entry.epoch) {
            kept[entry.epoch] = entry.offset;
        }
    }
    epoch_starts_ = std::move(kept);
    check_epoch_cache();
}

void RaftLog::reset_to_snapshot(SnapshotId snapshot) {
    entries_.clear();
    epoch_starts_.clear();
    base_ = snapshot;
}

std::optional<EpochEnd> RaftLog::end_offset_for_epoch(LeaderEpoch epoch) const {
    // The first epoch above the requested one starts where the answer ends.
    auto above = epoch_starts_.upper_bound(epoch);
    if (above == epoch_starts_.begin()) {
        // No entry held has an epoch <= the requested one; the snapshot's epoch may still do.
        if (base_.epoch <= epoch && base_.end_offset > Offset(0)) {
            Offset end = above == epoch_starts_.end() ? end_offset() : above->second;
            return EpochEnd{base_.epoch, end};
        }
        return std::nullopt;
    }
    auto at_or_below = std::prev(above);
    Offset end = above == epoch_starts_.end() ? end_offset() : above->second;
    return EpochEnd{at_or_below->first, end};
}

void RaftLog::check_epoch_cache() const {
    EXPENSIVE_ASSERT(epoch_starts_.empty() ||
                     epoch_starts_.begin()->second ==
                         (entries_.empty() ? end_offset() : entries_.front().offset));
}

}  // namespace brook::raft
