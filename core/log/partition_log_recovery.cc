// PartitionLog: opening a partition directory and recovering it after a crash.
//
// 1. List the `.log` files; read the checkpoint (a missing or corrupt one means "scan all").
// 2. Delete segments wholly below the checkpoint's log start (a retention run that crashed
//    between its checkpoint and its file removals).
// 3. Segments before the recovery point are SEALED: their data and index files were fsynced
//    before the checkpoint named a later recovery point. Load their indexes (rebuild them if
//    missing or invalid) without reading their batches.
// 4. Segments from the recovery point on are SCANNED: every batch is validated (framing,
//    CRC32C, offset continuity, epoch). The first invalid batch ends the log: the segment is
//    truncated there and every later segment deleted, since offsets must stay dense.
//    Each batch scanned also feeds the leader-epoch cache; a batch whose epoch goes back ends
//    the log like an invalid one (the epoch field lies outside the CRC).
// 5. The leader-epoch cache below the recovery point comes from `leader-epoch-checkpoint`
//    when every entry agrees with the batch it names (see recover_sealed_epochs), else from
//    the sealed segments' batch headers; it is then cut to [log start, log end).
// 6. What was kept is fsynced (it may have been only in the page cache) and becomes the
//    durable end; rolled-but-unsealed segments are sealed and the checkpoint rewritten.
#include <algorithm>

#include <fmt/format.h>

#include "core/log/checkpoint.h"
#include "core/log/leader_epoch_checkpoint.h"
#include "core/log/partition_log.h"

namespace brook::log {

Result<std::unique_ptr<PartitionLog>> PartitionLog::open(Disk& disk, Clock& clock,
                                                         Scheduler& scheduler,
                                                         std::string directory, LogConfig config,
                                                         LeaderEpoch leader_epoch) {
    TRY(config.validate());
    TRY(disk.make_directory(directory));
    // A created directory's entry is durable only once its parent is synced; sync every
    // ancestor, or a crash could take the whole partition with it.
    for (std::string_view path = directory; !path.empty();) {
        path = parent_directory(path);
        TRY(disk.sync_directory(path));
    }
    std::unique_ptr<PartitionLog> log(
        new PartitionLog(disk, clock, scheduler, std::move(directory), config, leader_epoch));
    TRY(log->recover());
    return log;
}

Result<void> PartitionLog::delete_segment_files(Offset base) {
    auto it = segments_.find(base);
    if (it != segments_.end()) {
        TRY(it->second->remove_files());
        segments_.erase(it);
    } else {
        TRY_ASSIGN(auto segment, Segment::open(disk_, directory_, base, config_.index_interval_bytes));
        TRY(segment->remove_files());
    }
    ++report_.segments_deleted;
    directory_dirty_ = true;
    return {};
}

Result<void> PartitionLog::recover() {
    TRY_ASSIGN(std::vector<std::string> names, disk_.list_directory(directory_));
    std::vector<Offset> bases;
    for (const std::string& name : names) {
        if (std::optional<Offset> base = Segment::parse_log_file_name(name)) bases.push_back(*base);
    }
    std::sort(bases.begin(), bases.end());
    Result<Checkpoint> checkpoint = read_checkpoint(disk_, directory_);
    report_.checkpoint_used = checkpoint.ok();
    Offset start = checkpoint ? checkpoint->log_start : (bases.empty() ? Offset(0) : bases[0]);
    Offset recovery_point = checkpoint ? checkpoint->recovery_point : Offset(0);

    // Step 2: a segment is wholly below the start when its successor begins at or below it.
    while (bases.size() >= 2 && bases[1] <= start) {
        TRY(delete_segment_files(bases.front()));
        bases.erase(bases.begin());
    }
    if (bases.empty()) {
        TRY_ASSIGN(auto segment,
                   Segment::create(disk_, directory_, start, config_.index_interval_bytes));
        segments_.emplace(start, std::move(segment));
        bases.push_back(start);
        directory_dirty_ = true;
    }
    // Step 3: sealed segments are those whose successor begins at or below the recovery point.
    std::size_t sealed = 0;
    while (sealed + 1 < bases.size() && bases[sealed + 1] <= recovery_point) ++sealed;
    for (std::size_t i = 0; i < sealed; ++i) {
        if (!segments_.contains(bases[i])) {
            TRY_ASSIGN(auto segment, Segment::open(disk_, directory_, bases[i],
                                                   config_.index_interval_bytes));
            segments_.emplace(bases[i], std::move(segment));
        }
        TRY_ASSIGN(bool loaded, segments_.at(bases[i])->load_indexes(bases[i + 1], leader_epoch_));
        if (!loaded) ++report_.indexes_rebuilt;
        ++report_.segments_loaded;
    }
    TRY(recover_sealed_epochs(bases.front(), bases[sealed]));
    TRY(recover_unsealed(bases, sealed));

    active_ = std::prev(segments_.end())->second.get();
    active_opened_at_ = clock_.now();
    oldest_unflushed_at_ = clock_.now();
    log_start_ = segments_.begin()->first;
    log_end_ = active_->next_offset();
    durable_end_ = log_end_;
    recovery_point_ = bases[sealed];
    std::vector<EpochEntry> before_cut = epochs_.entries();
    epochs_.truncate_from_start(log_start_);
    epochs_.truncate_from_end(log_end_);
    if (epochs_.entries() != before_cut) epochs_dirty_ = true;
    check_epoch_invariants();
    checkpoint_dirty_ = true;
    if (directory_dirty_) TRY(disk_.sync_directory(directory_));
    directory_dirty_ = false;
    Mutex::Lock lock = flush_mutex_.acquire();
    return seal_locked();
}

// Step 4: scans the segments from `first` on, truncating at the first invalid batch.
Result<void> PartitionLog::recover_unsealed(std::vector<Offset>& bases, std::size_t first) {
    std::optional<Offset> expected;
    if (first > 0) expected = bases[first];
    for (std::size_t i = first; i < bases.size(); ++i) {
        bool continues = !expected || bases[i] == *expected;
        if (!continues) {
            // A gap or overlap: what follows cannot be trusted as the continuation of the log.
            for (std::size_t j = i; j < bases.size(); ++j) TRY(delete_segment_files(bases[j]));
            bases.resize(i);
            return {};
        }
        if (!segments_.contains(bases[i])) {
            TRY_ASSIGN(auto segment, Segment::open(disk_, directory_, bases[i],
                                                   config_.index_interval_bytes));
            segments_.emplace(bases[i], std::move(segment));
        }
        Segment& segment = *segments_.at(bases[i]);
        uint64_t size_before = segment.size();
        std::size_t epochs_before = epochs_.entries().size();
        TRY_ASSIGN(ScanEnd end, segment.recover(leader_epoch_, &epochs_));
        if (epochs_.entries().size() != epochs_before) epochs_dirty_ = true;
        ++report_.segments_scanned;
        report_.truncated_bytes += size_before - end.valid_bytes;
        expected = end.next_offset;
        if (!end.complete()) {
            report_.stop_problem = end.problem;
            // A batch that is all there yet invalid was damaged after it was written; a
            // truncated one is the usual torn tail of a crash.
            if (end.problem != BatchProblem::truncated) report_.corruption_at = end.next_offset;
            for (std::size_t j = i + 1; j < bases.size(); ++j) TRY(delete_segment_files(bases[j]));
            bases.resize(i + 1);
            return {};
        }
    }
    return {};
}

Result<void> PartitionLog::recover_sealed_epochs(Offset log_start, Offset sealed_end) {
    if (sealed_end == log_start) return {};  // nothing sealed: the scan supplies every entry
    Result<std::optional<std::vector<EpochEntry>>> file =
        read_leader_epoch_checkpoint(disk_, directory_);  // May suspend.
    if (file && *file) {
        // Entries at or above the recovery point may describe batches a crash took: the
        // scan of the unsealed segments supplies those.
        std::vector<EpochEntry> below;
        for (const EpochEntry& entry : **file) {
            if (entry.start_offset < sealed_end) below.push_back(entry);
        }
        LeaderEpochCache cached(std::move(below));
        cached.truncate_from_start(log_start);
        TRY_ASSIGN(bool agrees, sealed_epochs_agree(cached, log_start, sealed_end));
        if (agrees) {
            epochs_ = std::move(cached);
            return {};
        }
    }
    report_.leader_epochs_rebuilt = true;
    epochs_dirty_ = true;
    epochs_.clear();
    for (auto& [base, segment] : segments_) {
        if (base >= sealed_end) break;
        TRY(segment->collect_epochs(epochs_, leader_epoch_));
    }
    return {};
}

Result<bool> PartitionLog::sealed_epochs_agree(const LeaderEpochCache& cached, Offset log_start,
                                               Offset sealed_end) {
    const std::vector<EpochEntry>& entries = cached.entries();
    if (entries.empty() || entries.front().start_offset != log_start) return false;
    // Each entry names a batch that starts there in that epoch, after a batch of the previous
    // entry's epoch; the last sealed batch is in the last entry's epoch. A damaged number is
    // caught so; a whole line lost with its count adjusted is not (the file has no checksum,
    // in Kafka's format).
    for (std::size_t i = 0; i < entries.size(); ++i) {
        Result<EpochEntry> at = stored_batch_epoch(entries[i].start_offset);
        if (!at || *at != entries[i]) return false;
        if (i == 0) continue;
        Result<EpochEntry> before = stored_batch_epoch(entries[i].start_offset - 1);
        if (!before || before->epoch != entries[i - 1].epoch) return false;
    }
    Result<EpochEntry> last = stored_batch_epoch(sealed_end - 1);
    return last && last->epoch == entries.back().epoch;
}

Result<EpochEntry> PartitionLog::stored_batch_epoch(Offset offset) {
    TRY_ASSIGN(SegmentRead slice,
               segment_for(offset).read(offset, 1, Offset(INT64_MAX), leader_epoch_));
    RecordBatchView batch(slice.bytes);
    return EpochEntry{batch.partition_leader_epoch(), batch.base_offset()};
}

void PartitionLog::check_epoch_invariants() const {
    // Ordering is the cache's own invariant. The first entry starts at the log start unless a
    // damaged sealed header hid it (collect_epochs), so that is not asserted.
    const std::vector<EpochEntry>& entries = epochs_.entries();
    if (entries.empty()) return;
    ASSERT(entries.front().start_offset >= log_start_ && entries.back().start_offset < log_end_,
           "{}: leader epochs from {} to {} outside the log [{}, {})", directory_,
           entries.front().start_offset, entries.back().start_offset, log_start_, log_end_);
    ASSERT(entries.back().epoch <= leader_epoch_, "{}: epoch {} above the log's {}", directory_,
           entries.back().epoch, leader_epoch_);
}

Result<void> PartitionLog::close() {
    TRY(flush());
    return {};
}

Result<void> PartitionLog::tick() {
    TRY(check_online());
    if (!active_->empty() &&
        to_ms(clock_.now() - active_opened_at_) >= config_.segment_ms) {
        TRY(roll());
    }
    if (durable_end_ < log_end_ &&
        to_ms(clock_.now() - oldest_unflushed_at_) >= config_.flush_ms) {
        TRY(flush());
    } else if (checkpoint_dirty_ || recovery_point_ != active_->base_offset()) {
        TRY(flush());  // seals rolled segments and retries a checkpoint that found no space
    }
    TRY(apply_retention());
    return {};
}

Result<int> PartitionLog::apply_retention() {
    TRY(check_online());
    Mutex::Lock lock = flush_mutex_.acquire();  // May suspend.
    TRY(check_online());
    int64_t now_ms = wall_ms(clock_.wall_now());
    uint64_t total = size_bytes();
    std::vector<Offset> victims;
    // A segment expires by its NEWEST timestamp against the wall clock. A backward clock jump
    // only delays deletion; a forward jump can expire segments early (as in Kafka).
    for (auto& [base, segment] : segments_) {
        if (segment.get() == active_) break;
        bool expired = config_.retention_ms >= 0 &&
                       segment->max_timestamp_ms() < now_ms - std::min(now_ms, config_.retention_ms);
        bool oversized = config_.retention_bytes >= 0 &&
                         total - segment->size() >= static_cast<uint64_t>(config_.retention_bytes);
        if (!expired && !oversized) break;
        victims.push_back(base);
        total -= segment->size();
    }
    if (victims.empty()) return 0;
    TRY(drop_segments_locked(victims, "retention"));  // May suspend.
    return static_cast<int>(victims.size());
}

Result<int> PartitionLog::delete_records_before(Offset before) {
    TRY(check_online());
    Mutex::Lock lock = flush_mutex_.acquire();  // May suspend.
    TRY(check_online());
    if (before > durable_end_) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("delete before {} above the durable end {}", before, durable_end_));
    }
    std::vector<Offset> victims;
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
        auto next = std::next(it);
        if (it->second.get() == active_ || next == segments_.end() || next->first > before) break;
        victims.push_back(it->first);
    }
    if (victims.empty()) return 0;
    TRY(drop_segments_locked(victims, "delete records"));  // May suspend.
    return static_cast<int>(victims.size());
}

Result<void> PartitionLog::drop_segments_locked(const std::vector<Offset>& victims,
                                                std::string_view why) {
    Offset new_start = segments_.upper_bound(victims.back())->first;
    Offset new_recovery_point = std::max(recovery_point_, new_start);
    // The new start is durable before any file goes: a crash in between leaves files that the
    // next open deletes, never a log with a hole.
    // The epoch file goes first with the whole cache, so that it covers the new recovery point;
    // the cache is cut to the new start only after (a file cut first would disagree with the
    // old checkpoint's start, and only cost a rebuild).
    Result<void> written =
        write_checkpoints(Checkpoint{new_recovery_point, new_start});  // May suspend.
    if (!written) return fail(written.error().wrap(fmt::format("{} checkpoint", why)));
    log_start_ = new_start;
    recovery_point_ = new_recovery_point;
    epochs_.truncate_from_start(new_start);
    epochs_dirty_ = true;
    for (Offset base : victims) {
        Result<void> removed = segments_.at(base)->remove_files();
        segments_.erase(base);
        if (!removed) return fail(removed.error().wrap(std::string(why)));
    }
    Result<void> synced = disk_.sync_directory(directory_);  // May suspend.
    if (!synced) return go_offline(synced.error().wrap("fsync directory"));
    return {};
}

}  // namespace brook::log
