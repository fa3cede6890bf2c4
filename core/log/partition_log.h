// PartitionLog: one partition's durable, ordered, append-only log of Kafka record batches on a
// Disk, with crash recovery, group commit, reads for fetches and ListOffsets, and retention.
//
//   TRY_ASSIGN(auto log, PartitionLog::open(disk, clock, scheduler, "orders-0", LogConfig{}));
//   TRY_ASSIGN(AppendResult appended, log->append(record_set));   // May suspend (fsync)
//   TRY_ASSIGN(LogRead fetched, log->read(Offset(0), 1 << 20));    // whole stored batches
//   log->wait_for_data(fetched.next_offset, deadline);             // long-poll; May suspend
//   TRY(log->tick());                           // every ~100 ms: flush.ms, segment.ms, retention
//   log->append_replicated(leader_batches);       // a follower: the leader's offsets and epochs
//   log->truncate_to(Offset(40));                 // a follower whose log diverged from 40 on
//   log->end_offset_for_epoch(LeaderEpoch(2));    // OffsetForLeaderEpoch
//
// Design (docs/design/log.md has the long version):
// - The log assigns offsets. Appends write synchronously (no suspension between assigning an
//   offset and writing its bytes), so appends are ordered by call, and the log is always a
//   dense sequence of batches.
// - Durability: with flush.messages = 1 (Brook's default) append returns only after an fsync
//   covered its batch. GROUP COMMIT: one fiber at a time holds the flush mutex and syncs
//   everything written so far; appenders that arrive meanwhile queue on the mutex, and when
//   one gets it, it first checks whether the previous sync already covered it. The holder
//   yields once before syncing so that appenders ready to run can join the group. Durability
//   is a prefix: durable_end_offset() only grows (truncate_to aside), and every batch below it
//   survives a crash.
// - Faults are values: io_error on a write or sync takes the log OFFLINE (every later call
//   fails with io_error until it is reopened; nothing acknowledged is lost, because recovery
//   keeps every synced batch). no_space on a write truncates the partial batch away and fails
//   only that append. A batch failing validation on read is reported as corruption, never
//   returned.
// - Leader epochs: every batch carries the epoch of the leader that wrote it; the log keeps the
//   leader-epoch cache (leader_epoch_cache.h) of where each epoch starts, persists it as
//   `leader-epoch-checkpoint` before any partition checkpoint that moves the recovery point up,
//   and on recovery trusts that file only below the recovery point and only where the batches
//   it names agree; otherwise it rebuilds the cache from the batch headers.
// - Truncation (a follower cutting a diverging tail): durable before it returns; a crash
//   during it recovers to a prefix of the old log (docs/design/log.md, "Truncation").
// - The owner must keep fibers out of the log before destroying it (the simulator kills a
//   node's fibers first); close() flushes and seals.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/base/time.h"
#include "core/io/clock.h"
#include "core/io/disk.h"
#include "core/log/checkpoint.h"
#include "core/log/leader_epoch_cache.h"
#include "core/log/log_config.h"
#include "core/log/segment.h"
#include "core/runtime/mutex.h"
#include "core/runtime/wait_queue.h"

namespace brook::log {

struct AppendResult {
    Offset base_offset;  // of the first batch
    Offset last_offset;  // of the last record
    int64_t log_append_time_ms = -1;  // -1 for CreateTime topics
    bool durable = false;  // an fsync covered it before append returned
};

struct LogRead {
    std::vector<uint8_t> bytes;  // whole stored batches, exactly as stored
    Offset next_offset;          // where the next fetch continues
    int batches = 0;
};

// What open() found and repaired.
struct RecoveryReport {
    bool checkpoint_used = false;
    int segments_loaded = 0;      // sealed: indexes from files (or rebuilt), not rescanned
    int segments_scanned = 0;     // from the recovery point: every batch validated
    int indexes_rebuilt = 0;
    int segments_deleted = 0;     // below the log start, or after a truncation point
    uint64_t truncated_bytes = 0;
    // Set when recovery stopped at a complete batch that failed validation (a bit flip, not a
    // torn tail): that offset and everything after it was cut. Simulation checkers count
    // acknowledged batches lost this way as detected loss.
    std::optional<Offset> corruption_at;
    BatchProblem stop_problem = BatchProblem::none;
    // The leader-epoch cache was rebuilt from batch headers: its file was missing, did not
    // parse, or disagreed with the batches below the recovery point.
    bool leader_epochs_rebuilt = false;
};

class PartitionLog {
public:
    // Opens or creates the partition in `directory` and recovers it. Batches must carry
    // partitionLeaderEpoch <= leader_epoch. May suspend.
    static Result<std::unique_ptr<PartitionLog>> open(Disk& disk, Clock& clock,
                                                      Scheduler& scheduler, std::string directory,
                                                      LogConfig config,
                                                      LeaderEpoch leader_epoch = LeaderEpoch(0));
    ~PartitionLog();
    PartitionLog(const PartitionLog&) = delete;
    PartitionLog& operator=(const PartitionLog&) = delete;

    // Validates a producer's record set (one or more v2 batches), assigns offsets from
    // log_end_offset(), stamps the leader epoch (and LogAppendTime if configured), writes it,
    // and, as flush.messages / flush.ms ask, waits for an fsync to cover it. Errors:
    // too_large (over max.message.bytes), unsupported (magic 0/1), corruption (invalid batch),
    // no_space (nothing kept; retry later), io_error (the log is offline). May suspend.
    Result<AppendResult> append(std::span<const uint8_t> record_set);

    // append() in two halves, for a caller that must order writes to several logs before it
    // waits for any of them (the broker writes every partition of a Produce request, in request
    // order, before its first suspension). write() validates, assigns offsets and writes;
    // it never suspends, and its result has durable = false. flush_if_due(end) then waits, as
    // flush.messages / flush.ms ask, for an fsync to cover everything below `end`, and returns
    // whether it did. May suspend.
    Result<AppendResult> write(std::span<const uint8_t> record_set);
    Result<bool> flush_if_due(Offset end);

    // A follower's append: batches exactly as the leader stored them, their base offsets and
    // partition leader epochs kept (only framing and CRC are checked, by parse_record_set).
    // invalid_argument, and nothing written, when the first batch does not start at
    // log_end_offset(), a batch does not start where the previous ended, or an epoch goes back
    // (below the previous batch's or the log's latest) or above leader_epoch(). Otherwise as
    // append(): the same size limit, errors, durability and group commit, so that
    // durable_end_offset() stays exact (a follower reports a position only below it).
    // May suspend.
    Result<AppendResult> append_replicated(std::span<const uint8_t> record_set);

    // Cuts the log so that it ends at or before `end` (>= 0): every batch holding an offset at
    // or after `end` goes (a batch straddling `end` goes whole), later segments are deleted, the
    // cut segment's file and indexes are cut, the epoch cache drops epochs starting at or after
    // the new end. Returns the new log end (<= end; the log end when `end` is not below it).
    // An `end` below the log start truncates fully (truncate_fully_and_start_at(end)), as
    // Kafka does. The durable end falls with the log end; nothing below the high watermark is
    // protected here (a follower may legitimately cut below it; the caller decides). Appends
    // fail while it runs. An append() waiting for an fsync of what was cut gets out_of_range
    // (a caller of write() + flush_if_due() must not let a truncation come between them);
    // wait_for_data returns false to a waiter whose offset lies past the new end. Durable when
    // it returns; a crash during it recovers to a prefix of the old log at least as long as
    // min(new end, durable end before). May suspend.
    Result<Offset> truncate_to(Offset end);
    // Deletes every segment and restarts the empty log at `start` (log start = log end =
    // `start`), the epoch cache emptied: a follower whose log lies wholly below the leader's
    // log start, or diverges before it. Durable when it returns; a crash during it recovers to
    // a prefix (possibly empty) of the old log or to the empty log at `start`. May suspend.
    Result<void> truncate_fully_and_start_at(Offset start);

    // OffsetForLeaderEpoch: the cache's end_offset_for(requested, log end), answered as Kafka's
    // leader does, which records its epoch at the log end when it takes leadership: an epoch
    // above the cache's latest but at most leader_epoch() has written nothing yet, so the
    // latest epoch (or, for leader_epoch() itself or an empty log, the one asked for) ends at
    // the log end.
    EpochEndOffset end_offset_for_epoch(LeaderEpoch requested) const;
    // The leader epoch of the batch holding `offset` (nullopt below the first epoch entry).
    std::optional<LeaderEpoch> epoch_for_offset(Offset offset) const;
    const LeaderEpochCache& leader_epochs() const { return epochs_; }

    // Whole batches from the one containing `offset`: at least one, then more while the total
    // stays within max_bytes; only batches starting below `upper_bound` (default: the log end;
    // pass durable_end_offset() to serve only what survives a crash). An offset below the log
    // start or past the log end is out_of_range; at the end, the result is empty.
    Result<LogRead> read(Offset offset, std::size_t max_bytes,
                         std::optional<Offset> upper_bound = std::nullopt);

    // ListOffsets: earliest, latest, and the first offset with a timestamp >= timestamp_ms.
    Offset log_start_offset() const { return log_start_; }
    Offset log_end_offset() const { return log_end_; }
    // Every offset below this is on disk for good (fsynced). What consumers may see is the
    // partition's high watermark (core/cluster/partition.h), which is derived from this.
    Offset durable_end_offset() const { return durable_end_; }
    Result<std::optional<Offset>> offset_for_timestamp(int64_t timestamp_ms);

    // Parks until the log end (or the durable end, if `durable`) passes `offset`, the log goes
    // offline, or the deadline passes. True when there is data at `offset`. May suspend.
    bool wait_for_data(Offset offset, Instant deadline, bool durable = false);

    // fsyncs everything appended so far and seals rolled segments. May suspend.
    Result<void> flush();
    // Periodic duties; the owner calls it every ~100 ms: segment.ms rolls, flush.ms flushes,
    // retention. May suspend.
    Result<void> tick();
    // Deletes whole non-active segments past retention.ms (by their newest timestamp) or
    // beyond retention.bytes, advancing the log start durably first. Returns how many were
    // deleted. May suspend.
    Result<int> apply_retention();
    // Drops every whole non-active segment that lies entirely below `before` (at most the
    // durable end), advancing the log start durably first to the base of the first segment
    // kept; returns how many went. Records below `before` in a kept segment stay readable.
    // The offsets topic uses it after rewriting its live state. May suspend.
    Result<int> delete_records_before(Offset before);
    // Starts a new active segment now (if the active one is not empty).
    Result<void> roll();
    // Flushes and seals; the log stays usable. May suspend.
    Result<void> close();

    // Applies a changed topic configuration (retention, segment size and age, flush policy,
    // size limit, timestamp type) from the next append or tick on; segments already written
    // keep their layout. invalid_argument when it does not validate.
    Result<void> update_config(const LogConfig& config);

    // A new leader epoch of the partition (KRaft mode: the metadata log moved its leadership):
    // later batches are stamped with it and reads accept it. Never goes back.
    void set_leader_epoch(LeaderEpoch leader_epoch);
    LeaderEpoch leader_epoch() const { return leader_epoch_; }

    bool offline() const { return offline_.has_value(); }
    const RecoveryReport& recovery_report() const { return report_; }
    const LogConfig& config() const { return config_; }
    std::vector<Offset> segment_bases() const;
    uint64_t size_bytes() const;

private:
    PartitionLog(Disk& disk, Clock& clock, Scheduler& scheduler, std::string directory,
                 LogConfig config, LeaderEpoch leader_epoch);

    Result<void> check_online() const;
    // Online, not truncating, and the record set within max.message.bytes.
    Result<void> check_writable(std::size_t record_set_bytes) const;
    // Writes batches already validated and stamped, from the log end, with no suspension.
    Result<void> write_batches(std::span<const uint8_t> bytes, const std::vector<BatchInfo>& infos,
                               int64_t records);
    Result<AppendResult> write_replicated(std::span<const uint8_t> record_set);
    // Assigns a written batch's epoch to the cache; a new entry makes the epoch file stale.
    void assign_epoch(LeaderEpoch epoch, Offset start);
    // Records the first fatal error and wakes every waiter; returns the error to report.
    Error go_offline(const Error& error);
    // A write or sync error: io_error takes the log offline, others pass through.
    Error fail(const Error& error);
    Result<void> maybe_roll(uint64_t incoming_bytes, Offset last_offset);
    Result<void> flush_until(Offset end);
    Result<void> flush_locked();
    Result<void> seal_locked();
    Result<void> write_checkpoint_locked();
    // The epoch file if the cache changed, then `checkpoint`: in that order, so that the epoch
    // file on disk covers everything below the recovery point on disk. May suspend.
    Result<void> write_checkpoints(const Checkpoint& checkpoint);
    bool flush_due(Offset end) const;
    Segment& segment_for(Offset offset);

    // Recovery (partition_log_recovery.cc).
    Result<void> recover();
    Result<void> recover_unsealed(std::vector<Offset>& bases, std::size_t first);
    // The epoch cache below `sealed_end` (the first unsealed segment's base): from the epoch
    // file where the batches agree with it, else from the sealed segments' batch headers.
    Result<void> recover_sealed_epochs(Offset log_start, Offset sealed_end);
    Result<bool> sealed_epochs_agree(const LeaderEpochCache& cached, Offset log_start,
                                     Offset sealed_end);
    // The leader epoch of the stored batch holding `offset`, and whether it starts there.
    Result<EpochEntry> stored_batch_epoch(Offset offset);
    void check_epoch_invariants() const;

    // Truncation (partition_log_truncation.cc); flush_mutex_ held.
    Result<Offset> truncate_locked(Offset end);
    Result<void> truncate_fully_locked(Offset start);
    // Lowers the recovery point on disk to `base` before anything at or after it is cut, so
    // that a recovery after a crash mid-cut scans (and continuity-checks) what is left.
    Result<void> unseal_from(Offset base);
    Result<void> delete_segment_files(Offset base);
    // Advances the log start past `victims` (oldest first, contiguous from the start) durably,
    // then removes their files. Holds flush_mutex_. May suspend.
    Result<void> drop_segments_locked(const std::vector<Offset>& victims, std::string_view why);

    Disk& disk_;
    Clock& clock_;
    Scheduler& scheduler_;
    std::string directory_;
    LogConfig config_;
    LeaderEpoch leader_epoch_;

    std::map<Offset, std::unique_ptr<Segment>> segments_;
    Segment* active_ = nullptr;
    Instant active_opened_at_;
    Offset log_start_;
    Offset log_end_;
    Offset durable_end_;
    // Base of the oldest segment whose index files are not yet durable (or the active one).
    Offset recovery_point_;
    LeaderEpochCache epochs_;
    // The cache changed since the epoch file was last written.
    bool epochs_dirty_ = false;
    bool truncating_ = false;
    // Counts truncations, so that a waiter can tell its position may have been cut away, and
    // the end the last one left.
    uint64_t truncations_ = 0;
    Offset last_cut_;
    bool directory_dirty_ = false;
    bool checkpoint_dirty_ = false;
    int64_t unflushed_records_ = 0;
    Instant oldest_unflushed_at_;
    std::optional<Error> offline_;
    RecoveryReport report_;

    Mutex flush_mutex_;     // held by the one fiber syncing, sealing or deleting
    WaitQueue end_changed_;  // log end or durable end moved, or the log went offline
};

}  // namespace brook::log
