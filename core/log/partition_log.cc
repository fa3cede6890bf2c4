#include "core/log/partition_log.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/log/leader_epoch_checkpoint.h"

namespace brook::log {

PartitionLog::PartitionLog(Disk& disk, Clock& clock, Scheduler& scheduler, std::string directory,
                           LogConfig config, LeaderEpoch leader_epoch)
    : disk_(disk),
      clock_(clock),
      scheduler_(scheduler),
      directory_(std::move(directory)),
      config_(config),
      leader_epoch_(leader_epoch),
      flush_mutex_(scheduler),
      end_changed_(scheduler) {}

PartitionLog::~PartitionLog() = default;

Result<void> PartitionLog::check_online() const {
    if (offline_) {
        return Error(ErrorCode::io_error,
                     fmt::format("partition {} is offline: {}", directory_, offline_->describe()));
    }
    return {};
}

Error PartitionLog::go_offline(const Error& error) {
    if (!offline_) offline_ = error;
    end_changed_.notify_all();
    return Error(ErrorCode::io_error,
                 fmt::format("partition {} went offline: {}", directory_, error.describe()));
}

Error PartitionLog::fail(const Error& error) {
    if (error.code() == ErrorCode::io_error) return go_offline(error);
    return error;
}

Segment& PartitionLog::segment_for(Offset offset) {
    auto after = segments_.upper_bound(offset);
    ASSERT(after != segments_.begin(), "offset {} below the first segment", offset);
    return *std::prev(after)->second;
}

std::vector<Offset> PartitionLog::segment_bases() const {
    std::vector<Offset> bases;
    for (const auto& [base, segment] : segments_) bases.push_back(base);
    return bases;
}

uint64_t PartitionLog::size_bytes() const {
    uint64_t total = 0;
    for (const auto& [base, segment] : segments_) total += segment->size();
    return total;
}

Result<void> PartitionLog::update_config(const LogConfig& config) {
    TRY(config.validate());
    config_ = config;
    return {};
}

void PartitionLog::set_leader_epoch(LeaderEpoch leader_epoch) {
    ASSERT(leader_epoch >= leader_epoch_, "{}: leader epoch moved back from {} to {}", directory_,
           leader_epoch_, leader_epoch);
    leader_epoch_ = leader_epoch;
}

Result<void> PartitionLog::roll() {
    TRY(check_online());
    if (active_->empty()) return {};
    Result<std::unique_ptr<Segment>> created =
        Segment::create(disk_, directory_, log_end_, config_.index_interval_bytes);
    if (!created) return fail(created.error().wrap("roll"));
    active_ = created->get();
    segments_.emplace(log_end_, std::move(*created));
    active_opened_at_ = clock_.now();
    // The new file's directory entry is durable only after the next directory sync, which
    // the next flush does before it reports anything in the new segment durable.
    directory_dirty_ = true;
    return {};
}

Result<void> PartitionLog::maybe_roll(uint64_t incoming_bytes, Offset last_offset) {
    if (active_->empty()) return {};
    bool full = active_->size() + incoming_bytes > config_.segment_bytes;
    // Relative offsets in the index are u32; keep well inside them.
    bool offsets_exhausted = last_offset - active_->base_offset() > INT32_MAX;
    // segment.ms counts monotonic time since this process opened the segment, so no wall
    // clock jump can roll early; a restart only makes the segment live longer.
    bool old = to_ms(clock_.now() - active_opened_at_) >= config_.segment_ms;
    if (full || offsets_exhausted || old) return roll();
    return {};
}

Result<AppendResult> PartitionLog::append(std::span<const uint8_t> record_set) {
    TRY_ASSIGN(AppendResult result, write(record_set));
    TRY_ASSIGN(result.durable, flush_if_due(result.last_offset + 1));
    return result;
}

Result<bool> PartitionLog::flush_if_due(Offset end) {
    if (flush_due(end)) TRY(flush_until(end));
    return durable_end_ >= end;
}

Result<void> PartitionLog::check_writable(std::size_t record_set_bytes) const {
    TRY(check_online());
    if (truncating_) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("partition {} is being truncated", directory_));
    }
    if (record_set_bytes > config_.max_message_bytes) {
        return Error(ErrorCode::too_large,
                     fmt::format("record set of {} bytes exceeds max.message.bytes {}",
                                 record_set_bytes, config_.max_message_bytes));
    }
    return {};
}

Result<AppendResult> PartitionLog::write(std::span<const uint8_t> record_set) {
    TRY(check_writable(record_set.size()));
    TRY_ASSIGN(std::vector<RecordBatchView> views, parse_record_set(record_set));
    std::vector<uint8_t> bytes(record_set.begin(), record_set.end());
    AppendResult result;
    if (config_.message_timestamp_type == TimestampType::log_append_time) {
        result.log_append_time_ms = wall_ms(clock_.wall_now());
    }
    // Offsets are assigned and the bytes written with no suspension in between: appends are
    // ordered exactly as they were called.
    std::vector<BatchInfo> infos;
    Offset next = log_end_;
    std::size_t position = 0;
    int64_t records = 0;
    for (const RecordBatchView& view : views) {
        std::span<uint8_t> batch(bytes.data() + position, view.size());
        set_base_offset(batch, next);
        set_partition_leader_epoch(batch, leader_epoch_);
        if (result.log_append_time_ms >= 0) set_log_append_time(batch, result.log_append_time_ms);
        RecordBatchView stored(batch);
        ASSERT(check_batch(batch).problem == BatchProblem::none, "rewritten batch invalid");
        infos.push_back(BatchInfo{next, stored.next_offset(), stored.max_timestamp(),
                                  static_cast<uint32_t>(stored.size())});
        records += stored.records_count();
        next = stored.next_offset();
        position += view.size();
    }
    result.base_offset = log_end_;
    result.last_offset = next - 1;
    TRY(write_batches(bytes, infos, records));
    if (!views.empty()) assign_epoch(leader_epoch_, result.base_offset);
    return result;
}

Result<AppendResult> PartitionLog::append_replicated(std::span<const uint8_t> record_set) {
    TRY_ASSIGN(AppendResult result, write_replicated(record_set));
    TRY_ASSIGN(result.durable, flush_if_due(result.last_offset + 1));
    return result;
}

Result<AppendResult> PartitionLog::write_replicated(std::span<const uint8_t> record_set) {
    TRY(check_writable(record_set.size()));
    TRY_ASSIGN(std::vector<RecordBatchView> views, parse_record_set(record_set));
    if (views.empty()) return Error(ErrorCode::invalid_argument, "replicated record set is empty");
    std::vector<BatchInfo> infos;
    Offset next = log_end_;
    LeaderEpoch floor = epochs_.empty() ? LeaderEpoch(0) : epochs_.latest()->epoch;
    int64_t records = 0;
    for (const RecordBatchView& view : views) {
        LeaderEpoch epoch = view.partition_leader_epoch();
        if (view.base_offset() != next) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("{}: replicated batch at offset {} where the log expects {}",
                                     directory_, view.base_offset(), next));
        }
        if (epoch < floor || epoch > leader_epoch_) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("{}: replicated batch at {} has leader epoch {} outside "
                                     "[{}, {}]",
                                     directory_, view.base_offset(), epoch, floor, leader_epoch_));
        }
        infos.push_back(BatchInfo{next, view.next_offset(), view.max_timestamp(),
                                  static_cast<uint32_t>(view.size())});
        records += view.records_count();
        floor = epoch;
        next = view.next_offset();
    }
    AppendResult result{.base_offset = log_end_, .last_offset = next - 1};
    TRY(write_batches(record_set, infos, records));
    for (const RecordBatchView& view : views) {
        assign_epoch(view.partition_leader_epoch(), view.base_offset());
    }
    return result;
}

void PartitionLog::assign_epoch(LeaderEpoch epoch, Offset start) {
    std::size_t entries = epochs_.entries().size();
    epochs_.assign(epoch, start);
    if (epochs_.entries().size() != entries) epochs_dirty_ = true;
}

Result<void> PartitionLog::write_batches(std::span<const uint8_t> bytes,
                                         const std::vector<BatchInfo>& infos, int64_t records) {
    Offset next = infos.empty() ? log_end_ : infos.back().next;
    TRY(maybe_roll(bytes.size(), next - 1));
    Result<void> written = active_->append(bytes, infos);
    if (!written) {
        if (written.error().code() != ErrorCode::no_space) return fail(written.error());
        // Leave no partial batch behind: the next append writes at the same position.
        Result<void> cut = active_->truncate_unwritten();
        if (!cut) return fail(cut.error().wrap("truncate after no_space"));
        return written.error();
    }
    if (durable_end_ == log_end_) oldest_unflushed_at_ = clock_.now();
    log_end_ = next;
    unflushed_records_ += records;
    end_changed_.notify_all();
    return {};
}

bool PartitionLog::flush_due(Offset end) const {
    if (durable_end_ >= end) return false;
    return unflushed_records_ >= config_.flush_messages ||
           to_ms(clock_.now() - oldest_unflushed_at_) >= config_.flush_ms;
}

Result<void> PartitionLog::flush_until(Offset end) {
    uint64_t truncations = truncations_;
    while (durable_end_ < end) {
        TRY(check_online());
        Mutex::Lock lock = flush_mutex_.acquire();  // May suspend.
        // Re-check: the fiber that held the mutex may have synced our batch, or failed.
        TRY(check_online());
        if (durable_end_ >= end) break;
        // What we wait for may have been cut (and other batches written in its place). Exact
        // for one truncation meanwhile; after more, any counts, as they are rare.
        bool cut = truncations_ != truncations &&
                   (truncations_ != truncations + 1 || last_cut_ < end);
        if (cut || end > log_end_) {
            return Error(ErrorCode::out_of_range,
                         fmt::format("{}: offsets below {} were truncated before an fsync "
                                     "covered them (the log now ends at {})",
                                     directory_, end, log_end_));
        }
        // Let appenders that are ready write their batches, so this one sync covers them.
        scheduler_.yield();
        TRY(flush_locked());
    }
    return {};
}

Result<void> PartitionLog::flush() {
    TRY(check_online());
    Mutex::Lock lock = flush_mutex_.acquire();  // May suspend.
    TRY(check_online());
    return flush_locked();
}

Result<void> PartitionLog::flush_locked() {
    ASSERT(flush_mutex_.held());
    // Everything written before the first sync starts is covered by it (the durability
    // contract of File::sync); what is written while it runs waits for the next one.
    Offset covered = log_end_;
    unflushed_records_ = 0;
    oldest_unflushed_at_ = clock_.now();
    bool sync_directory = directory_dirty_;
    directory_dirty_ = false;
    std::vector<Segment*> dirty;
    for (auto& [base, segment] : segments_) {
        if (segment->dirty()) dirty.push_back(segment.get());
    }
    for (Segment* segment : dirty) {
        Result<void> synced = segment->sync();  // May suspend.
        if (!synced) return go_offline(synced.error().wrap("fsync"));
    }
    if (sync_directory) {
        Result<void> synced = disk_.sync_directory(directory_);  // May suspend.
        if (!synced) return go_offline(synced.error().wrap("fsync directory"));
    }
    if (covered > durable_end_) {
        durable_end_ = covered;
        end_changed_.notify_all();
    }
    return seal_locked();
}

Result<void> PartitionLog::seal_locked() {
    ASSERT(flush_mutex_.held());
    bool sealed = false;
    while (true) {
        auto it = segments_.find(recovery_point_);
        ASSERT(it != segments_.end(), "recovery point {} is no segment base", recovery_point_);
        Segment& segment = *it->second;
        if (&segment == active_) break;
        if (segment.dirty()) {
            Result<void> synced = segment.sync();  // May suspend.
            if (!synced) return go_offline(synced.error().wrap("fsync"));
        }
        Result<void> written = segment.write_index_files();  // May suspend.
        if (!written) {
            // Out of space: the segment stays unsealed (recovery rescans it); try again later.
            if (written.error().code() == ErrorCode::no_space) break;
            return go_offline(written.error().wrap("seal"));
        }
        recovery_point_ = std::next(it)->first;
        sealed = true;
    }
    if (sealed) {
        // The index files' entries must be durable before a checkpoint points past them.
        Result<void> synced = disk_.sync_directory(directory_);  // May suspend.
        if (!synced) return go_offline(synced.error().wrap("fsync directory"));
        checkpoint_dirty_ = true;
    }
    if (checkpoint_dirty_) return write_checkpoint_locked();
    return {};
}

Result<void> PartitionLog::write_checkpoints(const Checkpoint& checkpoint) {
    if (epochs_dirty_) {
        TRY(write_leader_epoch_checkpoint(disk_, directory_, epochs_.entries()));  // May suspend.
        epochs_dirty_ = false;
    }
    return write_checkpoint(disk_, directory_, checkpoint);  // May suspend.
}

Result<void> PartitionLog::write_checkpoint_locked() {
    Result<void> written = write_checkpoints(Checkpoint{recovery_point_, log_start_});
    if (!written) {
        if (written.error().code() == ErrorCode::no_space) return {};  // retried by the next flush
        return go_offline(written.error().wrap("checkpoint"));
    }
    checkpoint_dirty_ = false;
    return {};
}

Result<LogRead> PartitionLog::read(Offset offset, std::size_t max_bytes,
                                   std::optional<Offset> upper_bound) {
    TRY(check_online());
    if (offset < log_start_ || offset > log_end_) {
        return Error(ErrorCode::out_of_range,
                     fmt::format("offset {} outside [{}, {}]", offset, log_start_, log_end_));
    }
    Offset bound = upper_bound ? std::min(*upper_bound, log_end_) : log_end_;
    LogRead result;
    result.next_offset = offset;
    if (offset >= bound) return result;
    TRY_ASSIGN(SegmentRead slice, segment_for(offset).read(offset, max_bytes, bound, leader_epoch_));
    result.bytes = std::move(slice.bytes);
    result.next_offset = slice.next_offset;
    result.batches = slice.batches;
    return result;
}

bool PartitionLog::wait_for_data(Offset offset, Instant deadline, bool durable) {
    uint64_t truncations = truncations_;
    while ((durable ? durable_end_ : log_end_) <= offset && !offline_) {
        if (!end_changed_.wait(deadline)) return false;  // May suspend.
        // A truncation cut the log below the position waited for: it will not come as it was.
        if (truncations_ != truncations && offset > log_end_) return false;
    }
    return !offline_;
}

EpochEndOffset PartitionLog::end_offset_for_epoch(LeaderEpoch requested) const {
    std::optional<EpochEntry> latest = epochs_.latest();
    bool unwritten = requested >= LeaderEpoch(0) && requested <= leader_epoch_ &&
                     (!latest || requested > latest->epoch);
    if (!unwritten) return epochs_.end_offset_for(requested, log_end_);
    // Kafka's leader would have assigned leader_epoch_ at the log end on taking leadership.
    LeaderEpoch found = (!latest || requested == leader_epoch_) ? requested : latest->epoch;
    return EpochEndOffset{found, log_end_};
}

std::optional<LeaderEpoch> PartitionLog::epoch_for_offset(Offset offset) const {
    return epochs_.epoch_for_offset(offset);
}

Result<std::optional<Offset>> PartitionLog::offset_for_timestamp(int64_t timestamp_ms) {
    TRY(check_online());
    for (auto& [base, segment] : segments_) {
        if (segment->max_timestamp_ms() < timestamp_ms) continue;
        TRY_ASSIGN(std::optional<Offset> found,
                   segment->offset_for_timestamp(timestamp_ms, leader_epoch_));
        if (found) return found;
    }
    return std::optional<Offset>();
}

}  // namespace brook::log
