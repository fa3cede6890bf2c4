#include "core/log/segment.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/base/planted_bug.h"
#include "core/log/record_batch_builder.h"

namespace brook::log {
namespace {

constexpr std::size_t kScanChunkBytes = 1024 * 1024;
constexpr int kFileNameDigits = 20;

// Reads a file sequentially through one buffer, so that a scan does one read per megabyte
// rather than two per batch.
class ChunkReader {
public:
    ChunkReader(File& file, uint64_t file_size) : file_(file), file_size_(file_size) {}

    // Up to `length` bytes at `position`; fewer only at the end of the file.
    Result<std::span<const uint8_t>> view(uint64_t position, std::size_t length) {
        if (position < start_ || position + length > start_ + buffer_.size()) {
            uint64_t remaining = file_size_ > position ? file_size_ - position : 0;
            std::size_t want = static_cast<std::size_t>(
                std::min<uint64_t>(std::max(length, kScanChunkBytes), remaining));
            buffer_.resize(want);
            std::size_t filled = 0;
            while (filled < want) {
                TRY_ASSIGN(std::size_t got, file_.read_at(position + filled,
                                                          std::span(buffer_).subspan(filled)));
                if (got == 0) break;
                filled += got;
            }
            buffer_.resize(filled);
            start_ = position;
        }
        std::size_t offset = static_cast<std::size_t>(position - start_);
        return std::span<const uint8_t>(buffer_).subspan(offset,
                                                         std::min(length, buffer_.size() - offset));
    }

private:
    File& file_;
    uint64_t file_size_;
    std::vector<uint8_t> buffer_;
    uint64_t start_ = 0;
};

BatchInfo info_of(const RecordBatchView& view) {
    return BatchInfo{view.base_offset(), view.next_offset(), view.max_timestamp(),
                     static_cast<uint32_t>(view.size())};
}

}  // namespace

// Checks a stored batch: its own validity, then that it is the one expected at this place.
BatchCheck check_stored_batch(std::span<const uint8_t> bytes, Offset expected, LeaderEpoch epoch_max,
                        bool& unexpected_offset) {
    BatchCheck check = check_batch(bytes);
    unexpected_offset = false;
    if (check.problem != BatchProblem::none) return check;
    RecordBatchView view(bytes.first(check.size));
    // The epoch lies outside the CRC; the log only ever stamps epochs up to its current one.
    if (view.partition_leader_epoch() < LeaderEpoch(0) ||
        view.partition_leader_epoch() > epoch_max) {
        check.problem = BatchProblem::bad_fields;
    } else if (view.base_offset() != expected) {
        unexpected_offset = true;
    }
    return check;
}

std::string Segment::file_name(Offset base, std::string_view extension) {
    return fmt::format("{:020d}{}", base.value(), extension);
}

std::optional<Offset> Segment::parse_log_file_name(std::string_view name) {
    if (name.size() != kFileNameDigits + 4 || !name.ends_with(".log")) return std::nullopt;
    int64_t value = 0;
    for (int i = 0; i < kFileNameDigits; ++i) {
        char c = name[static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') return std::nullopt;
        if (value > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return Offset(value);
}

std::string Segment::path(std::string_view extension) const {
    std::string name = file_name(base_, extension);
    return directory_.empty() ? name : fmt::format("{}/{}", directory_, name);
}

Result<std::unique_ptr<Segment>> Segment::create(Disk& disk, std::string directory, Offset base,
                                                 uint32_t index_interval_bytes) {
    std::unique_ptr<Segment> segment(
        new Segment(disk, std::move(directory), base, index_interval_bytes, nullptr));
    TRY_ASSIGN(segment->file_, disk.open(segment->path(".log"), OpenMode::create));
    TRY_ASSIGN(uint64_t size, segment->file_->size());
    if (size != 0) TRY(segment->file_->truncate(0));
    return segment;
}

Result<std::unique_ptr<Segment>> Segment::open(Disk& disk, std::string directory, Offset base,
                                               uint32_t index_interval_bytes) {
    std::unique_ptr<Segment> segment(
        new Segment(disk, std::move(directory), base, index_interval_bytes, nullptr));
    TRY_ASSIGN(segment->file_, disk.open(segment->path(".log"), OpenMode::read_write));
    TRY_ASSIGN(segment->size_, segment->file_->size());
    segment->synced_size_ = segment->size_;  // the caller syncs what recovery keeps
    return segment;
}

uint32_t Segment::relative(Offset offset) const {
    int64_t delta = offset - base_;
    ASSERT(delta >= 0 && delta <= UINT32_MAX, "offset {} relative to base {}", offset, base_);
    return static_cast<uint32_t>(delta);
}

void Segment::reset_indexes() {
    offset_index_.clear();
    time_index_.clear();
    next_ = base_;
    max_timestamp_ms_ = -1;
    bytes_since_index_entry_ = 0;
}

void Segment::index_batch(const BatchInfo& batch, uint64_t position) {
    ASSERT(batch.base == next_, "batch at {} appended after {}", batch.base, next_);
    if (bytes_since_index_entry_ >= index_interval_bytes_) {
        offset_index_.append({relative(batch.base), static_cast<uint32_t>(position)});
        time_index_.maybe_append({max_timestamp_ms_, relative(batch.base)});
        bytes_since_index_entry_ = 0;
    }
    bytes_since_index_entry_ += batch.size;
    max_timestamp_ms_ = std::max(max_timestamp_ms_, batch.max_timestamp_ms);
    next_ = batch.next;
}

Result<void> Segment::append(std::span<const uint8_t> bytes, std::span<const BatchInfo> batches) {
    ASSERT(file_ != nullptr, "append to a removed segment");
    TRY(file_->write_at(size_, bytes));
    uint64_t position = size_;
    for (const BatchInfo& batch : batches) {
        index_batch(batch, position);
        position += batch.size;
    }
    ASSERT(position == size_ + bytes.size(), "batch sizes {} vs bytes {}", position - size_,
           bytes.size());
    size_ = position;
    return {};
}

Result<void> Segment::truncate_unwritten() { return file_->truncate(size_); }

Result<void> Segment::sync() {
    uint64_t covered = size_;
    bool cut = size_unsynced_;
    TRY(file_->sync());
    synced_size_ = cut ? covered : std::max(synced_size_, covered);
    if (cut) size_unsynced_ = false;  // the cut came before this sync began
    return {};
}

Result<ScanEnd> Segment::scan(LeaderEpoch epoch_max, LeaderEpochCache* epochs) {
    reset_indexes();
    TRY_ASSIGN(uint64_t file_size, file_->size());
    ChunkReader reader(*file_, file_size);
    ScanEnd end;
    uint64_t position = 0;
    while (position < file_size) {
        TRY_ASSIGN(std::span<const uint8_t> head, reader.view(position, kLogOverheadBytes + 5));
        BatchCheck check = check_batch(head);
        if (check.size != 0) {
            TRY_ASSIGN(std::span<const uint8_t> whole, reader.view(position, check.size));
            check = check_stored_batch(whole, next_, epoch_max, end.unexpected_offset);
            if (check.problem == BatchProblem::none && !end.unexpected_offset) {
                RecordBatchView view(whole.first(check.size));
                LeaderEpoch epoch = view.partition_leader_epoch();
                if (epochs != nullptr && !epochs->empty() && epoch < epochs->latest()->epoch) {
                    check.problem = BatchProblem::bad_fields;  // the epoch field is not CRC'd
                } else {
                    index_batch(info_of(view), position);
                    if (epochs != nullptr) epochs->assign(epoch, view.base_offset());
                    position += check.size;
                    continue;
                }
            }
        }
        end.problem = check.problem;
        break;
    }
    end.valid_bytes = position;
    end.next_offset = next_;
    return end;
}

Result<ScanEnd> Segment::recover(LeaderEpoch epoch_max, LeaderEpochCache* epochs) {
    TRY_ASSIGN(ScanEnd end, scan(epoch_max, epochs));
    TRY_ASSIGN(uint64_t file_size, file_->size());
    size_ = end.valid_bytes;
    if (planted(PlantedBug::skip_tail_truncation)) {
        size_ = file_size;  // the torn tail stays, and appends land after it
    } else if (file_size != end.valid_bytes) {
        TRY(file_->truncate(end.valid_bytes));
    }
    // What survived a process crash may sit only in the page cache: make it durable before
    // anyone is told it exists.
    TRY(file_->sync());
    synced_size_ = size_;
    size_unsynced_ = false;
    return end;
}

Result<Offset> Segment::truncate_to(Offset end, LeaderEpoch epoch_max) {
    ASSERT(end >= base_ && end < next_, "cut at {} of segment [{}, {})", end, base_, next_);
    TRY_ASSIGN(uint64_t position, locate(end));
    TRY(file_->truncate(position));
    // The indexes are rebuilt by a scan of what stays: simple, and truncation is rare (a
    // follower whose log diverged). The scan also proves the kept prefix whole.
    TRY_ASSIGN(ScanEnd kept, scan(epoch_max));
    if (!kept.complete() || kept.valid_bytes != position) {
        return Error(ErrorCode::corruption,
                     fmt::format("{}: the batches before byte {} do not scan", path(".log"),
                                 position));
    }
    size_ = position;
    synced_size_ = std::min(synced_size_, size_);
    size_unsynced_ = true;
    return next_;
}

Result<void> Segment::collect_epochs(LeaderEpochCache& epochs, LeaderEpoch epoch_max) {
    std::array<uint8_t, kBatchHeaderBytes> header{};
    uint64_t position = 0;
    Offset expected = base_;
    while (position < size_) {
        TRY_ASSIGN(std::size_t got, read_fully(*file_, position, header));
        if (got < header.size()) break;
        RecordBatchView view(header);
        if (!header_continues(view, expected)) break;
        LeaderEpoch epoch = view.partition_leader_epoch();
        bool out_of_order = epoch < LeaderEpoch(0) || epoch > epoch_max ||
                            (!epochs.empty() && epoch < epochs.latest()->epoch);
        if (!out_of_order) epochs.assign(epoch, view.base_offset());
        position += kLogOverheadBytes + static_cast<uint64_t>(view.batch_length());
        expected = view.next_offset();
    }
    return {};
}

Result<bool> Segment::load_indexes(Offset next_offset, LeaderEpoch epoch_max) {
    TRY_ASSIGN(size_, file_->size());
    synced_size_ = size_;
    auto load = [&](std::string_view extension) -> Result<std::vector<uint8_t>> {
        TRY_ASSIGN(std::unique_ptr<File> file, disk_.open(path(extension), OpenMode::read_only));
        TRY_ASSIGN(uint64_t length, file->size());
        std::vector<uint8_t> bytes(static_cast<std::size_t>(length));
        TRY_ASSIGN(std::size_t got, read_fully(*file, 0, bytes));
        if (got != bytes.size()) return Error(ErrorCode::corruption, "short index read");
        return bytes;
    };
    Result<std::vector<uint8_t>> offsets = load(".index");
    Result<std::vector<uint8_t>> times = load(".timeindex");
    if (offsets && times) {
        Result<OffsetIndex> offset_index = OffsetIndex::decode(*offsets, size_);
        Result<TimeIndex> time_index = TimeIndex::decode(*times);
        uint64_t span = static_cast<uint64_t>(next_offset - base_);
        bool fits = offset_index && time_index && time_index->last().has_value() &&
                    time_index->last()->relative_offset <= span &&
                    (offset_index->entries().empty() ||
                     offset_index->entries().back().relative_offset < span);
        if (fits && size_ > 0) {
            offset_index_ = std::move(*offset_index);
            time_index_ = std::move(*time_index);
            max_timestamp_ms_ = time_index_.last()->timestamp_ms;
            next_ = next_offset;
            return true;
        }
    }
    // Rebuild from the batches. A sealed segment is never truncated: a batch that fails here
    // was durable once, so it stays, and reads report it as corruption.
    TRY(scan(epoch_max));
    next_ = next_offset;
    TRY(write_index_files());
    return false;
}

Result<void> Segment::write_file(std::string_view extension, std::span<const uint8_t> bytes) {
    TRY_ASSIGN(std::unique_ptr<File> file, disk_.open(path(extension), OpenMode::create));
    TRY(file->truncate(0));
    TRY(file->write_at(0, bytes));
    return file->sync();
}

Result<void> Segment::write_index_files() {
    // The last time entry records the segment's largest timestamp (time retention reads it).
    time_index_.maybe_append({max_timestamp_ms_, relative(next_)});
    if (time_index_.entries().empty()) time_index_.maybe_append({-1, relative(next_)});
    TRY(write_file(".index", offset_index_.encode()));
    return write_file(".timeindex", time_index_.encode());
}

Result<void> Segment::remove_files() {
    file_.reset();
    for (std::string_view extension : {".log", ".index", ".timeindex"}) {
        Result<void> removed = disk_.remove(path(extension));
        if (!removed && removed.error().code() != ErrorCode::not_found) return removed;
    }
    return {};
}

}  // namespace brook::log
