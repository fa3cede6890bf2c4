#include "core/log/leader_epoch_cache.h"

#include <algorithm>

#include "core/base/check.h"

namespace brook::log {

LeaderEpochCache::LeaderEpochCache(std::vector<EpochEntry> entries) : entries_(std::move(entries)) {
    check_invariants();
}

bool LeaderEpochCache::well_ordered(const std::vector<EpochEntry>& entries) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].epoch < LeaderEpoch(0) || entries[i].start_offset < Offset(0)) return false;
        if (i > 0 && (entries[i].epoch <= entries[i - 1].epoch ||
                      entries[i].start_offset <= entries[i - 1].start_offset)) {
            return false;
        }
    }
    return true;
}

void LeaderEpochCache::check_invariants() const {
    ASSERT(well_ordered(entries_), "leader epoch cache out of order ({} entries)",
           entries_.size());
}

void LeaderEpochCache::assign(LeaderEpoch epoch, Offset start_offset) {
    ASSERT(epoch >= LeaderEpoch(0) && start_offset >= Offset(0), "epoch {} at {}", epoch,
           start_offset);
    if (!entries_.empty()) {
        const EpochEntry& last = entries_.back();
        ASSERT(epoch >= last.epoch, "epoch {} at {} goes back from epoch {}", epoch, start_offset,
               last.epoch);
        if (epoch == last.epoch) return;
        ASSERT(start_offset > last.start_offset, "epoch {} starts at {}, epoch {} at {}", epoch,
               start_offset, last.epoch, last.start_offset);
    }
    entries_.push_back(EpochEntry{epoch, start_offset});
}

void LeaderEpochCache::truncate_from_end(Offset end_offset) {
    while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
}

void LeaderEpochCache::truncate_from_start(Offset start_offset) {
    // The entries starting at or below the new start, of which the last stays in force there.
    auto first_above = std::find_if(entries_.begin(), entries_.end(), [&](const EpochEntry& e) {
        return e.start_offset > start_offset;
    });
    if (first_above == entries_.begin()) return;
    LeaderEpoch in_force = std::prev(first_above)->epoch;
    entries_.erase(entries_.begin(), first_above);
    entries_.insert(entries_.begin(), EpochEntry{in_force, start_offset});
    check_invariants();
}

EpochEndOffset LeaderEpochCache::end_offset_for(LeaderEpoch requested, Offset log_end) const {
    if (requested == kUndefinedEpoch || entries_.empty()) return {};
    if (requested == entries_.back().epoch) return {requested, log_end};
    auto higher = std::upper_bound(
        entries_.begin(), entries_.end(), requested,
        [](LeaderEpoch epoch, const EpochEntry& entry) { return epoch < entry.epoch; });
    if (higher == entries_.end()) return {};  // above every epoch the log has
    if (higher == entries_.begin()) return {requested, higher->start_offset};
    return {std::prev(higher)->epoch, higher->start_offset};
}

std::optional<LeaderEpoch> LeaderEpochCache::epoch_for_offset(Offset offset) const {
    auto after = std::upper_bound(
        entries_.begin(), entries_.end(), offset,
        [](Offset o, const EpochEntry& entry) { return o < entry.start_offset; });
    if (after == entries_.begin()) return std::nullopt;
    return std::prev(after)->epoch;
}

std::optional<EpochEntry> LeaderEpochCache::latest() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back();
}

}  // namespace brook::log
