// Kafka magic-v2 record batches: parsing, validation, and the few in-place rewrites a broker
// makes (base offset, leader epoch, log-append time). The batch is kept as bytes; a view reads
// its header fields where they lie, so a fetch can return exactly the stored bytes.
//
//   TRY_ASSIGN(std::vector<RecordBatchView> batches, parse_record_set(request_bytes));
//   set_base_offset(mutable_bytes, Offset(42));       // the log assigns offsets
//
// Layout (big-endian), from Kafka's DefaultRecordBatch:
//    0 baseOffset i64        8 batchLength i32 (bytes after this field)
//   12 partitionLeaderEpoch i32                   16 magic i8 (= 2)
//   17 crc u32: CRC32C of bytes [21, end)         21 attributes i16
//   23 lastOffsetDelta i32  27 baseTimestamp i64  35 maxTimestamp i64
//   43 producerId i64       51 producerEpoch i16  53 baseSequence i32
//   57 records count i32    61 records...
// baseOffset, batchLength, partitionLeaderEpoch and magic lie OUTSIDE the CRC: the log checks
// the first by offset density, the second by framing, the third by range and the fourth by
// value (docs/design/log.md, "What the CRC does not cover").
//
// Old message sets (magic 0 and 1) also keep their magic at byte 16; they are refused with
// ErrorCode::unsupported, which the broker maps to UNSUPPORTED_FOR_MESSAGE_FORMAT, while any
// other malformation is ErrorCode::corruption (CORRUPT_MESSAGE).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/base/big_endian.h"

namespace brook::log {

inline constexpr std::size_t kBatchHeaderBytes = 61;
// baseOffset and batchLength precede what batchLength counts.
inline constexpr std::size_t kLogOverheadBytes = 12;
inline constexpr std::size_t kCrcStart = 21;
inline constexpr int8_t kMagicV2 = 2;
// No batch can be larger than this, whatever the configuration: it bounds every buffer the log
// allocates from a length field read off the disk.
inline constexpr std::size_t kBatchBytesMax = 64 * 1024 * 1024;

// Attributes bits.
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeLogAppendTime = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;

enum class TimestampType { create_time, log_append_time };

// What is wrong with the bytes at the start of a span, finer than an ErrorCode because recovery
// treats a batch cut short by a crash (truncated) differently from a batch that is all there
// but wrong (corrupt).
enum class BatchProblem {
    none,
    truncated,      // fewer bytes than the header or than batchLength announces
    bad_length,     // batchLength below the header or above kBatchBytesMax
    old_magic,      // magic 0 or 1: an old message set
    bad_magic,      // any other magic but 2
    bad_crc,        // the CRC32C over attributes..end does not match
    bad_fields,     // lastOffsetDelta or the record count is impossible
};
std::string_view batch_problem_name(BatchProblem problem);

// One batch's bytes, at least its full batchLength. Does not own them.
class RecordBatchView {
public:
    explicit RecordBatchView(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    std::span<const uint8_t> bytes() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

    Offset base_offset() const { return Offset(field<int64_t>(0)); }
    int32_t batch_length() const { return field<int32_t>(8); }
    LeaderEpoch partition_leader_epoch() const { return LeaderEpoch(field<int32_t>(12)); }
    int8_t magic() const { return field<int8_t>(16); }
    uint32_t crc() const { return field<uint32_t>(17); }
    int16_t attributes() const { return field<int16_t>(21); }
    int32_t last_offset_delta() const { return field<int32_t>(23); }
    Offset last_offset() const { return base_offset() + last_offset_delta(); }
    Offset next_offset() const { return last_offset() + 1; }
    int64_t base_timestamp() const { return field<int64_t>(27); }
    int64_t max_timestamp() const { return field<int64_t>(35); }
    ProducerId producer_id() const { return ProducerId(field<int64_t>(43)); }
    int16_t producer_epoch() const { return field<int16_t>(51); }
    int32_t base_sequence() const { return field<int32_t>(53); }
    int32_t records_count() const { return field<int32_t>(57); }
    int compression() const { return attributes() & kCompressionMask; }
    TimestampType timestamp_type() const {
        return (attributes() & kTimestampTypeLogAppendTime) ? TimestampType::log_append_time
                                                            : TimestampType::create_time;
    }
    std::span<const uint8_t> records_bytes() const { return bytes_.subspan(kBatchHeaderBytes); }

    // Recomputes the CRC32C over attributes..end and compares it with the stored one.
    bool crc_matches() const;

private:
    template <typename T>
    T field(std::size_t at) const {
        return load_big_endian<T>(bytes_.data() + at);
    }
    std::span<const uint8_t> bytes_;
};

struct BatchCheck {
    BatchProblem problem = BatchProblem::none;
    // The batch's full size (12 + batchLength) when the length field could be read, else 0.
    std::size_t size = 0;
};

// Checks the batch at the start of `bytes` (which may continue with more batches): framing,
// magic, CRC and field sanity. Never reads past bytes.size(); never asserts on content.
BatchCheck check_batch(std::span<const uint8_t> bytes);

// The Error for a problem: unsupported for old_magic, corruption otherwise.
Error batch_error(BatchProblem problem, std::string_view where);

// Splits a producer's record set into valid batches: every byte must belong to a batch that
// passes check_batch, holds at least one record, and has lastOffsetDelta == records - 1 (a
// producer's batch is dense). Errors: unsupported (old format), corruption (anything else).
Result<std::vector<RecordBatchView>> parse_record_set(std::span<const uint8_t> bytes);

// In-place rewrites of a batch's bytes (at least kBatchHeaderBytes long).
// baseOffset and partitionLeaderEpoch lie before the CRC'd range: no CRC change needed.
void set_base_offset(std::span<uint8_t> batch, Offset base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, LeaderEpoch epoch);
// For LogAppendTime topics: maxTimestamp := timestamp_ms, the timestamp-type bit set, and the
// CRC recomputed because both fields are inside the CRC'd range.
void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms);

}  // namespace brook::log
