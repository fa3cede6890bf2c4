// The per-topic settings of a partition log, under Kafka's names (topic config `segment.bytes`
// is `segment_bytes` here), with Brook's defaults. Brook's one deliberate difference from
// Kafka: flush_messages defaults to 1, so every append is fsynced (with group commit) before it
// is acknowledged; Kafka leaves flushing to the OS and relies on replication.
//
//   LogConfig config;
//   config.segment_bytes = 64 * 1024 * 1024;
//   config.retention_ms = -1;                           // keep for ever
//   TRY(config.validate());
#pragma once

#include <cstdint>
#include <limits>

#include "core/base/result.h"
#include "core/log/record_batch.h"

namespace brook::log {

struct LogConfig {
    static constexpr int64_t kUnlimited = -1;

    // segment.bytes: roll when the active segment would grow past this. Positions in the
    // offset index are u32, so at most 2 GiB - 1, as in Kafka.
    uint64_t segment_bytes = 1024 * 1024 * 1024;
    // segment.ms: roll a non-empty active segment this long after it was opened.
    int64_t segment_ms = 7 * 24 * 3600 * 1000LL;
    // index.interval.bytes: one offset and time index entry per this many bytes of log.
    uint32_t index_interval_bytes = 4096;
    // retention.ms: delete non-active segments whose newest timestamp is older (-1: never).
    int64_t retention_ms = 7 * 24 * 3600 * 1000LL;
    // retention.bytes: delete the oldest non-active segments while the log is larger (-1: never).
    int64_t retention_bytes = kUnlimited;
    // flush.messages: fsync once this many records are unflushed; 1 = before every ack.
    int64_t flush_messages = 1;
    // flush.ms: fsync when the oldest unflushed record is this old (checked by tick()).
    int64_t flush_ms = std::numeric_limits<int64_t>::max();
    // max.message.bytes: the largest record set one append may carry.
    uint32_t max_message_bytes = 1024 * 1024 + 12;
    // message.timestamp.type: LogAppendTime stamps each batch with the broker's wall clock.
    TimestampType message_timestamp_type = TimestampType::create_time;

    static constexpr uint64_t kSegmentBytesMax = (uint64_t{1} << 31) - 1;

    Result<void> validate() const {
        if (segment_bytes < kBatchHeaderBytes || segment_bytes > kSegmentBytesMax) {
            return Error(ErrorCode::invalid_argument, "segment.bytes out of range");
        }
        if (index_interval_bytes == 0) {
            return Error(ErrorCode::invalid_argument, "index.interval.bytes must be positive");
        }
        if (flush_messages < 1 || flush_ms < 0 || segment_ms < 1) {
            return Error(ErrorCode::invalid_argument, "flush.messages, flush.ms or segment.ms");
        }
        if (max_message_bytes < kBatchHeaderBytes || max_message_bytes > kBatchBytesMax) {
            return Error(ErrorCode::invalid_argument, "max.message.bytes out of range");
        }
        return {};
    }
};

}  // namespace brook::log
