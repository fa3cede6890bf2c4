// One segment of a partition log: the file `<20-digit base offset>.log` holding whole record
// batches back to back, exactly as they were appended, with its sparse offset and time indexes
// (`.index`, `.timeindex`, see offset_index.h and time_index.h).
//
//   TRY_ASSIGN(auto segment, Segment::create(disk, "topic-0", Offset(0), 4096));
//   TRY(segment->append(bytes, batches));                 // one write; not yet durable
//   TRY(segment->sync());                                 // May suspend.
//   TRY_ASSIGN(SegmentRead slice, segment->read(Offset(3), 65536, upper_bound, epoch_max));
//
// A segment is either ACTIVE (appended to; its indexes live in memory only) or SEALED (never
// written again; its index files are written once, fsynced, and trusted on the next open as
// long as they parse and agree with the segment). PartitionLog decides which; the segment only
// carries the data and the indexes. Reads validate every batch they return (framing, CRC32C,
// offset continuity, epoch range) and report a failure as corruption, never serve it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/io/disk.h"
#include "core/log/leader_epoch_cache.h"
#include "core/log/offset_index.h"
#include "core/log/record_batch.h"
#include "core/log/time_index.h"

namespace brook::log {

// What the log knows about one appended batch.
struct BatchInfo {
    Offset base;
    Offset next;  // last offset + 1
    int64_t max_timestamp_ms = -1;
    uint32_t size = 0;
};

struct SegmentRead {
    std::vector<uint8_t> bytes;  // whole batches
    Offset next_offset;          // the offset after the last batch returned
    int batches = 0;
};

// Why a scan stopped before the end of the file.
struct ScanEnd {
    uint64_t valid_bytes = 0;       // bytes of valid batches from the start
    Offset next_offset;             // after the last valid batch
    BatchProblem problem = BatchProblem::none;
    bool unexpected_offset = false;  // the batch was valid but not the next offset in sequence
    bool complete() const { return problem == BatchProblem::none && !unexpected_offset; }
};

// Reads until `buffer` is full or the file ends; returns the bytes read.
Result<std::size_t> read_fully(File& file, uint64_t position, std::span<uint8_t> buffer);

// check_batch, then what the log knows of a stored batch: it starts at `expected` and its
// epoch is in [0, epoch_max] (both fields lie outside the CRC).
BatchCheck check_stored_batch(std::span<const uint8_t> bytes, Offset expected,
                              LeaderEpoch epoch_max, bool& unexpected_offset);

class Segment {
public:
    // "00000000000000000042.log"
    static std::string file_name(Offset base, std::string_view extension);
    // The base offset of a ".log" file name, or nullopt for any other file.
    static std::optional<Offset> parse_log_file_name(std::string_view name);

    // A new, empty segment file (an existing file of that name is emptied).
    static Result<std::unique_ptr<Segment>> create(Disk& disk, std::string directory, Offset base,
                                                   uint32_t index_interval_bytes);
    // An existing segment; its batches are not read until recover() or load_indexes().
    static Result<std::unique_ptr<Segment>> open(Disk& disk, std::string directory, Offset base,
                                                 uint32_t index_interval_bytes);

    Offset base_offset() const { return base_; }
    Offset next_offset() const { return next_; }
    uint64_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    int64_t max_timestamp_ms() const { return max_timestamp_ms_; }
    bool dirty() const { return synced_size_ < size_ || size_unsynced_; }

    // Writes batches already validated and rewritten, contiguous from next_offset(), with one
    // write. On error the in-memory state is unchanged but the file may hold any part of the
    // bytes: the caller truncates back (truncate_unwritten) or takes the log offline.
    Result<void> append(std::span<const uint8_t> bytes, std::span<const BatchInfo> batches);
    // Cuts the file back to what the in-memory state says it holds.
    Result<void> truncate_unwritten();
    // Makes every byte appended before the call durable. May suspend.
    Result<void> sync();

    // Recovery of an unsealed segment: validates every batch from the start, rebuilds the
    // in-memory indexes, and truncates the file (durably) after the last valid batch. The first
    // batch must start at the base offset, each next one where the previous ended. With
    // `epochs`, a batch whose leader epoch is below the cache's latest also ends the segment
    // (epochs never go back in a log), and every valid batch is assigned to the cache.
    // May suspend.
    Result<ScanEnd> recover(LeaderEpoch epoch_max, LeaderEpochCache* epochs = nullptr);
    // A sealed segment's leader epochs, from its batch headers only (no CRC check), assigned to
    // `epochs`. A sealed segment is never cut: the walk stops at the first header that does not
    // continue the sequence, and skips a header whose epoch goes back or passes `epoch_max`
    // (reads of such batches report corruption or serve them as they are, as before).
    Result<void> collect_epochs(LeaderEpochCache& epochs, LeaderEpoch epoch_max);
    // Cuts the segment before the batch holding `end` (base_offset() <= end < next_offset()),
    // so the whole batch goes even if `end` lies inside it, and rebuilds the in-memory indexes.
    // The cut is durable only after sync(). Returns the new next_offset().
    Result<Offset> truncate_to(Offset end, LeaderEpoch epoch_max);
    // A sealed segment followed by one at `next_offset`: loads its index files, or rebuilds and
    // rewrites them when missing or invalid. Never truncates. Returns true when the files were
    // usable. May suspend.
    Result<bool> load_indexes(Offset next_offset, LeaderEpoch epoch_max);
    // Seals: writes and fsyncs both index files. The caller syncs the directory. May suspend.
    Result<void> write_index_files();

    // Whole batches from the one containing `offset` (base_offset() <= offset < next_offset()),
    // at least one, then more while the total stays within max_bytes, stopping before a batch
    // that starts at or after `upper_bound`.
    Result<SegmentRead> read(Offset offset, std::size_t max_bytes, Offset upper_bound,
                             LeaderEpoch epoch_max);
    // The first offset whose record timestamp is >= timestamp_ms, if any batch here reaches it.
    Result<std::optional<Offset>> offset_for_timestamp(int64_t timestamp_ms, LeaderEpoch epoch_max);

    // Closes the file and removes the segment's files (missing ones are fine). The caller
    // syncs the directory.
    Result<void> remove_files();

    const OffsetIndex& offset_index() const { return offset_index_; }
    const TimeIndex& time_index() const { return time_index_; }
    std::string path(std::string_view extension) const;

private:
    Segment(Disk& disk, std::string directory, Offset base, uint32_t index_interval_bytes,
            std::unique_ptr<File> file)
        : disk_(disk),
          directory_(std::move(directory)),
          base_(base),
          next_(base),
          index_interval_bytes_(index_interval_bytes),
          file_(std::move(file)) {}

    uint32_t relative(Offset offset) const;
    // Adds one batch at `position` to the in-memory indexes and counters.
    void index_batch(const BatchInfo& batch, uint64_t position);
    void reset_indexes();
    // Walks batches from the start, validating and indexing them, until the end of the file
    // or the first problem.
    Result<ScanEnd> scan(LeaderEpoch epoch_max, LeaderEpochCache* epochs = nullptr);
    // The position of the batch that contains `offset`.
    Result<uint64_t> locate(Offset offset);
    Result<uint64_t> walk(OffsetIndex::Entry from, Offset offset);
    // Whether a batch header (not yet CRC-checked) plausibly continues the sequence at
    // `expected`: the base offset and a sane length and offset delta.
    static bool header_continues(const RecordBatchView& header, Offset expected);
    Result<void> write_file(std::string_view extension, std::span<const uint8_t> bytes);

    Disk& disk_;
    std::string directory_;
    Offset base_;
    Offset next_;
    uint32_t index_interval_bytes_;
    std::unique_ptr<File> file_;
    uint64_t size_ = 0;
    uint64_t synced_size_ = 0;
    // The file was cut below synced_size_ and that is not yet durable.
    bool size_unsynced_ = false;
    int64_t max_timestamp_ms_ = -1;
    uint64_t bytes_since_index_entry_ = 0;
    OffsetIndex offset_index_;
    TimeIndex time_index_;
};

}  // namespace brook::log
