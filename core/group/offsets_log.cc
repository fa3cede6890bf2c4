#include "core/group/offsets_log.h"

#include "core/log/record_batch.h"

namespace brook::group {

int32_t OffsetsLog::partition_count() const {
    const cluster::Topic* topic = topics_.find(kOffsetsTopic);
    return topic ? static_cast<int32_t>(topic->partitions.size()) : partitions_;
}

const std::map<std::string, std::string>& offsets_topic_configs() {
    static const std::map<std::string, std::string> configs = {
        {"cleanup.policy", "compact"}, {"retention.ms", "-1"}, {"retention.bytes", "-1"}};
    return configs;
}

Result<void> OffsetsLog::ensure_topic() {
    if (exists()) return {};
    cluster::TopicConfig config;
    for (const auto& [key, value] : offsets_topic_configs()) TRY(config.set(key, value));
    Result<void> created =
        topics_.create_topic(kOffsetsTopic, partitions_, config);  // May suspend.
    if (!created && created.error().code() != ErrorCode::already_exists) return created;
    return {};
}

Result<std::shared_ptr<cluster::Partition>> OffsetsLog::partition_of(PartitionId partition) const {
    std::shared_ptr<cluster::Partition> found = topics_.partition(kOffsetsTopic, partition);
    if (!found) {
        return Error(ErrorCode::not_found, fmt::format("{}-{}", kOffsetsTopic, partition));
    }
    if (!found->log()) {
        return Error(ErrorCode::io_error,
                     fmt::format("{}-{} is offline", kOffsetsTopic, partition));
    }
    return found;
}

Result<std::shared_ptr<log::PartitionLog>> OffsetsLog::log_of(PartitionId partition) const {
    TRY_ASSIGN(std::shared_ptr<cluster::Partition> found, partition_of(partition));
    return found->log();
}

Result<Offset> OffsetsLog::write(PartitionId partition, const std::vector<log::Record>& records) {
    TRY_ASSIGN(std::shared_ptr<log::PartitionLog> log, log_of(partition));
    int64_t now_ms = wall_ms(env_.clock.wall_now());
    Offset end = log->log_end_offset();
    std::size_t next = 0;
    while (next < records.size()) {
        log::RecordBatchBuilder builder(now_ms);
        std::size_t bytes = 0;
        while (next < records.size()) {
            const log::Record& record = records[next];
            std::size_t size = (record.key ? record.key->size() : 0) +
                               (record.value ? record.value->size() : 0) + 32;
            if (builder.record_count() > 0 && bytes + size > kOffsetsBatchBytesMax) break;
            log::Record stamped = record;
            stamped.timestamp_ms = now_ms;
            builder.add(std::move(stamped));
            bytes += size;
            ++next;
        }
        TRY_ASSIGN(log::AppendResult appended, log->write(builder.build()));
        end = appended.last_offset + 1;
    }
    return end;
}

Result<void> OffsetsLog::wait_durable(PartitionId partition, Offset end) {
    TRY_ASSIGN(std::shared_ptr<cluster::Partition> found, partition_of(partition));
    std::shared_ptr<log::PartitionLog> log = found->log();
    TRY(log->flush_if_due(end));  // May suspend.
    // The offsets topic may be configured to flush lazily; an acknowledged commit may not be.
    // A flush that succeeded leaves the same log open (only an offline log is replaced).
    if (found->high_watermark() < end) {
        TRY(log->flush());  // May suspend.
    }
    if (found->high_watermark() < end) {
        return Error(ErrorCode::io_error, "the offsets log did not become durable");
    }
    return {};
}

Result<void> OffsetsLog::replay(PartitionId partition,
                                const std::function<void(const log::Record&)>& visit) {
    TRY_ASSIGN(std::shared_ptr<cluster::Partition> found, partition_of(partition));
    std::shared_ptr<log::PartitionLog> log = found->log();
    Offset start = log->log_start_offset();
    Offset at = start;
    // Only an offline log is replaced, and a read from one fails first: `found` keeps `log`.
    while (at < found->high_watermark()) {
        env_.scheduler.yield();  // May suspend.
        TRY_ASSIGN(log::LogRead read,
                   log->read(at, 1 << 20, found->high_watermark()));  // May suspend.
        if (read.batches == 0) break;
        std::span<const uint8_t> bytes = read.bytes;
        while (!bytes.empty()) {
            log::BatchCheck check = log::check_batch(bytes);
            if (check.problem != log::BatchProblem::none) {
                return log::batch_error(check.problem, "offsets topic");
            }
            log::RecordBatchView batch(bytes.first(check.size));
            TRY_ASSIGN(std::vector<log::Record> records, log::decode_records(batch));
            for (std::size_t i = 0; i < records.size(); ++i) {
                // A batch can straddle the log start only if it began below it.
                if (batch.base_offset() + static_cast<int64_t>(i) >= start) visit(records[i]);
            }
            bytes = bytes.subspan(check.size);
        }
        at = read.next_offset;
    }
    return {};
}

uint64_t OffsetsLog::size_bytes(PartitionId partition) const {
    Result<std::shared_ptr<log::PartitionLog>> log = log_of(partition);
    return log ? (*log)->size_bytes() : 0;
}

Result<void> OffsetsLog::rewrite(PartitionId partition,
                                 const std::function<std::vector<log::Record>()>& build_live) {
    TRY_ASSIGN(std::shared_ptr<log::PartitionLog> log, log_of(partition));
    // The snapshot opens a segment of its own, so that every segment before it holds only
    // superseded records and can go whole.
    TRY(log->roll());
    Offset snapshot_start = log->log_end_offset();
    Offset end = snapshot_start;
    // Built only now, with no suspension before the write: a commit written between the
    // state's capture and the snapshot would otherwise be overwritten on replay by the older
    // value the snapshot carries.
    std::vector<log::Record> live = build_live();
    if (!live.empty()) {
        TRY_ASSIGN(end, write(partition, live));
    }
    TRY(wait_durable(partition, end));                // May suspend.
    TRY(log->delete_records_before(snapshot_start));  // May suspend.
    return {};
}

}  // namespace brook::group
