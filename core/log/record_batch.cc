#include "core/log/record_batch.h"

#include <fmt/format.h>

#include "core/base/crc32c.h"

namespace brook::log {

std::string_view batch_problem_name(BatchProblem problem) {
    switch (problem) {
        case BatchProblem::none: return "none";
        case BatchProblem::truncated: return "truncated";
        case BatchProblem::bad_length: return "bad_length";
        case BatchProblem::old_magic: return "old_magic";
        case BatchProblem::bad_magic: return "bad_magic";
        case BatchProblem::bad_crc: return "bad_crc";
        case BatchProblem::bad_fields: return "bad_fields";
    }
    return "?";
}

bool RecordBatchView::crc_matches() const {
    return crc32c(bytes_.subspan(kCrcStart)) == crc();
}

BatchCheck check_batch(std::span<const uint8_t> bytes) {
    BatchCheck check;
    // Magic sits at byte 16 in every message format, so an old message set is recognised
    // before its (different) length rules are applied.
    if (bytes.size() > 16) {
        int8_t magic = static_cast<int8_t>(bytes[16]);
        if (magic == 0 || magic == 1) {
            check.problem = BatchProblem::old_magic;
            return check;
        }
    }
    if (bytes.size() < kLogOverheadBytes) {
        check.problem = BatchProblem::truncated;
        return check;
    }
    int64_t length = load_big_endian<int32_t>(bytes.data() + 8);
    if (length < static_cast<int64_t>(kBatchHeaderBytes - kLogOverheadBytes) ||
        length > static_cast<int64_t>(kBatchBytesMax - kLogOverheadBytes)) {
        check.problem = BatchProblem::bad_length;
        return check;
    }
    check.size = kLogOverheadBytes + static_cast<std::size_t>(length);
    if (bytes.size() < check.size) {
        check.problem = BatchProblem::truncated;
        return check;
    }
    RecordBatchView view(bytes.first(check.size));
    if (view.magic() != kMagicV2) {
        check.problem = BatchProblem::bad_magic;
    } else if (!view.crc_matches()) {
        check.problem = BatchProblem::bad_crc;
    } else if (view.last_offset_delta() < 0 || view.records_count() < 0 ||
               view.base_offset() < Offset(0) ||
               view.base_offset().value() > INT64_MAX - view.last_offset_delta() - 1) {
        check.problem = BatchProblem::bad_fields;
    }
    return check;
}

Error batch_error(BatchProblem problem, std::string_view where) {
    ErrorCode code =
        problem == BatchProblem::old_magic ? ErrorCode::unsupported : ErrorCode::corruption;
    std::string_view what = problem == BatchProblem::old_magic
                                ? "message format v0/v1 is not supported (magic 2 only)"
                                : batch_problem_name(problem);
    return Error(code, fmt::format("{}: record batch {}", where, what));
}

Result<std::vector<RecordBatchView>> parse_record_set(std::span<const uint8_t> bytes) {
    std::vector<RecordBatchView> batches;
    if (bytes.empty()) return Error(ErrorCode::corruption, "empty record set");
    std::size_t position = 0;
    while (position < bytes.size()) {
        std::span<const uint8_t> rest = bytes.subspan(position);
        BatchCheck check = check_batch(rest);
        std::string where = fmt::format("byte {}", position);
        if (check.problem != BatchProblem::none) return batch_error(check.problem, where);
        RecordBatchView view(rest.first(check.size));
        if (view.records_count() < 1 || view.last_offset_delta() != view.records_count() - 1) {
            return Error(ErrorCode::corruption,
                         fmt::format("{}: {} records but lastOffsetDelta {}", where,
                                     view.records_count(), view.last_offset_delta()));
        }
        batches.push_back(view);
        position += check.size;
    }
    return batches;
}

void set_base_offset(std::span<uint8_t> batch, Offset base_offset) {
    ASSERT(batch.size() >= kBatchHeaderBytes);
    store_big_endian<int64_t>(batch.data(), base_offset.value());
}

void set_partition_leader_epoch(std::span<uint8_t> batch, LeaderEpoch epoch) {
    ASSERT(batch.size() >= kBatchHeaderBytes);
    store_big_endian<int32_t>(batch.data() + 12, epoch.value());
}

void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms) {
    ASSERT(batch.size() >= kBatchHeaderBytes);
    int16_t attributes = load_big_endian<int16_t>(batch.data() + 21);
    store_big_endian<int16_t>(batch.data() + 21,
                              static_cast<int16_t>(attributes | kTimestampTypeLogAppendTime));
    store_big_endian<int64_t>(batch.data() + 35, timestamp_ms);
    store_big_endian<uint32_t>(batch.data() + 17, crc32c(batch.subspan(kCrcStart)));
}

}  // namespace brook::log
