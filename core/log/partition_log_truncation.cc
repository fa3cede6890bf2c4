// PartitionLog: truncation, for a follower whose log diverged from its leader's.
//
// The order of durable steps is what makes a crash at any point recover to a prefix of the old
// log (docs/design/log.md, "Truncation"):
// 1. The recovery point goes down on disk to the base of the first segment touched, so that a
//    recovery scans every segment from there with its continuity checks: a deleted segment whose
//    deletion was not yet durable comes back only as a gap or an intact continuation, and a
//    gap ends the log.
// 2. Later segments' files are removed, newest first, and the cut segment's file truncated at a
//    batch boundary, all without suspending, so no append or read sees a half-cut log.
// 3. The cut file, the other dirty segments and the directory are fsynced (flush_locked), and
//    only then does truncate_to return: the cut cannot come back after a crash.
#include <fmt/format.h>

#include "core/log/checkpoint.h"
#include "core/log/partition_log.h"

namespace brook::log {
namespace {

// Sets the flag for the guard's lifetime; appends fail meanwhile.
class TruncatingFlag {
public:
    explicit TruncatingFlag(bool& flag) : flag_(flag) {
        ASSERT(!flag_, "two truncations of one log at once");
        flag_ = true;
    }
    ~TruncatingFlag() { flag_ = false; }
    TruncatingFlag(const TruncatingFlag&) = delete;
    TruncatingFlag& operator=(const TruncatingFlag&) = delete;

private:
    bool& flag_;
};

}  // namespace

Result<Offset> PartitionLog::truncate_to(Offset end) {
    ASSERT(end >= Offset(0), "{}: truncate to {}", directory_, end);
    TRY(check_online());
    if (end >= log_end_) return log_end_;
    TruncatingFlag truncating(truncating_);
    Mutex::Lock lock = flush_mutex_.acquire();  // May suspend.
    TRY(check_online());
    if (end >= log_end_) return log_end_;
    if (end < log_start_) {
        TRY(truncate_fully_locked(end));
        return end;
    }
    return truncate_locked(end);
}

Result<void> PartitionLog::truncate_fully_and_start_at(Offset start) {
    ASSERT(start >= Offset(0), "{}: start at {}", directory_, start);
    TRY(check_online());
    TruncatingFlag truncating(truncating_);
    Mutex::Lock lock = flush_mutex_.acquire();  // May suspend.
    TRY(check_online());
    return truncate_fully_locked(start);
}

Result<void> PartitionLog::unseal_from(Offset base) {
    if (base >= recovery_point_) return {};
    Result<void> written = write_checkpoint(disk_, directory_, Checkpoint{base, log_start_});
    if (!written) return fail(written.error().wrap("truncation checkpoint"));  // May suspend.
    recovery_point_ = base;
    return {};
}

Result<Offset> PartitionLog::truncate_locked(Offset end) {
    ASSERT(flush_mutex_.held() && truncating_);
    ASSERT(end >= log_start_ && end < log_end_, "{}: cut at {} of [{}, {})", directory_, end,
           log_start_, log_end_);
    Offset base = segment_for(end).base_offset();
    TRY(unseal_from(base));  // May suspend.
    // No suspension from here to flush_locked: the in-memory log and the files change together.
    while (std::prev(segments_.end())->first > base) {
        auto last = std::prev(segments_.end());
        Result<void> removed = last->second->remove_files();
        segments_.erase(last);
        if (!removed) return go_offline(removed.error().wrap("truncate"));
    }
    Segment& kept = *segments_.at(base);
    Result<Offset> cut = kept.truncate_to(end, leader_epoch_);
    if (!cut) return go_offline(cut.error().wrap("truncate"));
    active_ = &kept;
    active_opened_at_ = clock_.now();
    directory_dirty_ = true;
    log_end_ = *cut;
    durable_end_ = std::min(durable_end_, log_end_);
    epochs_.truncate_from_end(log_end_);
    epochs_dirty_ = true;
    ++truncations_;
    last_cut_ = log_end_;
    end_changed_.notify_all();
    TRY(flush_locked());  // May suspend.
    ASSERT(durable_end_ == log_end_ || offline_, "{}: truncated to {}, durable to {}", directory_,
           log_end_, durable_end_);
    return log_end_;
}

Result<void> PartitionLog::truncate_fully_locked(Offset start) {
    ASSERT(flush_mutex_.held() && truncating_);
    TRY(unseal_from(log_start_));  // May suspend.
    // No suspension until the new segment is in place: readers never see a log without one.
    // One directory sync then makes the removals and the creation durable together; should a
    // crash keep only some of them, the recovery's scan from the old start (step 1) and its
    // continuity check leave a prefix of the old log or the empty new one.
    Result<std::unique_ptr<Segment>> created =
        Segment::create(disk_, directory_, start, config_.index_interval_bytes);
    if (!created) return go_offline(created.error().wrap("truncate fully"));
    while (!segments_.empty()) {
        auto last = std::prev(segments_.end());
        // A segment of the same name was emptied by create(); its handle must not remove the
        // new file.
        Result<void> removed =
            last->first == start ? Result<void>() : last->second->remove_files();
        segments_.erase(last);
        if (!removed) return go_offline(removed.error().wrap("truncate fully"));
    }
    active_ = created->get();
    segments_.emplace(start, std::move(*created));
    active_opened_at_ = clock_.now();
    directory_dirty_ = true;
    log_start_ = start;
    log_end_ = start;
    durable_end_ = start;
    recovery_point_ = start;
    unflushed_records_ = 0;
    epochs_.clear();
    epochs_dirty_ = true;
    ++truncations_;
    last_cut_ = Offset(0);  // the old offsets are all gone, whatever the new start
    end_changed_.notify_all();
    Result<void> synced = disk_.sync_directory(directory_);  // May suspend.
    if (!synced) return go_offline(synced.error().wrap("fsync directory"));
    directory_dirty_ = false;
    Result<void> written = write_checkpoints(Checkpoint{start, start});  // May suspend.
    if (!written) return go_offline(written.error().wrap("truncate fully checkpoint"));
    checkpoint_dirty_ = false;
    return {};
}

}  // namespace brook::log
