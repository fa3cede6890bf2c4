// A segment's sparse offset index: (offset relative to the segment's base, byte position of the
// batch that starts at that offset), one entry per index.interval.bytes of log. A lookup gives
// a batch boundary at or before the wanted offset; the reader walks forward from there.
//
//   OffsetIndex index;
//   index.append(RelativeEntry{.relative_offset = 120, .position = 8192});
//   OffsetIndex::Entry start = index.floor(130);       // {120, 8192}
//
// On disk (`<base>.index`): entries of 8 bytes, relative offset u32 then position u32, both
// big-endian, as Kafka writes them. The file is written once, when its segment is sealed; the
// active segment's index lives in memory and is rebuilt from the log on recovery. The index
// is an accelerator, never an authority: a reader that finds no batch where an entry points
// falls back to the segment's start.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/result.h"

namespace brook::log {

class OffsetIndex {
public:
    static constexpr std::size_t kEntryBytes = 8;
    struct Entry {
        uint32_t relative_offset = 0;
        uint32_t position = 0;
        bool operator==(const Entry&) const = default;
    };

    // Entries must increase strictly in both fields.
    void append(Entry entry);
    // The last entry with relative_offset <= `relative_offset`, or {0, 0} (the segment start).
    Entry floor(uint32_t relative_offset) const;
    const std::vector<Entry>& entries() const { return entries_; }
    void clear() { entries_.clear(); }

    std::vector<uint8_t> encode() const;
    // Parses a file's bytes; corruption when the size is not a whole number of entries, the
    // entries do not increase, or a position is not below `segment_bytes`.
    static Result<OffsetIndex> decode(std::span<const uint8_t> bytes, uint64_t segment_bytes);

private:
    std::vector<Entry> entries_;
};

}  // namespace brook::log
