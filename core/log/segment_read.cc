// Segment reads: locating a batch by offset or timestamp and returning validated batches.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/log/record_batch_builder.h"
#include "core/log/segment.h"

namespace brook::log {

Result<std::size_t> read_fully(File& file, uint64_t position, std::span<uint8_t> buffer) {
    std::size_t filled = 0;
    while (filled < buffer.size()) {
        TRY_ASSIGN(std::size_t got, file.read_at(position + filled, buffer.subspan(filled)));
        if (got == 0) break;
        filled += got;
    }
    return filled;
}

bool Segment::header_continues(const RecordBatchView& header, Offset expected) {
    int64_t length = header.batch_length();
    return header.base_offset() == expected && header.last_offset_delta() >= 0 &&
           length >= static_cast<int64_t>(kBatchHeaderBytes - kLogOverheadBytes) &&
           length <= static_cast<int64_t>(kBatchBytesMax);
}

Result<uint64_t> Segment::walk(OffsetIndex::Entry from, Offset offset) {
    uint64_t position = from.position;
    Offset expected = base_ + from.relative_offset;
    std::array<uint8_t, kBatchHeaderBytes> header{};
    // Only header fields guide the walk; the batch finally returned is validated in full, and
    // any inconsistency on the way (a header that does not continue the sequence) stops it.
    while (position < size_) {
        TRY_ASSIGN(std::size_t got, read_fully(*file_, position, header));
        if (got < header.size()) break;
        RecordBatchView view(header);
        if (!header_continues(view, expected)) break;
        if (offset < view.next_offset()) return position;
        position += kLogOverheadBytes + static_cast<uint64_t>(view.batch_length());
        expected = view.next_offset();
    }
    return Error(ErrorCode::corruption,
                 fmt::format("{}: no valid batch framing leads to offset {} (stopped at byte {})",
                             path(".log"), offset, position));
}

Result<uint64_t> Segment::locate(Offset offset) {
    OffsetIndex::Entry entry = offset_index_.floor(relative(offset));
    Result<uint64_t> position = walk(entry, offset);
    // The index is an accelerator: if its entry leads nowhere, walk from the start.
    if (!position && entry.position != 0) position = walk(OffsetIndex::Entry{}, offset);
    return position;
}

Result<SegmentRead> Segment::read(Offset offset, std::size_t max_bytes, Offset upper_bound,
                                  LeaderEpoch epoch_max) {
    ASSERT(offset >= base_ && offset < next_, "read of {} from segment [{}, {})", offset, base_,
           next_);
    TRY_ASSIGN(uint64_t position, locate(offset));
    std::array<uint8_t, kLogOverheadBytes> head{};
    TRY_ASSIGN(std::size_t got, read_fully(*file_, position, head));
    if (got < head.size()) return Error(ErrorCode::corruption, "short batch header");
    std::size_t first_size =
        kLogOverheadBytes + static_cast<std::size_t>(load_big_endian<int32_t>(head.data() + 8));
    std::size_t want = std::max(first_size, max_bytes);
    want = static_cast<std::size_t>(std::min<uint64_t>(want, size_ - position));

    SegmentRead result;
    result.bytes.resize(want);
    TRY_ASSIGN(std::size_t filled, read_fully(*file_, position, result.bytes));
    std::span<const uint8_t> bytes(result.bytes.data(), filled);
    std::size_t accepted = 0;
    Offset expected;
    while (accepted < bytes.size()) {
        std::span<const uint8_t> rest = bytes.subspan(accepted);
        if (result.batches == 0) expected = Offset(load_big_endian<int64_t>(rest.data()));
        bool unexpected_offset = false;
        BatchCheck check = check_stored_batch(rest, expected, epoch_max, unexpected_offset);
        bool fits = result.batches == 0 || accepted + check.size <= max_bytes;
        if (check.problem == BatchProblem::truncated && result.batches > 0) break;
        if (check.problem != BatchProblem::none || unexpected_offset) {
            if (result.batches > 0) break;  // serve the good prefix; the next fetch reports it
            return Error(ErrorCode::corruption,
                         fmt::format("{}: stored batch at byte {} for offset {}: {}",
                                     path(".log"), position, offset,
                                     unexpected_offset ? "unexpected base offset"
                                                       : batch_problem_name(check.problem)));
        }
        RecordBatchView view(rest.first(check.size));
        if (!fits || (result.batches > 0 && view.base_offset() >= upper_bound)) break;
        if (result.batches == 0 && !(view.base_offset() <= offset && offset < view.next_offset())) {
            return Error(ErrorCode::corruption,
                         fmt::format("{}: batch at byte {} does not hold offset {}", path(".log"),
                                     position, offset));
        }
        accepted += check.size;
        expected = view.next_offset();
        result.next_offset = expected;
        ++result.batches;
    }
    result.bytes.resize(accepted);
    return result;
}

Result<std::optional<Offset>> Segment::offset_for_timestamp(int64_t timestamp_ms,
                                                            LeaderEpoch epoch_max) {
    if (empty() || max_timestamp_ms_ < timestamp_ms) return std::optional<Offset>();
    Offset offset = base_ + time_index_.start_for(timestamp_ms);
    while (offset < next_) {
        TRY_ASSIGN(SegmentRead slice, read(offset, 1, next_, epoch_max));
        RecordBatchView view(slice.bytes);
        if (view.max_timestamp() >= timestamp_ms) {
            if (view.compression() != 0 || view.timestamp_type() == TimestampType::log_append_time) {
                return std::optional<Offset>(view.base_offset());
            }
            TRY_ASSIGN(std::vector<Record> records, decode_records(view));
            for (std::size_t i = 0; i < records.size(); ++i) {
                if (records[i].timestamp_ms >= timestamp_ms) {
                    return std::optional<Offset>(view.base_offset() + static_cast<int64_t>(i));
                }
            }
            return std::optional<Offset>(view.base_offset());
        }
        offset = slice.next_offset;
    }
    return std::optional<Offset>();
}

}  // namespace brook::log
